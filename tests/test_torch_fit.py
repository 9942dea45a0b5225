"""ferrotune.torch.fit: early stopping, pruning, schedules, divergence, devices, bad input."""

from __future__ import annotations

import threading

import pytest
import torch
from _torch_data import loaders, mlp, same_weights, scripted
from _util import assert_message

import ferrotune
import ferrotune.torch as ft
from ferrotune.exceptions import FerrotuneValueError

torch.set_num_threads(1)


def test_early_stopping_counts_patience_and_min_delta() -> None:
    s = ft.EarlyStopping(patience=2, min_delta=0.05, mode="max")
    assert [s.step(v) for v in (0.5, 0.6, 0.64, 0.66, 0.7)] == [True, True, False, True, False]
    assert (s.best, s.best_epoch, s.should_stop) == (0.66, 3, False)
    s.step(0.5)
    assert s.should_stop
    m = ft.EarlyStopping(patience=1, mode="min")
    assert [m.step(v) for v in (3.0, 2.0, 2.0)] == [True, True, False] and m.should_stop


def test_fit_stops_at_the_epoch_patience_says_and_restores_that_epochs_weights() -> None:
    torch.manual_seed(0)
    train, val = loaders()
    model = mlp()
    seen: dict[int, dict] = {}
    curve = [0.5, 0.6, 0.7, 0.69, 0.71, 0.65, 0.99, 0.99]
    # 0.71 beats 0.7 by less than min_delta: epochs 3, 4 and 5 do not improve; patience 3 stops after epoch 5.
    result = ft.fit(
        None,
        model,
        torch.optim.SGD(model.parameters(), lr=0.1),
        torch.nn.CrossEntropyLoss(),
        train,
        val,
        epochs=8,
        metric=scripted(curve),
        direction="maximize",
        patience=3,
        min_delta=0.02,
        callbacks=[lambda e: seen.__setitem__(e.epoch, {k: v.clone() for k, v in e.model.state_dict().items()})],
    )
    assert (result.epochs_run, result.best_epoch, result.best_value, result.stopped_early) == (6, 2, 0.7, True)
    assert result.history == curve[:6] and len(result.train_losses) == 6
    assert same_weights(model.state_dict(), seen[2]) and not same_weights(model.state_dict(), seen[5])


def test_fit_minimizes_the_loss_and_learns() -> None:
    torch.manual_seed(0)
    train, val = loaders()
    model = mlp()
    result = ft.fit(
        None, model, torch.optim.Adam(model.parameters(), lr=0.01), torch.nn.CrossEntropyLoss(), train, val, epochs=8, metric="loss"
    )
    assert result.best_value == min(result.history) and result.history[-1] < result.history[0] / 2
    assert ft.evaluate(model, val) > 0.9  # accuracy of the restored best weights


def test_fit_reports_every_epoch_and_raises_at_the_pruners_decision() -> None:
    train, val = loaders()
    curve = [0.9, 0.8, 0.7, 0.95, 0.96]

    def objective(trial: ferrotune.Trial) -> float:
        model = mlp()
        return ft.fit(
            trial,
            model,
            torch.optim.SGD(model.parameters(), lr=0.1),
            torch.nn.CrossEntropyLoss(),
            train,
            val,
            epochs=5,
            metric=scripted(curve),
        ).best_value

    study = ferrotune.create_study(direction="maximize", pruner=ferrotune.pruners.ThresholdPruner(lower=0.75))
    study.optimize(objective, n_trials=1)
    t = study.trials[0]
    # The threshold pruner stops the trial at the first value under 0.75: epoch 2.
    assert t.state == ferrotune.TrialState.PRUNED
    assert t.intermediate_values == {0: 0.9, 1: 0.8, 2: 0.7} and t.last_step == 2


def test_fit_records_the_best_epoch_on_the_trial() -> None:
    train, val = loaders()

    def objective(trial: ferrotune.Trial) -> float:
        model = mlp()
        return ft.fit(
            trial,
            model,
            torch.optim.SGD(model.parameters(), lr=0.1),
            torch.nn.CrossEntropyLoss(),
            train,
            val,
            epochs=4,
            metric=scripted([0.1, 0.4, 0.3, 0.2]),
        ).best_value

    study = ferrotune.create_study(direction="maximize")
    study.optimize(objective, n_trials=1)
    assert study.best_value == 0.4 and study.best_trial.user_attrs["best_epoch"] == 1


def test_fit_direction_comes_from_the_study_for_a_metric_function() -> None:
    train, val = loaders()

    def objective(trial: ferrotune.Trial) -> float:
        model = mlp()
        return ft.fit(
            trial,
            model,
            torch.optim.SGD(model.parameters(), lr=0.1),
            torch.nn.CrossEntropyLoss(),
            train,
            val,
            epochs=3,
            metric=scripted([3.0, 1.0, 2.0]),
        ).best_value

    study = ferrotune.create_study(direction="minimize")
    study.optimize(objective, n_trials=1)
    assert study.best_value == 1.0


