import pytest
import torch

from boltz.io import ising_header, read_ising_csv, write_ising_csv
from boltz.systems.ising import energy, magnetization, random_spins


@pytest.mark.parametrize("L", [2, 5, 16])
def test_ising_csv_round_trip(tmp_path, L):
    spins = random_spins(7, L, generator=torch.Generator().manual_seed(L))
    path = write_ising_csv(tmp_path / "s.csv", spins, energy(spins, 0.7, 0.1), magnetization(spins))
    lines = path.read_text().splitlines()
    assert lines[0].split(",") == ising_header(L * L) and lines[0].startswith("energy,magnetization,s_0,s_1")
    assert len(lines) == 8
    read_spins, read_e, read_m = read_ising_csv(path)
    assert torch.equal(read_spins, spins)
    torch.testing.assert_close(read_e, energy(spins, 0.7, 0.1))
    torch.testing.assert_close(read_m, magnetization(spins))
    assert not (tmp_path / "s.csv.partial").exists()


@pytest.mark.parametrize("text,message", [
    ("a,b,c\n1,2,3\n", "not an Ising samples CSV"),
    ("energy,magnetization,s_0,s_1,s_2,s_3\n", "no samples"),
    ("energy,magnetization,s_0,s_1,s_2,s_3\n-8,1,1,1,1\n", "malformed row|columns"),
    ("energy,magnetization,s_0,s_1,s_2,s_3\n-8,1,1,1,1,2\n", "spins must be -1 or \\+1"),
    ("energy,magnetization,s_0,s_1,s_2,s_3\n-8,x,1,1,1,1\n", "malformed row"),
    ("", "not an Ising samples CSV"),
])
def test_malformed_files_are_refused_with_a_message(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_ising_csv(path)


def test_unwritable_and_missing_paths(tmp_path):
    spins = random_spins(1, 2)
    with pytest.raises(ValueError, match="does not exist"):
        write_ising_csv(tmp_path / "no" / "s.csv", spins, energy(spins), magnetization(spins))
    with pytest.raises(ValueError, match="is a directory"):
        write_ising_csv(tmp_path, spins, energy(spins), magnetization(spins))
    with pytest.raises(ValueError, match="does not exist"):
        read_ising_csv(tmp_path / "missing.csv")
