"""Search-space helpers of ferrotune.torch: schedules, optimizers, architectures, augmentation."""

from __future__ import annotations

import math

import pytest
import torch
from _util import assert_message
from hypothesis import given, settings
from hypothesis import strategies as st

import ferrotune
import ferrotune.torch as ft
from ferrotune import FixedTrial
from ferrotune.exceptions import FerrotuneValueError
from ferrotune.torch._space import tune

torch.set_num_threads(1)
LR = 0.1


def _lrs(params: dict, epochs: int, steps_per_epoch: int = 1, **kwargs) -> list[float]:
    """The learning rate of each step, stepping as fit does (per batch or per epoch)."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    sched = ft.suggest_lr_scheduler(FixedTrial(params), opt, epochs, steps_per_epoch=steps_per_epoch, **kwargs)
    out = []
    per_batch = sched is not None and ft.scheduler_interval(sched) == "batch"
    for _ in range(epochs * (steps_per_epoch if per_batch else 1)):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        if sched is not None:
            sched.step()
    return out


def test_step_decay_halves_every_step_size_epochs() -> None:
    assert _lrs({"scheduler": "step", "step_size": 2, "step_gamma": 0.5}, 6) == pytest.approx([0.1, 0.1, 0.05, 0.05, 0.025, 0.025])


def test_cosine_annealing_follows_the_cosine() -> None:
    want = [LR * (1 + math.cos(math.pi * t / 8)) / 2 for t in range(8)]
    assert _lrs({"scheduler": "cosine"}, 8) == pytest.approx(want)


def test_warm_restarts_restart_every_T_0_epochs() -> None:
    got = _lrs({"scheduler": "cosine_warm_restarts", "T_0": 3, "T_mult": 1}, 9)
    cycle = [LR * (1 + math.cos(math.pi * t / 3)) / 2 for t in range(3)]
    assert got == pytest.approx(cycle * 3)


def test_one_cycle_rises_to_max_lr_and_anneals_per_batch() -> None:
    got = _lrs({"scheduler": "one_cycle", "max_lr_factor": 4.0}, 5, steps_per_epoch=10)
    assert len(got) == 50
    peak = got.index(max(got))
    assert max(got) == pytest.approx(0.4) and 13 <= peak <= 15  # 30 % of the 50 steps
    assert got[0] == pytest.approx(0.4 / 25) and got[-1] < got[0]


def test_linear_warmup_rises_then_stays() -> None:
    got = _lrs({"scheduler": "linear_warmup", "warmup_epochs": 4, "warmup_start_factor": 0.2}, 16)
    assert got == pytest.approx([0.02, 0.04, 0.06, 0.08] + [0.1] * 12)
    # A fixed warm-up length is not suggested.
    fixed = _lrs({"scheduler": "linear_warmup", "warmup_start_factor": 0.5}, 4, warmup_epochs=2)
    assert fixed == pytest.approx([0.05, 0.075, 0.1, 0.1])


def test_no_schedule_and_one_fixed_choice_suggest_nothing() -> None:
    study = ferrotune.create_study()
    trial = study.ask()
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    assert ft.suggest_lr_scheduler(trial, opt, 10, schedulers="none") is None
    assert isinstance(ft.suggest_lr_scheduler(trial, opt, 10, schedulers=["cosine"]), torch.optim.lr_scheduler.CosineAnnealingLR)
    assert trial.params == {}


def test_the_trial_chooses_among_the_schedules() -> None:
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    kinds = set()
    for _ in range(40):
        trial = study.ask()
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
        sched = ft.suggest_lr_scheduler(trial, opt, 10, steps_per_epoch=5)
        kinds.add(trial.params["scheduler"])
        assert (sched is None) == (trial.params["scheduler"] == "none")
        study.tell(trial, 0.0)
    assert kinds == {"none", "step", "cosine", "cosine_warm_restarts", "one_cycle", "linear_warmup"}


def test_schedule_arguments_are_checked() -> None:
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    for kwargs, fragment in [
        ({"schedulers": ["cosine", "exp"]}, "unknown names ['exp']"),
        ({"schedulers": "one_cycle"}, "needs steps_per_epoch"),
        ({"schedulers": []}, "schedulers is empty"),
    ]:
        with pytest.raises(FerrotuneValueError) as e:
            ft.suggest_lr_scheduler(FixedTrial({}), opt, 10, **kwargs)
        assert_message(e, fragment)
    with pytest.raises(FerrotuneValueError):
        ft.suggest_lr_scheduler(FixedTrial({}), opt, 0)


@pytest.mark.parametrize(
    "name, cls, momentum",
    [
        ("sgd", torch.optim.SGD, 0.9),
        ("adam", torch.optim.Adam, None),
        ("adamw", torch.optim.AdamW, None),
        ("rmsprop", torch.optim.RMSprop, 0.5),
    ],
)
def test_suggest_optimizer_builds_the_chosen_optimizer(name: str, cls: type, momentum: float | None) -> None:
    params = {"optimizer": name, "lr": 0.003, "weight_decay": 1e-4}
    if momentum is not None:
        params["momentum"] = momentum
    opt = ft.suggest_optimizer(FixedTrial(params), torch.nn.Linear(2, 2).parameters())
    assert type(opt) is cls
    group = opt.param_groups[0]
    assert (group["lr"], group["weight_decay"]) == (0.003, 1e-4)
    if momentum is not None:
        assert group["momentum"] == momentum


def test_momentum_is_only_suggested_for_optimizers_that_use_it() -> None:
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=1))
    seen = {}
    for _ in range(40):
        trial = study.ask()
        ft.suggest_optimizer(trial, torch.nn.Linear(2, 2).parameters())
        seen[trial.params["optimizer"]] = set(trial.params)
        assert 1e-5 <= trial.params["lr"] <= 1e-1
        study.tell(trial, 0.0)
    assert seen["sgd"] == seen["rmsprop"] == {"optimizer", "lr", "weight_decay", "momentum"}
    assert seen["adam"] == seen["adamw"] == {"optimizer", "lr", "weight_decay"}


def test_suggest_optimizer_checks_its_arguments() -> None:
    for kwargs, fragment in [
        ({"optimizers": "lbfgs"}, "unknown names ['lbfgs']"),
        ({"lr": (0.0, 1.0)}, "needs low > 0"),
        ({"lr": (1.0, 0.1)}, "low > high"),
    ]:
        with pytest.raises(FerrotuneValueError) as e:
            ft.suggest_optimizer(
                FixedTrial({"optimizer": "adam", "lr": 0.1, "weight_decay": 0.1}), torch.nn.Linear(2, 2).parameters(), **kwargs
            )
        assert_message(e, fragment)
    with pytest.raises(FerrotuneValueError) as e:
        ft.suggest_optimizer(FixedTrial({}), [])
    assert_message(e, "params is empty")


@settings(max_examples=40, deadline=None)
@given(
    depth=st.integers(1, 4),
    widths=st.lists(st.integers(16, 256), min_size=4, max_size=4),
    activation=st.sampled_from(["relu", "gelu", "tanh"]),
    dropout=st.floats(0.0, 0.5),
)
def test_suggest_mlp_builds_what_the_parameters_say(depth: int, widths: list[int], activation: str, dropout: float) -> None:
    params = {
        "mlp_n_layers": depth,
        "mlp_activation": activation,
        "mlp_dropout": dropout,
        **{f"mlp_width_{i}": w for i, w in enumerate(widths)},
    }
    model = ft.suggest_mlp(FixedTrial(params), 64, 10, n_layers=(1, 4))
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == widths[:depth] + [10] and linears[0].in_features == 64
    assert sum(isinstance(m, torch.nn.Dropout) for m in model) == (depth if dropout > 0 else 0)
    assert sum(type(m).__name__.lower() == activation for m in model) == depth
    assert model(torch.randn(5, 64)).shape == (5, 10)


def test_suggest_mlp_records_its_parameters_in_a_study() -> None:
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    trial = study.ask()
    model = ft.suggest_mlp(trial, 4, 2, n_layers=2, width=[8, 16], activations="relu", dropout=0.0)
    assert set(trial.params) == {"mlp_width_0", "mlp_width_1"}
    assert model(torch.randn(3, 4)).shape == (3, 2)


@settings(max_examples=40, deadline=None)
@given(
    n_conv=st.integers(1, 3),
    filters=st.lists(st.integers(8, 64), min_size=3, max_size=3),
    kernels=st.lists(st.sampled_from([3, 5]), min_size=3, max_size=3),
    pooling=st.sampled_from(["max", "avg"]),
    size=st.integers(3, 12),
    hidden=st.sampled_from([None, 32]),
)
def test_suggest_cnn_fits_any_input_size(
    n_conv: int, filters: list[int], kernels: list[int], pooling: str, size: int, hidden: int | None
) -> None:
    params = {"cnn_n_conv": n_conv, "cnn_pooling": pooling, "cnn_dropout": 0.2, "cnn_hidden": hidden}
    params.update({f"cnn_filters_{i}": f for i, f in enumerate(filters)} | {f"cnn_kernel_size_{i}": k for i, k in enumerate(kernels)})
    model = ft.suggest_cnn(FixedTrial(params), 1, 10, size, hidden=[None, 32] if hidden is None else hidden)
    convs = [m for m in model if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == filters[:n_conv] and [c.kernel_size[0] for c in convs] == kernels[:n_conv]
    pools = [m for m in model if isinstance(m, (torch.nn.MaxPool2d, torch.nn.AvgPool2d))]
    # Pooling halves the image while it is at least 2 pixels wide.
    expected, s = 0, size
    for _ in range(n_conv):
        if s >= 2:
            expected, s = expected + 1, s // 2
    assert len(pools) == expected and all(type(p).__name__.startswith(pooling.capitalize()) for p in pools)
    assert model(torch.randn(2, 1, size, size)).shape == (2, 10)


def test_suggest_cnn_checks_its_arguments() -> None:
    for kwargs, fragment in [
        ({"kernel_size": 4}, "kernel_size must be odd"),
        ({"pooling": "min"}, "unknown names ['min']"),
        ({"n_conv": (0, 2)}, None),
    ]:
        params = {
            "cnn_n_conv": 0 if "n_conv" in kwargs else 1,
            "cnn_filters_0": 8,
            "cnn_dropout": 0.0,
            "cnn_hidden": 16,
            "cnn_pooling": "max",
        }
        with pytest.raises(FerrotuneValueError) as e:
            ft.suggest_cnn(FixedTrial(params), 1, 10, 8, **kwargs)
        if fragment:
            assert_message(e, fragment)
        else:
            assert_message(e, "n_conv must be an int >= 1")


def test_tune_reads_tuples_lists_and_fixed_values() -> None:
    study = ferrotune.create_study(sampler=ferrotune.samplers.RandomSampler(seed=0))
    trial = study.ask()
    assert 1 <= tune(trial, "a", (1, 5), arg="a", integer=True) <= 5
    assert 0.1 <= tune(trial, "b", (0.1, 1.0), arg="b", log=True) <= 1.0
    assert tune(trial, "c", ["x", "y"], arg="c") in ("x", "y")
    assert tune(trial, "d", 3, arg="d") == 3 and tune(trial, "e", ["only"], arg="e") == "only" and tune(trial, "f", (2, 2), arg="f") == 2
    assert set(trial.params) == {"a", "b", "c"}
    assert isinstance(trial.distributions["b"], ferrotune.distributions.FloatDistribution) and trial.distributions["b"].log
    for spec, fragment in [
        ((1, 2, 3), "(low, high) tuple"),
        ((1.5, 2), "must hold ints"),
        ([], "empty list"),
        (("a", "b"), "must hold numbers"),
    ]:
        with pytest.raises(FerrotuneValueError) as e:
            tune(trial, "g", spec, arg="g", integer=spec == (1.5, 2))
        assert_message(e, fragment)


# -- augmentation ---------------------------------------------------------------------------------


def _images(n: int = 16, size: int = 8) -> torch.Tensor:
    return torch.rand(n, 1, size, size, generator=torch.Generator().manual_seed(0))


def test_zero_strength_or_eval_mode_returns_the_input() -> None:
    x = _images()
    assert ft.Augmentation()(x) is x
    aug = ft.Augmentation(shift=2, rotation=10, noise=0.1).eval()
    assert aug(x) is x


def test_flip_mirrors_every_image() -> None:
    x = _images()
    assert torch.allclose(ft.Augmentation(flip=1.0)(x), torch.flip(x, dims=[-1]), atol=1e-6)


def test_shift_moves_each_image_by_whole_pixels_with_zero_fill() -> None:
    x = _images(64)
    out = ft.Augmentation(shift=2, generator=torch.Generator().manual_seed(1))(x)
    shifts = set()
    for i in range(len(x)):
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                moved = torch.zeros_like(x[i])
                src = x[i][:, max(0, -dy) : 8 - max(0, dy), max(0, -dx) : 8 - max(0, dx)]
                moved[:, max(0, dy) : 8 - max(0, -dy), max(0, dx) : 8 - max(0, -dx)] = src
                if torch.allclose(out[i], moved, atol=1e-5):
                    shifts.add((dy, dx))
                    break
            else:
                continue
            break
        else:
            pytest.fail(f"image {i} is not a whole-pixel shift of its input")
    assert len(shifts) > 10  # the shifts vary from image to image


def test_rotation_keeps_the_centre_and_moves_the_rest() -> None:
    x = torch.zeros(8, 1, 9, 9)
    x[:, :, 4, 4] = 1.0  # centre pixel: unchanged by any rotation about the centre
    x[:, :, 4, 8] = 1.0  # right edge: moves
    out = ft.Augmentation(rotation=30, generator=torch.Generator().manual_seed(0))(x)
    assert torch.allclose(out[:, 0, 4, 4], torch.ones(8), atol=1e-5)
    assert (out[:, 0, 4, 8] < 0.99).all()


def test_noise_has_the_asked_standard_deviation() -> None:
    out = ft.Augmentation(noise=0.3, generator=torch.Generator().manual_seed(0))(torch.zeros(4000, 10))
    assert abs(out.mean().item()) < 0.01 and out.std().item() == pytest.approx(0.3, rel=0.03)


@settings(max_examples=30, deadline=None)
@given(shift=st.integers(0, 3), flip=st.floats(0, 1), rotation=st.floats(0, 45), noise=st.floats(0, 1), flat=st.booleans())
def test_augmentation_keeps_shape_and_stays_finite(shift: int, flip: float, rotation: float, noise: float, flat: bool) -> None:
    x = torch.rand(6, 64) if flat else torch.rand(6, 1, 8, 8)
    aug = ft.Augmentation(shift, flip, rotation, noise, image_shape=(1, 8, 8) if flat else None)
    out = aug(x)
    assert out.shape == x.shape and torch.isfinite(out).all()


def test_suggest_augmentation_and_bad_arguments() -> None:
    aug = ft.suggest_augmentation(FixedTrial({"aug_shift": 1, "aug_rotation": 5.0, "aug_noise": 0.05}), image_shape=(1, 8, 8))
    assert (aug.shift, aug.flip, aug.rotation, aug.noise, aug.image_shape) == (1, 0.0, 5.0, 0.05, (1, 8, 8))
    for kwargs, fragment in [
        ({"flip": 2.0}, "flip is a probability"),
        ({"noise": -1.0}, "noise must be"),
        ({"image_shape": (8, 8)}, "image_shape must be"),
        ({"shift": 1.5}, "whole number of pixels"),
    ]:
        with pytest.raises(FerrotuneValueError) as e:
            ft.Augmentation(**kwargs)
        assert_message(e, fragment)
    with pytest.raises(FerrotuneValueError) as e:
        ft.Augmentation(shift=1)(torch.rand(4, 64))
    assert_message(e, "flat inputs need image_shape")