@pytest.mark.parametrize("on_divergence, error", [("raise", ft.TrainingDiverged), ("prune", ferrotune.TrialPruned)])
def test_a_nan_loss_is_never_silent(on_divergence: str, error: type) -> None:
    train, val = loaders()
    model = mlp()
    calls = {"n": 0}

    def loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        calls["n"] += 1
        value = torch.nn.functional.cross_entropy(out, y)
        return value * float("nan") if calls["n"] > 10 else value

    with pytest.raises(error) as e:
        ft.fit(None, model, torch.optim.SGD(model.parameters(), lr=0.1), loss, train, val, epochs=3, on_divergence=on_divergence)
    assert_message(e, "epoch 1", "lower the learning rate")


def test_one_cycle_steps_every_batch_and_step_decay_every_epoch() -> None:
    train, val = loaders(batch_size=64)  # 4 batches per epoch
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    one_cycle = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, epochs=3, steps_per_epoch=len(train))
    ft.fit(None, model, opt, torch.nn.CrossEntropyLoss(), train, val, epochs=3, scheduler=one_cycle)
    assert one_cycle.last_epoch == 12
    opt2 = torch.optim.SGD(model.parameters(), lr=0.1)
    step = torch.optim.lr_scheduler.StepLR(opt2, step_size=1, gamma=0.5)
    lrs: list[float] = []
    ft.fit(None, model, opt2, torch.nn.CrossEntropyLoss(), train, val, epochs=3, scheduler=step, callbacks=[lambda e: lrs.append(e.lr)])
    assert lrs == pytest.approx([0.1, 0.05, 0.025]) and step.last_epoch == 3


def test_reduce_on_plateau_gets_the_metric() -> None:
    train, val = loaders()
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, mode="max", patience=0, factor=0.5)
    ft.fit(
        None,
        model,
        opt,
        torch.nn.CrossEntropyLoss(),
        train,
        val,
        epochs=3,
        scheduler=plateau,
        metric=scripted([0.5, 0.4, 0.3]),
        direction="maximize",
    )
    assert opt.param_groups[0]["lr"] == pytest.approx(0.025)  # halved after epochs 1 and 2


def test_grad_clip_bounds_the_update() -> None:
    x = torch.ones(4, 1)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, torch.zeros(4)), batch_size=4)
    model = torch.nn.Linear(1, 1, bias=False)
    torch.nn.init.zeros_(model.weight)
    huge = lambda out, y: 1e6 * out.sum()  # noqa: E731  gradient 4e6 before clipping
    ft.fit(
        None,
        model,
        torch.optim.SGD(model.parameters(), lr=1.0),
        huge,
        data,
        data,
        epochs=1,
        metric="loss",
        grad_clip=0.5,
        restore_best=False,
    )
    assert model.weight.item() == pytest.approx(-0.5)


def test_mixed_precision_runs_on_the_cpu_in_bfloat16() -> None:
    torch.manual_seed(0)
    train, val = loaders()
    model = mlp()
    result = ft.fit(None, model, torch.optim.Adam(model.parameters(), lr=0.01), torch.nn.CrossEntropyLoss(), train, val, epochs=5, amp=True)
    assert result.best_value > 0.85
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(
            None,
            model,
            torch.optim.Adam(model.parameters()),
            torch.nn.CrossEntropyLoss(),
            train,
            val,
            epochs=1,
            amp="float16",
            device="cpu",
        )
    assert_message(e, "amp='float16' needs a CUDA device")


def test_seed_everything_makes_training_repeatable() -> None:
    def run() -> dict:
        ft.seed_everything(7)
        train, val = loaders()
        model = mlp()
        ft.fit(
            None,
            model,
            torch.optim.Adam(model.parameters(), lr=0.01),
            torch.nn.CrossEntropyLoss(),
            train,
            val,
            epochs=2,
            restore_best=False,
        )
        return model.state_dict()

    assert same_weights(run(), run())
    with pytest.raises(FerrotuneValueError):
        ft.seed_everything(-1)


def test_fit_trains_one_model_per_trial_with_n_jobs() -> None:
    train, val = loaders()
    threads: set[int] = set()

    def objective(trial: ferrotune.Trial) -> float:
        threads.add(threading.get_ident())
        model = mlp(hidden=trial.suggest_int("hidden", 4, 32))
        opt = ft.suggest_optimizer(trial, model.parameters(), optimizers="adam", lr=(1e-3, 1e-2))
        return ft.fit(trial, model, opt, torch.nn.CrossEntropyLoss(), train, val, epochs=3).best_value

    study = ferrotune.create_study(direction="maximize", sampler=ferrotune.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=6, n_jobs=2)
    assert [t.state for t in study.trials] == [ferrotune.TrialState.COMPLETE] * 6
    assert len(threads) == 2 and study.best_value > 0.8
    assert all(len(t.intermediate_values) == 3 for t in study.trials)


