"""The sample CSV contracts shared by every sampler (MCMC and diffusion alike).

Ising: header ``energy,magnetization,s_0,…,s_{N−1}``; one row per sample with the
total energy E, the magnetization per spin m, then the N = L² spins (±1, row-major).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import warnings
import zipfile
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import torch

ISING_PREFIX = ("energy", "magnetization")


def ising_header(n_sites: int) -> list[str]:
    return [*ISING_PREFIX, *(f"s_{i}" for i in range(n_sites))]


def check_writable(path: str | os.PathLike) -> Path:
    """Fail early, before any sampling, if ``path`` cannot be written."""
    path = Path(path)
    if path.is_dir():
        raise ValueError(f"output path {path} is a directory")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise ValueError(f"output folder {parent} does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ValueError(f"output path {path} is not writable")
    return path


def cache_dir(kind: str) -> Path:
    """Where computed-once results of one ``kind`` live: $XDG_CACHE_HOME/boltz/<kind>, else ~/.cache/boltz/<kind>."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "boltz" / kind


def atomic_write(path: str | os.PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(partial)`` on a sibling path, then rename it over ``path``: readers never see half a file."""
    return atomic_write_all({path: write})[0]


def atomic_write_all(writes: Mapping[str | os.PathLike, Callable[[Path], None]]) -> list[Path]:
    """Write every file to a sibling ``.partial`` path, and only once all are written rename them into place, in order.

    A failure while writing (a full disk, ENOSPC) leaves every previous file as it was and no partial file behind.
    """
    paths = [Path(path) for path in writes]
    partials = [path.with_name(path.name + ".partial") for path in paths]
    try:
        for partial, write in zip(partials, writes.values()):
            write(partial)
        for partial, path in zip(partials, paths):
            os.replace(partial, path)
    finally:
        for partial in partials:
            partial.unlink(missing_ok=True)
    return paths


def cache_key(config) -> str:
    """A short hash of a config dataclass's fields: the name of its cache entry (any change of a field, a new entry)."""
    return hashlib.sha256(json.dumps(dataclasses.asdict(config), sort_keys=True).encode()).hexdigest()[:16]


def read_npz_cache(path: str | os.PathLike, names: tuple[str, ...], valid: Callable[[dict], bool]) -> dict | None:
    """The arrays ``names`` of a cache entry (no pickle), or None when it is missing, unreadable (truncated, garbage)
    or not ``valid``: a damaged entry is removed, so it is computed again, never trusted."""
    path = Path(path)
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in names}
        if valid(arrays):
            return arrays
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        pass
    path.unlink(missing_ok=True)
    return None


def write_npz_cache(path: str | os.PathLike, arrays: dict[str, np.ndarray]) -> None:
    """Cache ``arrays`` atomically; a cache that cannot be written (read-only, full disk) is not an error."""
    path = Path(path)

    def write(partial: Path) -> None:
        with open(partial, "wb") as handle:  # a handle: np.savez would append ".npz" to the partial's name
            np.savez(handle, **arrays)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, write)
    except OSError:
        pass


def write_ising_csv(path, spins: torch.Tensor, energies: torch.Tensor, magnetizations: torch.Tensor) -> Path:
    """Write ``spins`` [S, L, L], ``energies`` [S] and ``magnetizations`` [S] as the Ising CSV, atomically."""
    path = check_writable(path)
    flat = spins.reshape(spins.shape[0], -1).to(torch.int8).numpy()
    buffer = io.StringIO()
    buffer.write(",".join(ising_header(flat.shape[1])) + "\n")
    for e, m, row in zip(energies.tolist(), magnetizations.tolist(), flat):
        buffer.write(f"{e:.12g},{m:.12g}," + ",".join(map(str, row.tolist())) + "\n")
    try:
        return atomic_write(path, lambda partial: partial.write_text(buffer.getvalue()))
    except OSError as error:
        raise ValueError(f"cannot write {path}: {error.strerror}") from None


def read_samples_table(path, check_header: Callable[[list[str]], None]) -> np.ndarray:
    """The rows of a samples CSV as float64 ``[S, columns]``, after ``check_header`` accepts its header.

    Every contract shares these errors: a missing file, a header without rows, a malformed row, a
    row whose width differs from the header's.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"samples file {path} does not exist")
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline().strip().split(",")
        check_header(header)
        # Parsed from the open file, which loadtxt reads in chunks: the text itself never sits in memory
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="loadtxt: input contained no data")
            try:
                data = np.loadtxt(handle, delimiter=",", dtype=np.float64, ndmin=2)
            except ValueError as error:
                raise ValueError(f"{path}: malformed row ({error})") from None
    if data.size == 0:
        raise ValueError(f"{path} has a header but no samples")
    if data.shape[1] != len(header):
        raise ValueError(f"{path}: rows have {data.shape[1]} columns, header has {len(header)}")
    return data


def read_ising_csv(path) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Read an Ising CSV: ``(spins [S, L, L] int8, energies [S] float64, magnetizations [S] float64)``."""

    def check_header(header: list[str]) -> None:
        n_sites = len(header) - len(ISING_PREFIX)
        L = int(round(n_sites**0.5)) if n_sites > 0 else 0
        if L < 2 or L * L != n_sites or header != ising_header(n_sites):
            raise ValueError(f"{path} is not an Ising samples CSV (expected header energy,magnetization,s_0,…,s_{{L²−1}})")

    data = read_samples_table(path, check_header)
    L = int(round((data.shape[1] - len(ISING_PREFIX)) ** 0.5))
    spins = data[:, len(ISING_PREFIX):]
    if not np.all(np.abs(spins) == 1):
        raise ValueError(f"{path}: spins must be -1 or +1")
    if not np.all(np.isfinite(data[:, :2])):
        raise ValueError(f"{path}: energy and magnetization must be finite numbers")
    return (
        torch.from_numpy(spins.astype(np.int8).reshape(-1, L, L)),
        torch.from_numpy(data[:, 0].copy()),
        torch.from_numpy(data[:, 1].copy()),
    )
