"""The one validation layer: every parameter of the table refuses hostile values with one line, and only them."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boltz import validation
from boltz.validation import (COUPLING, DENSITY, LATTICE, SAMPLES, SEED, TEMPERATURE, Parameter, check_int,
                              check_memory, check_real)

TABLE = [value for value in vars(validation).values() if isinstance(value, Parameter)]

ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(), st.just(10**30), st.just(-(10**30)),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([math.nan, math.inf, -math.inf, -0.0]),
    st.text(max_size=20), st.just(""), st.lists(st.integers(), max_size=3), st.tuples(st.integers()),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.complex_numbers(),
    st.fractions(), st.just(Fraction(10**400, 3)), st.decimals(allow_nan=True),
    st.floats(width=32).map(np.float32),
    st.integers(-(2**62), 2**62).map(np.int64), st.binary(max_size=4),
)


def test_the_table_names_every_parameter_the_issue_lists():
    names = {parameter.name for parameter in TABLE}
    assert {"L", "N", "T", "J", "h", "density", "n", "steps", "burn_in", "thin", "refine", "seed"} <= names
    assert all(parameter.minimum is not None and parameter.maximum is not None for parameter in TABLE)


@settings(max_examples=100, deadline=None)
@given(parameter=st.sampled_from(TABLE), value=ANYTHING)
def test_a_value_is_either_accepted_in_range_or_refused_with_one_line_naming_the_parameter(parameter, value):
    try:
        checked = parameter.check(value)
    except ValueError as error:
        message = str(error)
        assert message.startswith(f"{parameter.name} must be ") and "\n" not in message and ", got " in message
        assert parameter.problem(value) is not None and parameter.problem(value) in message
        return
    assert type(checked) is (int if parameter.integer else float)
    assert math.isfinite(checked) and checked <= parameter.maximum
    assert checked > parameter.minimum if parameter.above else checked >= parameter.minimum
    assert parameter.problem(value) is None
    assert not isinstance(value, (bool, str, list, tuple, dict, complex, bytes)) and value is not None


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_every_value_in_range_is_accepted_as_is(data):
    parameter = data.draw(st.sampled_from(TABLE))
    if parameter.integer:
        value = data.draw(st.integers(int(parameter.minimum), int(parameter.maximum)))
    else:
        value = data.draw(st.floats(parameter.minimum, parameter.maximum, exclude_min=parameter.above))
    assert parameter.check(value) == value


@pytest.mark.parametrize("parameter,value,message", [
    (LATTICE, 1, "L must be between 2 and 1024, got 1"),
    (LATTICE, 2.5, "L must be a whole number, got 2.5"),
    (LATTICE, "8", "L must be a whole number, got '8'"),
    (LATTICE, True, "L must be a whole number, got True"),
    (LATTICE, 10**30, "L must be between 2 and 1024, got 1000000000000000000000000000000"),
    (TEMPERATURE, 0, "T must be > 0 and <= 10000, got 0"),
    (TEMPERATURE, math.nan, "T must be finite, got nan"),
    (TEMPERATURE, None, "T must be a number, got None"),
    (COUPLING, -math.inf, "J must be finite, got -inf"),
    (DENSITY, [0.5], "density must be a number, got [0.5]"),
    (SAMPLES, 0, "n must be between 1 and 10000000, got 0"),
    (SEED, -1, "seed must be between 0 and 9223372036854775807, got -1"),
])
def test_messages_say_what_a_valid_value_is(parameter, value, message):
    with pytest.raises(ValueError) as error:
        parameter.check(value)
    assert str(error.value) == message


def test_a_long_value_is_shortened_in_the_message():
    with pytest.raises(ValueError) as error:
        SAMPLES.check("x" * 10_000)
    assert len(str(error.value)) < 120


def test_a_narrower_range_keeps_the_name_and_kind_and_never_widens():
    page = TEMPERATURE.within(0.05, 10)
    assert (page.name, page.minimum, page.maximum, page.above) == ("T", 0.05, 10, False)
    assert page.problem(0.01) == "must be between 0.05 and 10" and page.check(10) == 10.0
    assert LATTICE.within(0, 10**6) == LATTICE
    assert TEMPERATURE.within(maximum=5).requirement() == "must be > 0 and <= 5"
    assert TEMPERATURE.check(1e-3, "T_min") == 1e-3
    with pytest.raises(ValueError, match="^T_min must be > 0"):
        TEMPERATURE.check(-1, "T_min")


def test_module_checks_share_the_messages():
    assert check_int("bins", 3.0, minimum=1) == 3
    with pytest.raises(ValueError, match="^bins must be >= 1, got 0$"):
        check_int("bins", 0, minimum=1)
    with pytest.raises(ValueError, match=r"^snr must be > 0, got -1\.0$"):
        check_real("snr", -1.0, positive=True)
    assert check_real("t_min", -2) == -2.0


def test_memory_is_checked_against_what_is_available_now(monkeypatch):
    monkeypatch.setattr(validation, "available_memory", lambda: 2 * 10**9)
    check_memory("the samples", 10**9, "ask for fewer")
    with pytest.raises(ValueError) as error:
        check_memory("the samples", 3 * 10**9, "ask for fewer")
    assert str(error.value) == ("the samples would need about 3 GB of memory, more than the 2 GB available; "
                                "ask for fewer")


def test_available_memory_is_the_operating_systems_figure():
    import psutil

    assert 0 < validation.available_memory() <= psutil.virtual_memory().total