def test_each_worker_thread_gets_its_own_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """The multi-GPU assignment, exercised on a machine without GPUs by faking two."""
    from ferrotune.torch import _device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(_device, "_thread_slots", {})
    monkeypatch.setattr(_device, "_next_slot", iter(range(100)))
    monkeypatch.delenv("FERROTUNE_WORKER_INDEX", raising=False)
    monkeypatch.delenv("LOCAL_RANK", raising=False)
    picked: dict[int, list[torch.device]] = {}
    both_alive = threading.Barrier(2)  # live threads have distinct idents

    def worker(i: int) -> None:
        both_alive.wait()
        picked[i] = [ft.select_device(), ft.select_device()]
        both_alive.wait()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    # Each thread keeps one device, and the two threads have different ones.
    assert all(len(set(p)) == 1 for p in picked.values())
    assert {p[0] for p in picked.values()} == {torch.device("cuda", 0), torch.device("cuda", 1)}
    monkeypatch.setenv("FERROTUNE_WORKER_INDEX", "1")
    assert ft.select_device() == torch.device("cuda", 1)  # this thread's slot 2, plus process 1: 3 % 2
    monkeypatch.setenv("FERROTUNE_WORKER_INDEX", "x")
    with pytest.raises(FerrotuneValueError):
        ft.select_device()


def test_select_device_checks_what_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert ft.select_device("auto").type in ("cpu", "mps")
    assert ft.select_device("cpu") == torch.device("cpu")
    for bad, fragment in [("cuda", "CUDA is not available"), ("gpu0", "not a torch device")]:
        with pytest.raises(FerrotuneValueError) as e:
            ft.select_device(bad)
        assert_message(e, fragment)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"epochs": 0}, "epochs must be an int >= 1"),
        ({"epochs": 2, "patience": 0}, "patience must be an int >= 1"),
        ({"epochs": 2, "min_delta": -1.0}, "min_delta"),
        ({"epochs": 2, "metric": "f1"}, "metric 'f1' is unknown"),
        ({"epochs": 2, "metric": lambda o, t: 0.0}, "direction is needed"),
        ({"epochs": 2, "grad_clip": -1}, "grad_clip must be a number > 0"),
        ({"epochs": 2, "amp": "int8"}, "amp must be"),
        ({"epochs": 2, "on_divergence": "ignore"}, "on_divergence"),
        ({"epochs": 2, "scheduler_step": "step"}, "scheduler_step"),
        ({"epochs": 2, "direction": "up"}, "direction must be"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs: dict, fragment: str) -> None:
    train, val = loaders()
    model = mlp()
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(None, model, torch.optim.SGD(model.parameters(), lr=0.1), torch.nn.CrossEntropyLoss(), train, val, **kwargs)
    assert_message(e, fragment)


def test_bad_models_batches_and_loaders_are_explained() -> None:
    train, val = loaders()
    model = mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss = torch.nn.CrossEntropyLoss()
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(None, "model", opt, loss, train, val, epochs=1)
    assert_message(e, "model must be a torch.nn.Module")
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(None, model, "adam", loss, train, val, epochs=1)
    assert_message(e, "optimizer must be a torch.optim.Optimizer")
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(None, model, opt, loss, [torch.zeros(2, 8)], val, epochs=1)
    assert_message(e, "(inputs, targets) pair")
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(None, model, opt, loss, [], val, epochs=1)
    assert_message(e, "training loader yielded no batches")
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(None, model, opt, loss, train, [], epochs=1)
    assert_message(e, "validation loader yielded no batches")
    with pytest.raises(FerrotuneValueError) as e:
        ft.fit(None, model, opt, loss, train, 5, epochs=1)
    assert_message(e, "val_loader must be iterable")


def test_the_cuda_recipe_float16_with_gradient_scaling_runs_on_the_cpu(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    """fit's float16 path (autocast + GradScaler + unscaling before clipping), which it takes on
    CUDA, forced onto the CPU, where PyTorch supports both: the code path runs without a GPU."""
    from ferrotune.torch import _fit

    monkeypatch.setattr(_fit, "_autocast_dtype", lambda amp, device: torch.float16)
    torch.manual_seed(0)
    train, val = loaders()
    model = mlp()
    result = ft.fit(
        None,
        model,
        torch.optim.Adam(model.parameters(), lr=0.01),
        torch.nn.CrossEntropyLoss(),
        train,
        val,
        epochs=4,
        amp=True,
        grad_clip=1.0,
        checkpoint_dir=tmp_path,
    )
    assert result.best_value > 0.85 and result.epochs_run == 4
    saved = ft.TrialCheckpoint(tmp_path).load_last()
    assert saved["scaler"]["scale"] > 1.0  # the scaler ran and its state is checkpointed
