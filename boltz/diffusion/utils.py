"""Small tensor helpers shared by the diffusion modules."""

from __future__ import annotations

import torch

__all__ = ["append_dims", "in_chunks", "random_normal", "random_uniform"]


def append_dims(x: torch.Tensor, target_ndim: int) -> torch.Tensor:
    """Append trailing unit axes so per-sample values broadcast against a batch: ``[B] → [B, 1, …, 1]`` (``target_ndim`` axes).

    The one place where a per-sample quantity (α(t), σ(t), g(t), …) is lifted to the shape of
    ``x`` [B, C, L, L]; a view, never a copy.
    """
    missing = target_ndim - x.ndim
    if missing < 0:
        raise ValueError(f"cannot append dims: x has {x.ndim} axes, more than target_ndim = {target_ndim}")
    return x.reshape(*x.shape, *(1,) * missing)


def in_chunks(function, size: int, *batch: torch.Tensor) -> torch.Tensor:
    """``function(*batch)`` for tensors sharing a leading batch axis, evaluated ``size`` items at a time and concatenated.

    A network's large batches run this way so each layer's activations stay in cache; one chunk is one call.
    """
    total = batch[0].shape[0]
    if total <= size:
        return function(*batch)
    return torch.cat([function(*(tensor[start : start + size] for tensor in batch)) for start in range(0, total, size)])


def _source_device(generator: torch.Generator | None, device) -> torch.device | None:
    return generator.device if generator is not None else device


def random_normal(shape, *, generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                  device=None) -> torch.Tensor:
    """N(0, I) of ``shape`` on ``device``, drawn on ``generator``'s device so a seed means the same noise on CPU and GPU."""
    return torch.randn(shape, generator=generator, dtype=dtype, device=_source_device(generator, device)).to(device)


def random_uniform(shape, *, generator: torch.Generator | None = None, dtype: torch.dtype = torch.float32,
                   device=None) -> torch.Tensor:
    """U[0, 1) of ``shape`` on ``device``, drawn on ``generator``'s device (see :func:`random_normal`)."""
    return torch.rand(shape, generator=generator, dtype=dtype, device=_source_device(generator, device)).to(device)
