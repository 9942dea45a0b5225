"""``suggest_mlp`` and ``suggest_cnn``: architectures whose shape the trial chooses."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from torch import nn

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.torch._space import choices, tune

ACTIVATIONS = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "silu": nn.SiLU, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU}
POOLING = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise FerrotuneValueError(f"{name} must be an int >= 1, got {value!r}")
    return value


def _activation(trial: Any, prefix: str, spec: str | Sequence[str]) -> type[nn.Module]:
    names = choices(spec, ACTIVATIONS, arg="activations")
    return ACTIVATIONS[tune(trial, f"{prefix}activation", names if len(names) > 1 else names[0], arg="activations")]


def _dropout(trial: Any, name: str, spec: Any) -> float:
    p = tune(trial, name, spec, arg="dropout")
    p = 0.0 if p is None else p
    if not isinstance(p, (int, float)) or isinstance(p, bool) or not 0.0 <= p < 1.0:
        raise FerrotuneValueError(f"dropout must be in [0, 1), got {p!r}")
    return float(p)


def suggest_mlp(
    trial: Any,
    in_features: int,
    out_features: int,
    *,
    n_layers: Any = (1, 3),
    width: Any = (16, 256),
    activations: str | Sequence[str] = ("relu", "gelu", "tanh"),
    dropout: Any = (0.0, 0.5),
    prefix: str = "mlp_",
) -> nn.Sequential:
    """A multilayer perceptron ``in_features -> ... -> out_features`` (logits, no final activation).

    The trial picks ``n_layers`` hidden layers, each with its own ``width_<i>`` (log scale),
    one ``activation`` and one ``dropout`` rate after each hidden layer. Range arguments follow
    the helpers' convention: ``(low, high)`` is searched, a list is a categorical choice, one
    value is fixed. Parameter names start with ``prefix``.
    """
    _positive("in_features", in_features)
    _positive("out_features", out_features)
    depth = _positive("n_layers", tune(trial, f"{prefix}n_layers", n_layers, arg="n_layers", integer=True))
    act = _activation(trial, prefix, activations)
    p = _dropout(trial, f"{prefix}dropout", dropout)
    layers: list[nn.Module] = []
    size = in_features
    for i in range(depth):
        w = _positive("width", tune(trial, f"{prefix}width_{i}", width, arg="width", integer=True, log=True))
        layers += [nn.Linear(size, w), act()]
        if p > 0:
            layers.append(nn.Dropout(p))
        size = w
    layers.append(nn.Linear(size, out_features))
    return nn.Sequential(*layers)


def suggest_cnn(
    trial: Any,
    in_channels: int,
    num_classes: int,
    input_size: int | tuple[int, int],
    *,
    n_conv: Any = (1, 3),
    filters: Any = (8, 64),
    kernel_size: Any = [3, 5],  # noqa: B006 -- a list means categorical choices here; never mutated
    pooling: str | Sequence[str] = ("max", "avg"),
    pool_size: Any = 2,
    activations: str | Sequence[str] = "relu",
    dropout: Any = (0.0, 0.5),
    hidden: Any = (32, 256),
    prefix: str = "cnn_",
) -> nn.Sequential:
    """A convolutional classifier for ``(N, in_channels, H, W)`` images (logits out).

    The trial picks ``n_conv`` convolution blocks, each with ``filters_<i>`` channels (log
    scale) and a ``kernel_size_<i>`` ("same" padding), an activation, and a pooling layer of
    type ``pooling`` and size ``pool_size`` while the image is at least that large; then
    dropout, a hidden linear layer of ``hidden`` units (``hidden=None``: none) and the output
    layer. Range arguments follow the helpers' convention (tuple searched, list categorical,
    value fixed); parameter names start with ``prefix``.
    """
    _positive("in_channels", in_channels)
    _positive("num_classes", num_classes)
    h, w = (input_size, input_size) if isinstance(input_size, int) else tuple(input_size)
    _positive("input_size", h)
    _positive("input_size", w)
    depth = _positive("n_conv", tune(trial, f"{prefix}n_conv", n_conv, arg="n_conv", integer=True))
    act = _activation(trial, prefix, activations)
    pools = choices(pooling, POOLING, arg="pooling")
    pool = POOLING[tune(trial, f"{prefix}pooling", pools if len(pools) > 1 else pools[0], arg="pooling")]
    psize = _positive("pool_size", tune(trial, f"{prefix}pool_size", pool_size, arg="pool_size", integer=True))
    layers: list[nn.Module] = []
    channels = in_channels
    for i in range(depth):
        out = _positive("filters", tune(trial, f"{prefix}filters_{i}", filters, arg="filters", integer=True, log=True))
        k = _positive("kernel_size", tune(trial, f"{prefix}kernel_size_{i}", kernel_size, arg="kernel_size", integer=True))
        if k % 2 == 0:
            raise FerrotuneValueError(f"kernel_size must be odd (for 'same' padding), got {k}")
        layers += [nn.Conv2d(channels, out, k, padding=k // 2), act()]
        if h >= psize and w >= psize and psize > 1:
            layers.append(pool(psize))
            h, w = h // psize, w // psize
        channels = out
    layers.append(nn.Flatten())
    p = _dropout(trial, f"{prefix}dropout", dropout)
    if p > 0:
        layers.append(nn.Dropout(p))
    size = channels * h * w
    units = tune(trial, f"{prefix}hidden", hidden, arg="hidden", integer=True, log=True)
    if units:
        layers += [nn.Linear(size, _positive("hidden", units)), act()]
        size = units
    layers.append(nn.Linear(size, num_classes))
    return nn.Sequential(*layers)
