"""Numbers the pages show: an estimate is printed to the precision its error bar supports."""

import math

import pytest

from pages.components import format_estimate


@pytest.mark.parametrize("value, error, shown", [
    (-1.66953, 0.01612, "-1.670 ± 0.016"),     # the value keeps the error's last digit, rounded
    (0.43296, 0.1612, "0.43 ± 0.16"),
    (0.288143, 0.08312, "0.288 ± 0.083"),
    (-1.43329, 0.0016, "-1.4333 ± 0.0016"),
    (5.7939, 1.4, "5.8 ± 1.4"),
    (518840.13, 170000.0, "520000 ± 170000"),   # above 10 the error is rounded to two digits in place
    (-0.00004, 0.0012, "0.0000 ± 0.0012"),       # no "−0.0000"
    (0.0996, 0.0996, "0.100 ± 0.100"),           # the error rounds up a decade
])
def test_an_estimate_shows_the_digits_its_error_supports(value, error, shown):
    assert format_estimate(value, error) == shown


@pytest.mark.parametrize("value, error, shown", [
    (None, 0.1, "—"),
    (1.234567, None, "1.2346"),
    (1.234567, 0.0, "1.2346 ± 0"),
    (1.234567, math.nan, "1.2346 ± nan"),
    (math.inf, 0.1, "inf ± 0.1"),
    (3.0e-9, 1.0e-10, "3e-09 ± 1e-10"),          # beyond nine decimals: significant digits instead
])
def test_missing_or_degenerate_errors_fall_back_to_significant_digits(value, error, shown):
    assert format_estimate(value, error) == shown
