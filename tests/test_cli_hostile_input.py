"""Hostile values on the command line: one ``error:`` line and exit 2, never a traceback, no job, nothing written."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import boltz.diffusion.training
import boltz.jobs
import boltz.lj_jobs
from boltz.cli import main
from boltz.validation import (BATCH_SIZE, BURN_IN, CHAINS, COUPLING, DENSITY, FIELD, LATTICE, PARTICLES, REFINE,
                              SAMPLES, SAMPLES_PER_TEMPERATURE, SEED, STEPS, TEMPERATURE, TEMPERATURES, THIN, THREADS,
                              TRAINING_STEPS, Parameter)

SAMPLE_OPTIONS = {"--n": SAMPLES, "--seed": SEED, "--chains": CHAINS, "--burn-in": BURN_IN, "--thin": THIN,
                  "--steps": STEPS, "--refine": REFINE, "--batch-size": BATCH_SIZE}
COMMANDS = {
    "sample ising": (["sample", "ising", "--L", "4", "--T", "2", "--n", "2", "--out", "{tmp}/out.csv"],
                     {"--L": LATTICE, "--T": TEMPERATURE, "--J": COUPLING, "--h": FIELD, **SAMPLE_OPTIONS}),
    "sample lj": (["sample", "lj", "--N", "16", "--density", "0.64", "--T", "0.8", "--n", "2", "--out", "{tmp}/out.csv"],
                  {"--N": PARTICLES, "--density": DENSITY, "--T": TEMPERATURE, **SAMPLE_OPTIONS}),
    "report ising": (["report", "ising", "--samples", "{tmp}/samples.csv", "--L", "2", "--T", "2"],
                     {"--L": LATTICE, "--T": TEMPERATURE, "--J": COUPLING, "--h": FIELD}),
    "train ising": (["train", "ising", "--L", "8", "--n-temperatures", "2", "--samples-per-temperature", "4",
                     "--steps", "2", "--cache-dir", "{tmp}/cache", "--out", "{tmp}/out"],
                    {"--L": LATTICE, "--T-min": TEMPERATURE, "--T-max": TEMPERATURE, "--n-temperatures": TEMPERATURES,
                     "--samples-per-temperature": SAMPLES_PER_TEMPERATURE, "--steps": TRAINING_STEPS,
                     "--batch-size": BATCH_SIZE, "--seed": SEED, "--threads": THREADS}),
}
SAMPLES_CSV = "energy,magnetization,s_0,s_1,s_2,s_3\n-8,1,1,1,1,1\n-8,-1,-1,-1,-1,-1\n"


class JobStarted(Exception):
    pass


@pytest.fixture
def no_jobs(monkeypatch):
    """Every sampler and trainer the CLI reaches raises JobStarted instead of running."""
    def started(*args, **kwargs):
        raise JobStarted

    for name in boltz.jobs.MCMC_SAMPLERS:
        monkeypatch.setitem(boltz.jobs.MCMC_SAMPLERS, name, started)
    monkeypatch.setattr(boltz.jobs, "_sample_diffusion", started)
    monkeypatch.setattr(boltz.lj_jobs, "sample_lj_metropolis", started)
    monkeypatch.setattr(boltz.lj_jobs, "_sample_diffusion", started)
    monkeypatch.setattr(boltz.diffusion.training, "train_ising", started)


def _not_a_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return True
    return False


def hostile(parameter: Parameter) -> st.SearchStrategy[str]:
    """Command-line words the parameter must refuse: no number, not finite, huge, out of range, not whole."""
    low, high = parameter.minimum, parameter.maximum
    below = (st.integers(max_value=int(low) - (0 if parameter.above else 1)) if parameter.integer or low == int(low)
             else st.floats(max_value=low, exclude_max=not parameter.above, allow_nan=False, allow_infinity=False))
    words = [
        st.sampled_from(["", " ", "None", "True", "False", "[1, 2]", "[]", "nan", "NaN", "inf", "-inf", "Infinity",
                         "1e999", "-1e999", "0x10", "1,5", "one", "--", "-", "\n"]),
        st.sampled_from([str(10**30), str(-(10**30)), "1e30", "-1e30"]),
        st.text(max_size=12).filter(_not_a_number),
        below.map(str),
        st.integers(min_value=int(high) + 1).map(str),
    ]
    if parameter.integer:
        words.append(st.sampled_from(["2.5", "0.5", "1e-3", "7.25"]))
    return st.one_of(*words)


@st.composite
def hostile_argv(draw, command: str) -> list[str]:
    base, options = COMMANDS[command]
    option = draw(st.sampled_from(sorted(options)))
    word = draw(hostile(options[option]))
    # The last occurrence of an option wins; "--opt=word" lets a word that starts with "-" through argparse.
    return base + ([f"{option}={word}"] if draw(st.booleans()) else [option, word])


def _run(argv: list[str], capsys) -> tuple[int, str, Path]:
    capsys.readouterr()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        (tmp / "samples.csv").write_text(SAMPLES_CSV)
        code = main([arg.replace("{tmp}", folder) for arg in argv])
        written = sorted(path.name for path in tmp.iterdir() if path.name != "samples.csv")
    return code, capsys.readouterr().err, written


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_the_untouched_command_reaches_its_job(command, no_jobs, capsys):
    base, _ = COMMANDS[command]
    if command == "report ising":
        assert _run(base, capsys)[0] == 0
    else:
        with pytest.raises(JobStarted):
            _run(base, capsys)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_hostile_value_is_one_error_line_and_exit_2(command, data, no_jobs, capsys):
    argv = data.draw(hostile_argv(command))
    code, err, written = _run(argv, capsys)
    assert code == 2, argv
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, (argv, err)
    assert written == [], argv


@pytest.mark.parametrize("argv", [
    [], ["sample"], ["sample", "ising"], ["sample", "ising", "--L"], ["sample", "ising", "--L", "4", "--T", "2"],
    ["sample", "ising", "--L", "4", "--T", "2", "--out", "{tmp}/x.csv", "--bogus", "1"], ["train", "ising", "--out"],
    ["sample", "ising", "--sampler", "", "--L", "4", "--T", "2", "--out", "{tmp}/x.csv"], ["report", "lj", "--bins"],
])
def test_argparse_failures_are_one_line_too(argv, no_jobs, capsys):
    code, err, written = _run(argv, capsys)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and written == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_a_dashdash_value_is_one_error_line(command, no_jobs, capsys):
    # Python 3.11's argparse drops the value "--" of `--T=--`, leaving an empty list (found by the test above).
    base, options = COMMANDS[command]
    option = next(name for name in options if name in ("--T", "--T-min"))
    code, err, written = _run([*base, f"{option}=--"], capsys)
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1 and written == [], err
