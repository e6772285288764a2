"""Where torch work runs: ``--device auto|cpu|cuda`` for training, sampling and benchmarks.

Only the networks move. MCMC (numba) and the analysis stay on the CPU, and every random draw of the
diffusion code is made on its ``torch.Generator``'s device (the CPU for the generators this package
creates), so one seed gives the same noise, hence the same samples up to float round-off, on either device.
"""

from __future__ import annotations

import torch

DEVICES = ("auto", "cpu", "cuda")
# The network's arithmetic: ``auto`` is bfloat16 where the hardware runs it natively, else float32.
PRECISIONS = ("auto", "float32", "bfloat16")


def resolve_device(name: str = "auto") -> torch.device:
    """``auto``: CUDA when torch sees a GPU, else the CPU; ``cuda`` without a GPU is a one-line error."""
    if name not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)}, got {name!r}")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device cuda was asked for, but torch sees no CUDA GPU on this machine (use --device cpu)")
    if name == "cuda":
        # Full fp32 (no TF32 convolutions or matmuls): GPU samples then equal CPU ones up to round-off.
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    return torch.device(name)


def as_device(device: "str | torch.device | None") -> torch.device:
    """A library argument as a device: None is the CPU, a name goes through :func:`resolve_device`."""
    if device is None:
        return torch.device("cpu")
    return resolve_device(device) if isinstance(device, str) else torch.device(device)


def describe(device: torch.device) -> str:
    """A name for reports: ``cpu (2 threads)`` or the GPU's name."""
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return f"cpu ({torch.get_num_threads()} threads)"


def native_bfloat16(device: torch.device) -> bool:
    """Whether ``device`` has bfloat16 arithmetic in hardware: a CUDA GPU that supports it, or a CPU with AVX512-BF16 or AMX.

    CPUs without it convert bfloat16 in software, slower than float32. torch answers the CPU question only
    through private helpers (the ones its own compiler uses), so a torch without them counts as "no".
    """
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    checks = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    return any(check is not None and bool(check()) for check in checks)


def resolve_precision(name: str, device: torch.device) -> torch.dtype:
    """The dtype the network computes in on ``device``: ``auto`` picks bfloat16 where :func:`native_bfloat16`."""
    if name not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {name!r}")
    if name == "auto":
        return torch.bfloat16 if native_bfloat16(device) else torch.float32
    return getattr(torch, name)
