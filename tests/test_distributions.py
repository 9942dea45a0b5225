"""Distributions: construction, validation messages, equality, encodings, JSON."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from _util import assert_message

import ferrotune
from ferrotune.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    check_distribution_compatibility,
    distribution_to_json,
    json_to_distribution,
)
from ferrotune.exceptions import InvalidDistributionError

# -- construction ---------------------------------------------------------------------------------


def test_float_distribution_keeps_its_arguments_as_floats():
    d = FloatDistribution(0, 2, step=0.5)
    assert (d.low, d.high, d.log, d.step) == (0.0, 2.0, False, 0.5)
    assert type(d.low) is float and type(d.high) is float and type(d.step) is float
    d = FloatDistribution(1e-3, 1.0, log=True)
    assert d.log is True and d.step is None


def test_int_distribution_keeps_its_arguments_as_ints():
    d = IntDistribution(0, 10, step=2)
    assert (d.low, d.high, d.log, d.step) == (0, 10, False, 2)
    assert all(type(v) is int for v in (d.low, d.high, d.step))
    # integral floats are accepted as ints (Optuna users write 1e3 for a bound)
    assert IntDistribution(1.0, 1e3, log=True).high == 1000


def test_numpy_scalars_become_python_numbers():
    d = FloatDistribution(np.float32(0.5), np.int64(2))
    assert type(d.low) is float and type(d.high) is float
    i = IntDistribution(np.int64(1), np.int32(5))
    assert type(i.low) is int and type(i.high) is int
    c = CategoricalDistribution(np.array([1, 2, 3]))
    assert c.choices == (1, 2, 3) and all(type(x) is int for x in c.choices)


@pytest.mark.parametrize(
    "make, fragments",
    [
        (lambda: FloatDistribution(2.0, 1.0), ["low=2.0 is greater than high=1.0", "swap"]),
        (lambda: IntDistribution(5, 1), ["low=5 is greater than high=1", "swap"]),
        (lambda: FloatDistribution(0.0, 1.0, log=True), ["log=True needs low > 0", "positive lower bound"]),
        (lambda: FloatDistribution(-1.0, 1.0, log=True), ["log=True needs low > 0"]),
        (lambda: IntDistribution(0, 10, log=True), ["log=True needs low >= 1"]),
        (lambda: FloatDistribution(1.0, 2.0, log=True, step=0.5), ["step and log=True cannot be used together"]),
        (lambda: IntDistribution(1, 9, log=True, step=2), ["log=True cannot be used together", "step=1"]),
        (lambda: FloatDistribution(0.0, 1.0, step=0.0), ["step must be a positive", "step > 0"]),
        (lambda: FloatDistribution(0.0, 1.0, step=-0.5), ["step must be a positive"]),
        (lambda: IntDistribution(0, 10, step=0), ["step must be a positive integer", "step >= 1"]),
        (lambda: FloatDistribution(0.0, math.inf), ["finite", "high=inf"]),
        (lambda: FloatDistribution(-math.inf, 0.0), ["finite", "low=-inf"]),
        (lambda: FloatDistribution(math.nan, 1.0), ["finite"]),
        (lambda: FloatDistribution("a", 1.0), ["low must be a number", "'a'"]),
        (lambda: FloatDistribution(0.0, 10**400), ["high must be a finite number", "1000000"]),
        (lambda: IntDistribution(0.5, 3), ["low must be an integer", "0.5"]),
        (lambda: IntDistribution(True, 3), ["low must be an integer"]),
        (lambda: IntDistribution(0, 2**60), ["2**53", "suggest_float"]),
        (lambda: IntDistribution(0, 2**70), ["2**53"]),
        (lambda: CategoricalDistribution([]), ["choices must not be empty"]),
        (lambda: CategoricalDistribution(()), ["choices must not be empty"]),
        (lambda: CategoricalDistribution("abc"), ["choices must be a list or tuple"]),
        (lambda: CategoricalDistribution(5), ["choices must be a list or tuple"]),
        (lambda: CategoricalDistribution([1, [2, 3]]), ["[2, 3]", "type list", "use None, bool, int, float or str"]),
        (lambda: CategoricalDistribution([{"a": 1}]), ["type dict", "use None, bool, int, float or str"]),
        (lambda: CategoricalDistribution([object()]), ["type object", "use None, bool, int, float or str"]),
        (lambda: CategoricalDistribution([b"raw"]), ["type bytes"]),
        (lambda: CategoricalDistribution([2**70]), ["64 bits"]),
    ],
)
def test_invalid_distribution_is_rejected_with_a_helpful_message(make, fragments):
    with pytest.raises(InvalidDistributionError) as e:
        make()
    # Optuna users catch ValueError; both classes must match.
    assert isinstance(e.value, ValueError)
    assert_message(e, *fragments)
    # A distribution object has no parameter name; the message must not invent an empty one.
    assert "parameter ''" not in str(e.value)


@pytest.mark.parametrize(
    "make, want, fragment",
    [
        (
            lambda: FloatDistribution(0.0, 1.0, step=0.3),
            FloatDistribution(0.0, 0.9, step=0.3),
            "step=0.3 does not divide the range [0.0, 1.0]; high is lowered to 0.9",
        ),
        (
            lambda: IntDistribution(0, 10, step=3),
            IntDistribution(0, 9, step=3),
            "step=3 does not divide the range [0, 10]; high is lowered to 9",
        ),
        (lambda: IntDistribution(0, 2, step=5), IntDistribution(0, 0, step=5), "high is lowered to 0"),
        # every digit of the last grid point is kept, as Optuna's decimal arithmetic keeps it
        (
            lambda: FloatDistribution(0.0, 10.0, step=math.pi),
            FloatDistribution(0.0, 3 * math.pi, step=math.pi),
            "high is lowered to 9.4247779607693",
        ),
        (lambda: FloatDistribution(0.0, 3.45, step=0.1), FloatDistribution(0.0, 3.4, step=0.1), "high is lowered to 3.4,"),
    ],
)
def test_a_step_that_does_not_divide_the_range_lowers_high_with_a_warning_as_in_optuna(make, want, fragment):
    with pytest.warns(UserWarning, match=re.escape(fragment)) as caught:
        d = make()
    assert d == want
    assert caught[0].filename == __file__  # attributed to the line that built it


def test_suggesting_with_a_step_that_does_not_divide_the_range_warns_and_stores_the_lowered_distribution():
    import optuna

    for lib in (ferrotune, optuna):
        lib.logging.set_verbosity(lib.logging.WARNING)
        study = lib.create_study(sampler=lib.samplers.RandomSampler(seed=0))
        for _ in range(20):
            t = study.ask()
            with pytest.warns(UserWarning, match="step"):
                x = t.suggest_float("x", 0.0, 1.0, step=0.3)
            with pytest.warns(UserWarning, match="step"):
                n = t.suggest_int("n", 0, 10, step=3)
            assert x in (0.0, 0.3, 0.6, 0.9) or abs(x - round(x / 0.3) * 0.3) < 1e-9
            assert x <= 0.9 + 1e-12 and n in (0, 3, 6, 9)
            study.tell(t, x + n)
        d = study.trials[0].distributions
        assert (d["x"].high, d["n"].high) == (0.9, 9)


def test_valid_edge_cases_are_accepted():
    FloatDistribution(1.0, 1.0)  # a single point
    FloatDistribution(0.1, 0.3, step=0.1)  # 0.3 - 0.1 is not exactly 2 * 0.1 in binary
    FloatDistribution(-5.0, 5.0, step=2.5)
    IntDistribution(-(2**53), 2**53)
    IntDistribution(3, 3, step=5)
    CategoricalDistribution([None, True, 0, 0.0, "", math.nan])


# -- equality and hashing ---------------------------------------------------------------------------


def test_equal_distributions_compare_and_hash_equal():
    pairs = [
        (FloatDistribution(0, 1), FloatDistribution(0.0, 1.0)),
        (FloatDistribution(0, 1, step=0.5), FloatDistribution(0.0, 1.0, step=0.5)),
        (IntDistribution(1, 9, step=2), IntDistribution(1, 9, step=2)),
        (CategoricalDistribution(["a", "b"]), CategoricalDistribution(("a", "b"))),
        (CategoricalDistribution([math.nan]), CategoricalDistribution([math.nan])),
    ]
    for a, b in pairs:
        assert a == b and hash(a) == hash(b)
        assert len({a, b}) == 1


@pytest.mark.parametrize(
    "a, b",
    [
        (FloatDistribution(0, 1), FloatDistribution(0, 2)),
        (FloatDistribution(1, 2), FloatDistribution(1, 2, log=True)),
        (FloatDistribution(0, 1), FloatDistribution(0, 1, step=0.5)),
        (FloatDistribution(0, 1), IntDistribution(0, 1)),
        (IntDistribution(0, 10), IntDistribution(0, 10, step=2)),
        (CategoricalDistribution(["a", "b"]), CategoricalDistribution(["b", "a"])),
        # bool, int and float compare equal in Python but are different choices
        (CategoricalDistribution([1]), CategoricalDistribution([True])),
        (CategoricalDistribution([1]), CategoricalDistribution([1.0])),
        (CategoricalDistribution([1, True]), CategoricalDistribution([True, 1])),
    ],
)
def test_different_distributions_are_not_equal(a, b):
    assert a != b
    assert len({a, b}) == 2


def test_distribution_is_not_equal_to_other_objects():
    assert FloatDistribution(0, 1) != (0, 1)
    assert CategoricalDistribution([1]) != [1]


# -- encodings ------------------------------------------------------------------------------------


def test_float_encoding_round_trips_and_returns_float():
    d = FloatDistribution(-1.0, 1.0, step=0.25)
    for v in (-1.0, -0.25, 0.0, 0.75, 1.0):
        internal = d.to_internal_repr(v)
        assert internal == v
        ext = d.to_external_repr(internal)
        assert ext == v and type(ext) is float


def test_int_encoding_round_trips_and_returns_int():
    d = IntDistribution(0, 10, step=2)
    for v in (0, 4, 10):
        internal = d.to_internal_repr(v)
        assert isinstance(internal, float)
        ext = d.to_external_repr(internal)
        assert ext == v and type(ext) is int
    assert d.to_internal_repr(np.int64(6)) == 6.0


def test_categorical_encoding_is_the_index_and_keeps_type_and_identity():
    choices = [None, True, 1, 1.5, "a"]
    d = CategoricalDistribution(choices)
    for i, c in enumerate(choices):
        assert d.to_internal_repr(c) == i
        back = d.to_external_repr(float(i))
        assert type(back) is type(c) and back == c
    assert d.to_external_repr(0) is None
    assert d.to_external_repr(1) is True


@pytest.mark.parametrize(
    "dist, value, internal",
    [
        (FloatDistribution(0, 1), 1.5, 1.5),
        (FloatDistribution(0, 1), -0.1, -0.1),
        (FloatDistribution(0, 1, step=0.1), 0.35, 0.35),
        (FloatDistribution(0, 1), "0.5", 0.5),
        (FloatDistribution(1, 2, log=True), np.float32(8.0), 8.0),
        (IntDistribution(0, 10), 3.5, 3.5),
        (IntDistribution(0, 10), 11, 11.0),
        (IntDistribution(0, 10, step=2), 3, 3.0),
        (IntDistribution(0, 10), True, 1.0),
    ],
)
def test_to_internal_repr_converts_any_number_as_optuna_does(dist, value, internal):
    # A sampler reads past values against the current range: a number outside it converts,
    # and _contains tells it apart.
    assert dist.to_internal_repr(value) == internal
    assert type(dist.to_internal_repr(value)) is float
    assert dist._contains(internal) is (value in ("0.5", True))


@pytest.mark.parametrize(
    "dist, value",
    [
        (FloatDistribution(0, 1), "abc"),
        (FloatDistribution(0, 1), float("nan")),
        (FloatDistribution(0, 1), np.ones(2)),
        (FloatDistribution(0, 1), None),
        (FloatDistribution(1, 2, log=True), 0.0),
        (IntDistribution(1, 10, log=True), -1),
        (IntDistribution(0, 10), ()),
        (IntDistribution(0, 10), np.nan),
        (CategoricalDistribution([None, True, 1, 1.5, "a"]), False),
        (CategoricalDistribution([None, True, 1, 1.5, "a"]), 2),
        (CategoricalDistribution([1]), 1.0),
        (CategoricalDistribution([1]), True),
        (CategoricalDistribution(["a"]), "b"),
    ],
)
def test_to_internal_repr_rejects_what_cannot_be_a_value(dist, value):
    with pytest.raises(InvalidDistributionError) as e:
        dist.to_internal_repr(value)
    assert isinstance(e.value, ValueError)
    assert repr(value) in str(e.value)


@pytest.mark.parametrize(
    "dist, single",
    [
        (FloatDistribution(1.0, 1.0), True),
        (FloatDistribution(0.0, 1.0), False),
        (FloatDistribution(0.0, 0.0, step=0.1), True),
        (FloatDistribution(0.0, 0.5, step=0.5), False),
        (IntDistribution(3, 3), True),
        (IntDistribution(0, 1), False),
        (IntDistribution(3, 3, step=5), True),
        (IntDistribution(0, 4, step=4), False),
        (CategoricalDistribution(["only"]), True),
        (CategoricalDistribution([1, 2]), False),
    ],
)
def test_single(dist, single):
    assert dist.single() is single


# -- compatibility -------------------------------------------------------------------------------


def test_check_distribution_compatibility():
    check_distribution_compatibility(FloatDistribution(0, 1), FloatDistribution(0, 5))  # ranges may change
    check_distribution_compatibility(IntDistribution(0, 1), IntDistribution(0, 9, step=3))
    with pytest.raises(InvalidDistributionError):
        check_distribution_compatibility(FloatDistribution(0, 1), IntDistribution(0, 1))
    with pytest.raises(InvalidDistributionError):
        check_distribution_compatibility(CategoricalDistribution(["a"]), CategoricalDistribution(["a", "b"]))
    # nor a log scale and a linear one (Optuna's rule)
    with pytest.raises(InvalidDistributionError):
        check_distribution_compatibility(IntDistribution(1, 9), IntDistribution(1, 9, log=True))
    with pytest.raises(InvalidDistributionError):
        check_distribution_compatibility(FloatDistribution(1, 9, log=True), FloatDistribution(1, 9, step=1.0))


# -- JSON -------------------------------------------------------------------------------------------

ALL_KINDS = [
    FloatDistribution(-3.5, 7.25),
    FloatDistribution(1e-5, 1.0, log=True),
    FloatDistribution(0.0, 1.0, step=0.125),
    IntDistribution(-4, 12),
    IntDistribution(0, 12, step=3),
    IntDistribution(1, 1024, log=True),
    CategoricalDistribution([None, True, False, 0, 2.5, "adam"]),
]


@pytest.mark.parametrize("dist", ALL_KINDS, ids=repr)
def test_json_round_trip(dist):
    text = distribution_to_json(dist)
    obj = json.loads(text)
    assert obj["name"] == type(dist).__name__
    assert set(obj) == {"name", "attributes"}
    back = json_to_distribution(text)
    assert type(back) is type(dist) and back == dist
    if isinstance(dist, CategoricalDistribution):
        # True must not come back as 1, nor 0 as False
        assert [type(c) for c in back.choices] == [type(c) for c in dist.choices]


def test_json_to_distribution_rejects_unknown_names():
    with pytest.raises(InvalidDistributionError) as e:
        json_to_distribution('{"name": "BetaDistribution", "attributes": {}}')
    assert_message(e, "BetaDistribution")


@pytest.mark.parametrize("dist", ALL_KINDS, ids=repr)
def test_json_is_compatible_with_optuna(dist):
    optuna_distributions = pytest.importorskip("optuna.distributions")
    # ferrotune -> Optuna
    od = optuna_distributions.json_to_distribution(distribution_to_json(dist))
    assert type(od).__name__ == type(dist).__name__
    if isinstance(dist, CategoricalDistribution):
        assert tuple(od.choices) == dist.choices
    else:
        assert (od.low, od.high, od.log, od.step) == (dist.low, dist.high, dist.log, dist.step)
    # Optuna -> ferrotune
    assert json_to_distribution(optuna_distributions.distribution_to_json(od)) == dist


def test_stepped_float_distribution_over_a_very_wide_range():
    try:
        d = FloatDistribution(-1e308, 1e308, step=1e307)
    except InvalidDistributionError:
        return  # refusing such a range would be fine too
    assert d.to_internal_repr(1e308) == 1e308
    assert d.to_internal_repr(0.0) == 0.0


def test_error_messages_print_large_floats_compactly():
    with pytest.raises(InvalidDistributionError) as e:
        FloatDistribution(1e300, 1e299)
    assert len(str(e.value)) < 200


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"type": "int", "low": 1, "high": 9}', IntDistribution(1, 9)),
        ('{"type": "int", "low": 2, "high": 12, "log": true, "step": 1}', IntDistribution(2, 12, log=True)),
        ('{"type": "int", "low": 1, "high": 9, "step": 2}', IntDistribution(1, 9, step=2)),
        ('{"type": "float", "low": 1.0, "high": 2.0, "log": false, "step": null}', FloatDistribution(1.0, 2.0)),
        ('{"type": "float", "low": 0.001, "high": 100, "log": true}', FloatDistribution(0.001, 100, log=True)),
        ('{"type": "float", "low": 1.0, "high": 9.0, "step": 2.0}', FloatDistribution(1.0, 9.0, step=2.0)),
        ('{"type": "categorical", "choices": ["a", 1, null]}', CategoricalDistribution(["a", 1, None])),
    ],
)
def test_json_to_distribution_reads_optunas_abbreviated_form(text, expected):
    assert json_to_distribution(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        '{"type": "unknown", "low": 1.0, "high": 2.0}',
        '{"type": "float", "low": 0.0, "high": -100.0}',
        '{"type": "int", "low": 1, "high": 100, "step": 0}',
        '{"type": "categorical", "choices": []}',
    ],
)
def test_a_bad_abbreviated_distribution_is_an_invalid_distribution_error(text):
    with pytest.raises(InvalidDistributionError):
        json_to_distribution(text)


def test_a_float_grid_whose_range_rounds_below_its_step_has_both_points():
    # 0.3 - 0.2 < 0.1 in floating point; Optuna counts two points, and both are suggested
    d = FloatDistribution(0.2, 0.3, step=0.1)
    assert not d.single()
    assert FloatDistribution(2.22, 2.22, step=0.1).single()
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0.2, 0.3, step=0.1), n_trials=40)
    assert {t.params["x"] for t in study.trials} == {0.2, 0.3}
