"""``python -m ferrotune.migrate``: copy studies from Optuna into ferrotune, or back.

    python -m ferrotune.migrate import --from sqlite:///optuna.db --to study.log [--study NAME] [--to-study NAME]
    python -m ferrotune.migrate export --from study.log --to sqlite:///for-optuna.db [--study NAME] [--to-study NAME]

Without ``--study`` every study of the source is copied. ``import`` reads an Optuna storage
(a database URL in Optuna's tables, or an Optuna journal file path) and writes a ferrotune
storage (a journal file path, or a URL as ``create_study`` takes it); ``export`` goes the other
way. Prints one line per study copied; exits 1 with the reason when a copy fails.
"""

from __future__ import annotations

import argparse
import sys

from ferrotune import _core
from ferrotune import logging as ft_logging
from ferrotune.exceptions import FerrotuneError
from ferrotune.migrate import _check_source_exists, export_study, import_study, optuna_study_names
from ferrotune.storages import get_storage
from ferrotune.study import get_all_study_names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ferrotune.migrate", description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("direction", choices=("import", "export"), help="import: Optuna -> ferrotune; export: ferrotune -> Optuna")
    parser.add_argument("--from", dest="source", required=True, help="the storage to copy from")
    parser.add_argument("--to", dest="target", required=True, help="the storage to copy into")
    parser.add_argument("--study", help="the study to copy (default: every study of the source)")
    parser.add_argument("--to-study", help="the copy's name (with --study; default: the source's name)")
    args = parser.parse_args(argv)
    if args.to_study and not args.study:
        parser.error("--to-study needs --study")
    ft_logging.set_verbosity(ft_logging.WARNING)
    try:
        if args.direction == "import":
            _check_source_exists(args.source)
            names = [args.study] if args.study else optuna_study_names(args.source)
            for name in names:
                study = import_study(from_storage=args.source, from_study_name=name, to_storage=args.target, to_study_name=args.to_study)
                print(
                    f"imported {name!r}: {len(study.get_trials(deepcopy=False))} trials -> {study.study_name!r} in {_core.Storage.redact_url(args.target)}"
                )
        else:
            names = [args.study] if args.study else get_all_study_names(get_storage(args.source))
            for name in names:
                target = export_study(from_storage=args.source, from_study_name=name, to_storage=args.target, to_study_name=args.to_study)
                print(f"exported {name!r}: {len(target.trials)} trials -> {target.study_name!r} in {_core.Storage.redact_url(args.target)}")
    except (FerrotuneError, ImportError, ValueError, KeyError) as exc:
        print(f"python -m ferrotune.migrate: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
