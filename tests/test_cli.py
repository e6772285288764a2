import json
import re
import subprocess
import sys

import pytest

from boltz.cli import main
from boltz.exact import finite_lattice
from boltz.io import read_ising_csv


def test_sample_then_report_round_trip(tmp_path, capsys):
    out = tmp_path / "samples.csv"
    assert main(["sample", "ising", "--sampler", "wolff", "--L", "8", "--T", "2.269", "--n", "400",
                 "--seed", "1", "--out", str(out)]) == 0
    spins, energies, _ = read_ising_csv(out)
    assert spins.shape == (400, 8, 8)
    capsys.readouterr()
    assert main(["report", "ising", "--samples", str(out), "--L", "8", "--T", "2.269", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    rows = {row["name"]: row for row in report["rows"]}
    assert set(rows) == {"e", "|m|", "m^2", "c", "chi", "U4"}
    assert rows["e"]["exact"] == pytest.approx(finite_lattice(8, 2.269).energy, rel=1e-12)
    assert abs(rows["e"]["z"]) < 4
    assert report["n_samples"] == 400 and report["ess_energy"] > 0
    assert 0 < report["energy_w1_exact"] < 0.05  # 400 Wolff samples vs the exact P(e) of the 8×8 torus


def test_metropolis_with_chains_burn_in_and_thin(tmp_path, capsys):
    out = tmp_path / "m.csv"
    assert main(["sample", "ising", "--sampler", "metropolis", "--L", "4", "--T", "3", "--h", "0.2",
                 "--n", "10", "--chains", "3", "--burn-in", "5", "--thin", "2", "--out", str(out)]) == 0
    assert read_ising_csv(out)[0].shape == (10, 4, 4)
    assert main(["report", "ising", "--samples", str(out), "--L", "4", "--T", "3", "--h", "0.2"]) == 0
    text = capsys.readouterr().out
    assert "observable" in text and "U4" in text


@pytest.mark.parametrize("argv,message", [
    (["sample", "ising", "--L", "1", "--T", "2", "--out", "{tmp}/a.csv"], "L must be between 2 and 1024, got 1"),
    (["sample", "ising", "--L", "100000", "--T", "2", "--out", "{tmp}/a.csv"], "L must be between 2 and 1024, got 100000"),
    (["sample", "ising", "--L", "8", "--T", "0", "--out", "{tmp}/a.csv"], "T must be > 0"),
    (["sample", "ising", "--L", "8", "--T", "-1", "--out", "{tmp}/a.csv"], "T must be > 0"),
    (["sample", "ising", "--L", "8", "--T", "nan", "--out", "{tmp}/a.csv"], "T must be finite"),
    (["sample", "ising", "--L", "8", "--T", "2", "--n", "0", "--out", "{tmp}/a.csv"], "n must be between 1 and "),
    (["sample", "ising", "--L", "8", "--T", "2", "--out", "{tmp}/missing/a.csv"], "does not exist"),
    (["sample", "ising", "--sampler", "wolff", "--L", "8", "--T", "2", "--h", "1", "--out", "{tmp}/a.csv"],
     "needs h = 0"),
    (["sample", "ising", "--L", "eight", "--T", "2", "--out", "{tmp}/a.csv"], "invalid int value"),
    (["sample", "ising", "--sampler", "gibbs", "--L", "8", "--T", "2", "--out", "{tmp}/a.csv"], "invalid choice"),
    (["report", "ising", "--samples", "{tmp}/none.csv", "--L", "8", "--T", "2"], "does not exist"),
    (["report", "ising", "--samples", "{tmp}/bad.csv", "--L", "8", "--T", "2"], "not an Ising samples CSV"),
    (["report", "ising", "--samples", "{tmp}/ok.csv", "--L", "8", "--T", "2"], "not L = 8"),
    (["report", "ising", "--samples", "{tmp}/ok.csv", "--L", "2", "--T", "2", "--J", "2"], "does not match"),
    (["train", "ising", "--L", "8", "--t-band", "0.5", "0.2", "--out", "{tmp}/run"], "t band must satisfy"),
    (["train", "ising", "--L", "8", "--t-band", "nan", "0.5", "--out", "{tmp}/run"], "t band must satisfy"),
    (["frobnicate"], "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n")
    (tmp_path / "ok.csv").write_text("energy,magnetization,s_0,s_1,s_2,s_3\n-8,1,1,1,1,1\n")
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert re.search(message, err)
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "run").exists()


def test_module_entry_point_exits_2_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "boltz", "sample", "ising", "--L", "2", "--T", "-3",
                             "--out", str(tmp_path / "x.csv")], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr == "error: T must be > 0 and <= 10000, got -3.0\n"
