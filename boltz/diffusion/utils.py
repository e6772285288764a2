"""Small tensor helpers shared by the diffusion modules."""

from __future__ import annotations

import torch

__all__ = ["append_dims"]


def append_dims(x: torch.Tensor, target_ndim: int) -> torch.Tensor:
    """Append trailing unit axes so per-sample values broadcast against a batch: ``[B] → [B, 1, …, 1]`` (``target_ndim`` axes).

    The one place where a per-sample quantity (α(t), σ(t), g(t), …) is lifted to the shape of
    ``x`` [B, C, L, L]; a view, never a copy.
    """
    missing = target_ndim - x.ndim
    if missing < 0:
        raise ValueError(f"cannot append dims: x has {x.ndim} axes, more than target_ndim = {target_ndim}")
    return x.reshape(*x.shape, *(1,) * missing)
