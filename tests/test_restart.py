"""What a user made survives a restart: user-trained models and finished jobs' results are seen by a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

from boltz.cli import main

LIST_AND_LOAD = """
import json
from boltz.models import list_models, resolve_ising_model, user_models_dir
print(json.dumps({"folder": str(user_models_dir()),
                  "models": [[m.name, m.L, m.step, m.shipped] for m in list_models("ising")],
                  "step": resolve_ising_model(8, "mine").config["step"]}))
"""


def _fresh_process(**env: str) -> dict:
    """What a new Python process sees, with this environment (BOLTZ_MODELS unset unless given)."""
    environment = {key: value for key, value in os.environ.items() if key != "BOLTZ_MODELS"}
    result = subprocess.run([sys.executable, "-c", LIST_AND_LOAD], capture_output=True, text=True, timeout=300,
                            env={**environment, "OMP_NUM_THREADS": "1", **env}, cwd=Path(__file__).parent.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_model_trained_into_the_user_folder_is_listed_and_loaded_by_a_fresh_process(tmp_path):
    folder = tmp_path / "models"
    assert main(["train", "ising", "--L", "8", "--n-temperatures", "2", "--samples-per-temperature", "8",
                 "--channels", "8", "--channel-mults", "1", "2", "--batch-size", "4", "--steps", "2",
                 "--cache-dir", str(tmp_path / "data"), "--out", str(folder / "mine")]) == 0
    seen = _fresh_process(BOLTZ_MODELS=str(folder))
    assert seen["folder"] == str(folder) and seen["step"] == 2
    assert ["mine", 8, 2, False] in seen["models"]


def test_without_boltz_models_the_user_folder_is_in_the_home_folder_not_the_shipped_one(tmp_path):
    home = tmp_path / "home"
    mine = home / ".local" / "share" / "boltz" / "models" / "mine"
    mine.parent.mkdir(parents=True)
    source = Path(__file__).parent.parent / "models" / "ising_L16"
    mine.mkdir()
    for name in ("config.json", "model.safetensors"):
        (mine / name).write_bytes((source / name).read_bytes())
    seen = _fresh_process(HOME=str(home))
    assert seen["folder"] == str(mine.parent)
    assert [name for name, _, _, shipped in seen["models"] if not shipped] == ["mine"]


def test_a_finished_jobs_result_and_files_are_read_back_by_a_fresh_process(tmp_path):
    """The page of a reloaded tab asks the job store for its last job: after an app restart it is still there."""
    from boltz.frames import new_job_id, open_job_store

    job = new_job_id()
    store = open_job_store(str(tmp_path / "jobs"))
    store.save_result(job, {"job_id": job, "runs": [{"n": 3}]})
    store.save_file(job, "samples.csv", b"energy,magnetization\n-8,4\n")
    read_back = subprocess.run(
        [sys.executable, "-c", "import json, sys; from boltz.frames import open_job_store; "
         "store = open_job_store(sys.argv[1]); "
         "print(json.dumps([store.result(sys.argv[2]), store.file(sys.argv[2], 'samples.csv').decode()]))",
         str(tmp_path / "jobs"), job],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent,
        env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert read_back.returncode == 0, read_back.stderr
    result, csv = json.loads(read_back.stdout)
    assert result["runs"] == [{"n": 3}] and result["job_id"] == job
    assert csv == "energy,magnetization\n-8,4\n"
