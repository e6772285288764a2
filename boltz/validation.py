"""Input checks shared by the library, the CLI and (later) the pages.

Every check raises ``ValueError`` with a one-line message that names the parameter,
so the CLI can print it as is and exit 2.
"""

from __future__ import annotations

import math
import numbers

MAX_LATTICE = 1024
MAX_SAMPLES = 10_000_000


def check_int(name: str, value, *, minimum: int, maximum: int | None = None) -> int:
    """An integer in [minimum, maximum]; bools and non-integral floats are refused."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, float) and math.isfinite(value) and value.is_integer():
            value = int(value)
        else:
            raise ValueError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def check_real(name: str, value, *, positive: bool = False) -> float:
    """A finite real number (strictly positive when asked)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be > 0, got {value}")
    return value


def check_lattice(L) -> int:
    """Lattice side L with 2 ≤ L ≤ MAX_LATTICE."""
    return check_int("L", L, minimum=2, maximum=MAX_LATTICE)


def check_temperature(T) -> float:
    """Temperature T > 0, finite."""
    return check_real("T", T, positive=True)
