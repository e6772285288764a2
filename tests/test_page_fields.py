"""The pages' number fields take their range and messages from boltz's parameter table."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boltz import validation
from boltz.jobs import check_ising_memory
from boltz.validation import LATTICE, SAMPLES, SEED, TEMPERATURE
from pages.components import NumberField, check_fields, refused_by

L_FIELD = NumberField.of(LATTICE, "lattice size L", 32, maximum=256)
N_FIELD = NumberField.of(SAMPLES, "samples", 64, maximum=100_000)
T_FIELD = NumberField.of(TEMPERATURE, "temperature T", 0.75, minimum=0.05, maximum=10)


def test_a_field_is_the_boltz_parameter_on_the_pages_range():
    assert (L_FIELD.name, L_FIELD.minimum, L_FIELD.maximum, L_FIELD.integer) == ("L", 2, 256, True)
    assert (T_FIELD.name, T_FIELD.minimum, T_FIELD.maximum, T_FIELD.integer) == ("T", 0.05, 10, False)
    assert NumberField.of(SEED, "seed", 0).maximum == SEED.maximum


@pytest.mark.parametrize("field,value,message", [
    (L_FIELD, None, "required"), (L_FIELD, "", "required"), (L_FIELD, 1, "must be between 2 and 256"),
    (L_FIELD, 300, "must be between 2 and 256"), (L_FIELD, 8.5, "must be a whole number"),
    (N_FIELD, 0, "must be between 1 and 100000"), (T_FIELD, 0.01, "must be between 0.05 and 10"),
    (T_FIELD, "abc", "must be a number"), (L_FIELD, 8, None), (T_FIELD, 2, None),
])
def test_the_message_beside_a_field_is_the_library_requirement(field, value, message):
    assert field.message(value) == message


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5),
                       st.lists(st.integers(), max_size=2)))
def test_any_value_the_browser_sends_gives_a_message_or_a_parsed_value_never_an_exception(value):
    invalid, messages, parsed = check_fields((L_FIELD, T_FIELD), [value, value])
    for flag, message, field in zip(invalid, messages, (L_FIELD, T_FIELD)):
        assert flag == bool(message) and (message == "" or field.message(value) == message)
    if parsed is not None:
        assert 2 <= parsed["L"] <= 256 and 0.05 <= parsed["T"] <= 10 and math.isfinite(parsed["T"])


def test_a_run_that_would_not_fit_in_memory_is_refused_beside_n(monkeypatch):
    monkeypatch.setattr(validation, "available_memory", lambda: 10**6)
    rule = refused_by("n", lambda parsed: check_ising_memory(parsed["n"], parsed["L"]))
    invalid, messages, parsed = check_fields((L_FIELD, N_FIELD), [64, 1000], rule)
    assert invalid == [False, True] and parsed is None
    assert messages[1].startswith("n·L² = 4.1e+06 spins would need about") and "available" in messages[1]
    assert check_fields((L_FIELD, N_FIELD), [4, 2], rule)[2] == {"L": 4, "n": 2}


@pytest.mark.parametrize("solver, steps, corrector_steps, refused, settings", [
    ("model", -5, 99, [], {"solver": None, "steps": None, "corrector_steps": None}),  # both fields greyed out
    ("sde", 60, 99, [], {"solver": "sde", "steps": 60, "corrector_steps": 1}),  # corrector steps are pc's
    ("sde", -5, 1, ["steps"], None),
    ("pc", 60, 99, ["corrector_steps"], None),
])
def test_the_lj_page_checks_only_the_steps_fields_its_run_uses(solver, steps, corrector_steps, refused, settings):
    import importlib

    importlib.import_module("app")  # the app registers the pages
    from pages.lennard_jones import FIELDS, submit

    values = {"N": 16, "density": 0.64, "T": 0.7, "n": 8, "steps": steps, "corrector_steps": corrector_steps,
              "refine": 0, "seed": 0}
    out = submit(1, *[values[field.name] for field in FIELDS], "diffusion", "metropolis", solver, None, 0)
    assert [field.name for field, bad in zip(FIELDS, out[:len(FIELDS)]) if bad] == refused
    job = out[-2]
    if settings is None:
        assert not isinstance(job, dict)
    else:
        assert {key: job["settings"][key] for key in settings} == settings
