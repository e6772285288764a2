import json
import re

import numpy as np
import pytest
import torch

from boltz.cli import main
from boltz.lj_io import read_lj_csv, write_lj_csv
from boltz.lj_jobs import sample_lj
from boltz.systems.lennard_jones import box_side, energy


def test_sample_then_report_round_trip_with_g_of_r(tmp_path, capsys):
    out, gr = tmp_path / "lj.csv", tmp_path / "gr.csv"
    assert main(["sample", "lj", "--N", "16", "--density", "0.64", "--T", "0.7", "--n", "200", "--seed", "1",
                 "--chains", "4", "--burn-in", "200", "--thin", "5", "--out", str(out)]) == 0
    assert "truncated-shifted" in capsys.readouterr().err
    header = out.read_text().splitlines()[0].split(",")
    assert header[:5] == ["energy", "x_0", "y_0", "x_1", "y_1"] and len(header) == 33
    positions, energies = read_lj_csv(out)
    assert positions.shape == (200, 16, 2) and ((positions >= 0) & (positions < 5.0)).all()
    torch.testing.assert_close(energies, energy(positions, 5.0), atol=1e-8, rtol=1e-9)
    assert main(["report", "lj", "--samples", str(out), "--N", "16", "--density", "0.64", "--T", "0.7",
                 "--gr-out", str(gr), "--json", "--reference", str(out)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["potential"].startswith("truncated-shifted") and report["n_samples"] == 200
    assert -2.2 < report["energy_per_particle"][0] < -1.3 and report["energy_per_particle"][1] > 0
    assert report["comparison"]["max_abs_delta_g"] == 0 and report["comparison"]["energy_w1"] == 0
    table = np.loadtxt(gr, delimiter=",", skiprows=1)
    assert gr.read_text().startswith("r,g,error\n") and table.shape == (100, 3)
    assert table[:, 0].max() < 2.5 and table[:, 1].max() > 2  # a first shell well above the ideal-gas 1


def test_truncated_potential_is_named_and_checked(tmp_path, capsys):
    out = tmp_path / "t.csv"
    assert main(["sample", "lj", "--N", "16", "--density", "0.35", "--T", "1", "--n", "20", "--burn-in", "20",
                 "--truncated", "--out", str(out)]) == 0
    assert main(["report", "lj", "--samples", str(out), "--N", "16", "--density", "0.35", "--T", "1",
                 "--truncated"]) == 0
    assert "truncated (unshifted)" in capsys.readouterr().out
    # The energy column says which potential drew the samples: the shifted reading is refused.
    assert main(["report", "lj", "--samples", str(out), "--N", "16", "--density", "0.35", "--T", "1"]) == 2
    assert "does not match" in capsys.readouterr().err


def test_sample_lj_job_is_seeded_and_chain_major():
    a = sample_lj("metropolis", N=16, density=0.35, T=1.0, n=30, seed=5, chains=3, burn_in=10, thin=1)
    b = sample_lj("metropolis", N=16, density=0.35, T=1.0, n=30, seed=5, chains=3, burn_in=10, thin=1)
    assert torch.equal(a.positions, b.positions) and a.n_chains == 3 and a.box == box_side(16, 0.35)
    # Chain-major: rows 0–9 are chain 0, 10–19 chain 1, …; one sweep apart inside a chain, unrelated across chains.
    def jump(i):
        return float((a.positions[i + 1] - a.positions[i]).abs().mean())

    assert max(jump(i) for i in (0, 5, 8, 10, 15, 20)) < 0.3 * min(jump(9), jump(19))


@pytest.mark.parametrize("argv,message", [
    (["sample", "lj", "--N", "16", "--density", "0.7", "--T", "0.7", "--out", "{tmp}/a.csv"], "smaller than 2·r_c"),
    (["sample", "lj", "--N", "1", "--density", "0.1", "--T", "0.7", "--out", "{tmp}/a.csv"], "N must be between 2 and 4096"),
    (["sample", "lj", "--N", "32", "--density", "0", "--T", "0.7", "--out", "{tmp}/a.csv"], "density must be > 0"),
    (["sample", "lj", "--N", "32", "--density", "0.5", "--T", "-1", "--out", "{tmp}/a.csv"], "T must be > 0"),
    (["sample", "lj", "--N", "32", "--density", "nan", "--T", "1", "--out", "{tmp}/a.csv"], "density must be finite"),
    (["sample", "lj", "--N", "32", "--density", "0.5", "--T", "1", "--n", "0", "--out", "{tmp}/a.csv"], "n must be between 1 and "),
    (["sample", "lj", "--N", "32", "--density", "0.5", "--T", "1", "--out", "{tmp}/no/a.csv"], "does not exist"),
    (["sample", "lj", "--sampler", "hmc", "--N", "32", "--density", "0.5", "--T", "1", "--out", "{tmp}/a.csv"],
     "invalid choice"),
    (["report", "lj", "--samples", "{tmp}/none.csv", "--N", "2", "--density", "0.08", "--T", "1"], "does not exist"),
    (["report", "lj", "--samples", "{tmp}/bad.csv", "--N", "2", "--density", "0.08", "--T", "1"],
     "not a Lennard-Jones samples CSV"),
    (["report", "lj", "--samples", "{tmp}/ok.csv", "--N", "3", "--density", "0.08", "--T", "1"], "not N = 3"),
    (["report", "lj", "--samples", "{tmp}/ok.csv", "--N", "2", "--density", "0.02", "--T", "1"], "does not match"),
    (["report", "lj", "--samples", "{tmp}/ok.csv", "--N", "2", "--density", "0.5", "--T", "1"], "smaller than"),
    (["report", "lj", "--samples", "{tmp}/out.csv", "--N", "2", "--density", "0.08", "--T", "1"], "must lie in the box"),
    (["report", "lj", "--samples", "{tmp}/ok.csv", "--N", "2", "--density", "0.08", "--T", "1", "--gr-out",
      "{tmp}/no/gr.csv"], "does not exist"),
    (["bench", "lj", "--seconds", "0"], "seconds must be in"),
    (["train", "lj", "--density", "0.64", "--T-min", "0.9", "--T-max", "0.7", "--out", "{tmp}/m"], "T_min must be <="),
    (["train", "lj", "--density", "0.64", "--T-min", "0.7", "--T-max", "0.8", "--r-cut", "3", "--out", "{tmp}/m"],
     r"r_cut 3 is more than half the smallest training box 5 \(N = 16"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, argv, message):
    (tmp_path / "bad.csv").write_text("energy,x_0\n1,2\n")
    pair = torch.tensor([[[1.0, 1.0], [2.2, 1.0]], [[0.5, 0.5], [4.0, 4.0]]], dtype=torch.float64)
    write_lj_csv(tmp_path / "ok.csv", pair, energy(pair, 5.0))
    write_lj_csv(tmp_path / "out.csv", pair + 4.0, energy(pair, 5.0))
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1
    assert re.search(message, err)
    assert not (tmp_path / "a.csv").exists()
