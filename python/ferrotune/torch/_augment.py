"""Data augmentation for image batches with tunable strength, on whatever device holds them.

Shift, flip and rotation are one affine resampling per batch (``affine_grid`` +
``grid_sample``), so the batch never leaves its device; noise is added after.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ferrotune.exceptions import FerrotuneValueError
from ferrotune.torch._space import tune


def _non_negative(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise FerrotuneValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return float(value)


class Augmentation(nn.Module):
    """Random shift, horizontal flip, rotation and Gaussian noise, drawn per sample.

    - ``shift``: up to this many pixels in each direction (whole pixels);
    - ``flip``: probability of a horizontal flip;
    - ``rotation``: up to this many degrees either way;
    - ``noise``: standard deviation of added Gaussian noise.

    Shift, flip and rotation take ``(N, C, H, W)`` or ``(N, H, W)`` batches, or flat ``(N, D)``
    ones with ``image_shape=(C, H, W)``; noise takes any shape. The output has the input's shape. Pixels moved in from outside the
    image are 0. In ``eval()`` mode, or with every strength 0, it returns its input unchanged.
    ``generator`` (on the batch's device) makes the draws reproducible apart from the global RNG.
    """

    def __init__(
        self,
        shift: float = 0,
        flip: float = 0.0,
        rotation: float = 0.0,
        noise: float = 0.0,
        *,
        image_shape: Sequence[int] | None = None,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__()
        if _non_negative("shift", shift) != int(shift):
            raise FerrotuneValueError(f"shift is a whole number of pixels, got {shift!r}")
        self.shift = int(shift)
        self.flip = _non_negative("flip", flip)
        if self.flip > 1:
            raise FerrotuneValueError(f"flip is a probability in [0, 1], got {flip!r}")
        self.rotation = _non_negative("rotation", rotation)
        self.noise = _non_negative("noise", noise)
        if image_shape is not None and (len(image_shape) != 3 or any(not isinstance(d, int) or d < 1 for d in image_shape)):
            raise FerrotuneValueError(f"image_shape must be (channels, height, width), got {image_shape!r}")
        self.image_shape = tuple(image_shape) if image_shape is not None else None
        self.generator = generator

    @property
    def identity(self) -> bool:
        return self.shift == 0 and self.flip == 0 and self.rotation == 0 and self.noise == 0

    def _rand(self, n: int, device: torch.device) -> torch.Tensor:
        return torch.rand(n, device=device, generator=self.generator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.identity:
            return x
        if self.shift or self.flip or self.rotation:
            x = self._geometric(self._as_images(x)).reshape(x.shape)
        if self.noise:
            # Noise needs no image layout: any batch shape takes it.
            x = x + self.noise * torch.randn(x.shape, device=x.device, dtype=x.dtype, generator=self.generator)
        return x

    def _as_images(self, x: torch.Tensor) -> torch.Tensor:
        if self.image_shape is not None:
            if x.dim() != 2 or x.shape[1] != math.prod(self.image_shape):
                raise FerrotuneValueError(f"flat inputs of shape {tuple(x.shape)} do not hold images of shape {self.image_shape}")
            return x.reshape(x.shape[0], *self.image_shape)
        if x.dim() == 3:
            return x.unsqueeze(1)
        if x.dim() != 4:
            raise FerrotuneValueError(
                f"shift, flip and rotation need (N, C, H, W) or (N, H, W) images, got shape {tuple(x.shape)}; flat inputs need image_shape"
            )
        return x

    def _geometric(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        dev = x.device
        angle = (2 * self._rand(n, dev) - 1) * math.radians(self.rotation)
        sign = torch.where(self._rand(n, dev) < self.flip, -1.0, 1.0)
        # Whole-pixel shifts, each of the 2 * shift + 1 offsets equally likely.
        tx = torch.floor(self._rand(n, dev) * (2 * self.shift + 1)) - self.shift
        ty = torch.floor(self._rand(n, dev) * (2 * self.shift + 1)) - self.shift
        cos, sin = torch.cos(angle), torch.sin(angle)
        theta = torch.zeros(n, 2, 3, device=dev, dtype=torch.float32)
        # Rotation in pixel units (so non-square images are not sheared), then the flip.
        theta[:, 0, 0] = cos * sign
        theta[:, 0, 1] = -sin * h / w
        theta[:, 1, 0] = sin * w / h * sign
        theta[:, 1, 1] = cos
        # Output pixel (i, j) reads input pixel (i - ty, j - tx): the image moves by (tx, ty).
        theta[:, 0, 2] = -2 * tx / w
        theta[:, 1, 2] = -2 * ty / h
        grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    def extra_repr(self) -> str:
        return f"shift={self.shift}, flip={self.flip}, rotation={self.rotation}, noise={self.noise}"


def suggest_augmentation(
    trial: Any,
    *,
    shift: Any = (0, 2),
    flip: Any = 0.0,
    rotation: Any = (0.0, 15.0),
    noise: Any = (0.0, 0.1),
    image_shape: Sequence[int] | None = None,
    prefix: str = "aug_",
) -> Augmentation:
    """An :class:`Augmentation` whose strengths the trial picks: ``shift`` pixels (int),
    ``flip`` probability (fixed at 0 by default: a flipped digit is another digit),
    ``rotation`` degrees and ``noise`` standard deviation. Range arguments follow the helpers'
    convention: ``(low, high)`` is searched, a list is a categorical choice, one value is fixed."""
    return Augmentation(
        shift=tune(trial, f"{prefix}shift", shift, arg="shift", integer=True),
        flip=tune(trial, f"{prefix}flip", flip, arg="flip"),
        rotation=tune(trial, f"{prefix}rotation", rotation, arg="rotation"),
        noise=tune(trial, f"{prefix}noise", noise, arg="noise"),
        image_shape=image_shape,
    )
