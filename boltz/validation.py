"""Input checks shared by the library, the CLI, the jobs and the pages: one table of parameter ranges.

Every check raises ``ValueError`` with a one-line message that names the parameter and says what a
valid value is (``L must be between 2 and 1024, got 1``), so the CLI can print it as is and exit 2;
the pages show the same requirement (``must be between 2 and 256``) beside the field.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import reprlib
from dataclasses import dataclass

import psutil

_shown = reprlib.Repr()
_shown.maxstring = _shown.maxother = _shown.maxlong = 40


def _as_float(value: numbers.Real) -> float:
    try:
        return float(value)
    except OverflowError:  # a Fraction beyond the float range
        return math.inf if value > 0 else -math.inf


@dataclass(frozen=True)
class Parameter:
    """A numeric parameter: its name in messages, whether it is a whole number, and its range.

    The range is [minimum, maximum]; ``above`` excludes the minimum (T > 0). A bound of None is open.
    """

    name: str
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    above: bool = False

    def _number(self, x) -> str:
        return str(int(x)) if self.integer or float(x).is_integer() and abs(x) < 1e15 else f"{x:g}"

    def requirement(self) -> str:
        """What a valid value is: ``must be between 2 and 1024``, ``must be > 0``, ``must be a number``."""
        low = None if self.minimum is None else self._number(self.minimum)
        high = None if self.maximum is None else self._number(self.maximum)
        if low is not None and high is not None:
            return f"must be > {low} and <= {high}" if self.above else f"must be between {low} and {high}"
        if low is not None:
            return f"must be {'>' if self.above else '>='} {low}"
        if high is not None:
            return f"must be <= {high}"
        return "must be a whole number" if self.integer else "must be a number"

    def problem(self, value) -> str | None:
        """Why ``value`` is refused (``must be finite``, ``must be between 2 and 1024``, …), or None when it is valid."""
        try:
            self._parse(value)
        except ValueError as error:
            return str(error)
        return None

    def _parse(self, value) -> int | float:
        """The value as int or float; ``ValueError(problem)`` when it is refused."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError("must be a whole number" if self.integer else "must be a number")
        if isinstance(value, numbers.Integral):
            value = int(value)
        else:
            value = _as_float(value)
            if not math.isfinite(value):
                raise ValueError("must be finite")
            if self.integer:
                if not value.is_integer():
                    raise ValueError("must be a whole number")
                value = int(value)
        low_ok = self.minimum is None or (value > self.minimum if self.above else value >= self.minimum)
        if not low_ok or (self.maximum is not None and value > self.maximum):
            raise ValueError(self.requirement())
        if self.integer:
            return value
        if not math.isfinite(value := _as_float(value)):  # an integer beyond the float range
            raise ValueError("must be finite")
        return value

    def check(self, value, name: str | None = None) -> int | float:
        """``value`` as int (whole-number parameters) or float, else ``ValueError("{name} {problem}, got {value}")``.

        ``name`` overrides the parameter's name in the message (``T_min`` for a temperature).
        """
        try:
            return self._parse(value)
        except ValueError as error:
            if isinstance(value, numbers.Real) and not isinstance(value, bool):
                value = int(value) if isinstance(value, numbers.Integral) else _as_float(value)
            raise ValueError(f"{name or self.name} {error}, got {_shown.repr(value)}") from None

    def within(self, minimum: float | None = None, maximum: float | None = None) -> Parameter:
        """The same parameter on a narrower range (a form that serves less than the library can take)."""
        low = self.minimum if minimum is None else max(minimum, self.minimum)
        high = self.maximum if maximum is None else min(maximum, self.maximum)
        return dataclasses.replace(self, minimum=low, maximum=high, above=self.above and low == self.minimum)


# The table: every parameter a user sets, with the range the library accepts.
LATTICE = Parameter("L", 2, 1024, integer=True)
PARTICLES = Parameter("N", 2, 4096, integer=True)
TEMPERATURE = Parameter("T", 0, 10_000, above=True)
COUPLING = Parameter("J", -1000, 1000)
FIELD = Parameter("h", -1000, 1000)
DENSITY = Parameter("density", 0, 10, above=True)
SAMPLES = Parameter("n", 1, 10_000_000, integer=True)
SEED = Parameter("seed", 0, 2**63 - 1, integer=True)
CHAINS = Parameter("chains", 1, 4096, integer=True)
BURN_IN = Parameter("burn_in", 0, 10_000_000, integer=True)
THIN = Parameter("thin", 1, 1_000_000, integer=True)
REFINE = Parameter("refine", 0, 100_000, integer=True)
STEPS = Parameter("steps", 1, 100_000, integer=True)
CORRECTOR_STEPS = Parameter("corrector_steps", 0, 1000, integer=True)
BATCH_SIZE = Parameter("batch_size", 1, 100_000, integer=True)
TRAINING_STEPS = Parameter("steps", 1, 10_000_000, integer=True)
TEMPERATURES = Parameter("n_temperatures", 1, 1000, integer=True)
SAMPLES_PER_TEMPERATURE = Parameter("samples_per_temperature", 1, 10_000_000, integer=True)
THREADS = Parameter("threads", 1, 1024, integer=True)


def check_int(name: str, value, *, minimum: int, maximum: int | None = None) -> int:
    """An integer in [minimum, maximum] (a parameter of one module only; shared ones are in the table above)."""
    return Parameter(name, minimum, maximum, integer=True).check(value)


def check_real(name: str, value, *, positive: bool = False) -> float:
    """A finite real number (strictly positive when asked)."""
    return Parameter(name, 0 if positive else None, above=positive).check(value)


def available_memory() -> int:
    """Bytes the operating system can hand out now without swapping."""
    return psutil.virtual_memory().available


def _size(nbytes: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes / 1e3:.3g} kB"


def check_memory(what: str, nbytes: float, advice: str) -> None:
    """Refuse, before anything is allocated, a request whose estimated ``nbytes`` exceed the memory available now."""
    available = available_memory()
    if nbytes > available:
        raise ValueError(f"{what} would need about {_size(nbytes)} of memory, more than the {_size(available)} "
                         f"available; {advice}")
