"""The Lennard-Jones sample CSV contract shared by every sampler (MCMC and diffusion alike).

Header ``energy,x_0,y_0,…,x_{N−1},y_{N−1}``; one row per sample with the total potential
energy U, then the N particle positions in box coordinates [0, box). The file does not
record the box or the potential: the reader is told N and ρ (the box is √(N/ρ)) and which
potential (truncated-and-shifted unless said otherwise), and the report checks that the
energy column agrees with the positions under them.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

from boltz.io import atomic_write, check_writable, read_samples_table

__all__ = ["lj_header", "read_lj_csv", "write_gr_csv", "write_lj_csv"]


def _write_text(path: Path, text: str) -> Path:
    """Write atomically, so a failed run never leaves a half-written file under the final name."""
    try:
        return atomic_write(path, lambda partial: partial.write_text(text))
    except OSError as error:
        raise ValueError(f"cannot write {path}: {error.strerror}") from None


def lj_header(N: int) -> list[str]:
    return ["energy", *(f"{axis}_{i}" for i in range(N) for axis in "xy")]


def write_lj_csv(path, positions: torch.Tensor, energies: torch.Tensor) -> Path:
    """Write ``positions`` [S, N, 2] (in [0, box)) and ``energies`` [S] as the LJ CSV, atomically."""
    path = check_writable(path)
    flat = positions.reshape(positions.shape[0], -1).to(torch.float64).numpy()
    buffer = io.StringIO()
    buffer.write(",".join(lj_header(positions.shape[1])) + "\n")
    np.savetxt(buffer, np.column_stack([energies.to(torch.float64).numpy(), flat]), fmt="%.12g", delimiter=",")
    return _write_text(path, buffer.getvalue())


def read_lj_csv(path) -> tuple[torch.Tensor, torch.Tensor]:
    """Read an LJ CSV: ``(positions [S, N, 2] float64, energies [S] float64)``."""
    def check_header(header: list[str]) -> None:
        n_coordinates = len(header) - 1
        N = n_coordinates // 2
        if N < 2 or n_coordinates % 2 or header != lj_header(N):
            raise ValueError(f"{path} is not a Lennard-Jones samples CSV (expected header energy,x_0,y_0,…,x_{{N−1}},y_{{N−1}})")

    data = read_samples_table(path, check_header)
    N = (data.shape[1] - 1) // 2
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{path}: energies and positions must be finite numbers")
    return torch.from_numpy(data[:, 1:].reshape(-1, N, 2).copy()), torch.from_numpy(data[:, 0].copy())


def write_gr_csv(path, r: np.ndarray, g: np.ndarray, error: np.ndarray) -> Path:
    """Write g(r) as CSV with header ``r,g,error`` (shell centres, g, its error bar), atomically."""
    path = check_writable(path)
    buffer = io.StringIO()
    buffer.write("r,g,error\n")
    np.savetxt(buffer, np.column_stack([r, g, error]), fmt="%.10g", delimiter=",")
    return _write_text(path, buffer.getvalue())
