import subprocess
import sys

import pytest

from boltz import frames
from boltz.frames import DiskJobStore, RedisJobStore, Throttle, job_slot, new_job_id, open_job_store


@pytest.fixture(params=["disk", "redis"])
def where(request, tmp_path):
    """Where a job store lives: a folder, or a database of a real redis-server on this machine."""
    return str(tmp_path) if request.param == "disk" else request.getfixturevalue("redis_url")


def test_each_setting_opens_its_backend(where):
    expected = RedisJobStore if where.startswith("redis://") else DiskJobStore
    assert isinstance(open_job_store(where), expected)


def test_frames_of_two_jobs_never_mix(where):
    store = open_job_store(where)
    first, second = new_job_id(), new_job_id()
    store.publish(first, {"step": 1})
    store.publish(first, {"step": 2, "state": [[-1, 1], [0.5, None]], "text": "σ(t) = 0.3"})
    store.publish(second, {"step": 7})
    # A second handle on the same store (another process, or another host for Redis) sees the same frames.
    reader = open_job_store(where)
    # Each frame carries its job's id, so whoever shows it can check it is the frame it asked for.
    assert reader.latest(first) == {"step": 2, "state": [[-1, 1], [0.5, None]], "text": "σ(t) = 0.3", "job_id": first}
    assert reader.latest(second) == {"step": 7, "job_id": second} and reader.latest(new_job_id()) is None


def test_results_outlive_the_handle_that_saved_them(where):
    job = new_job_id()
    open_job_store(where).save_result(job, {"runs": [1, 2]})
    assert open_job_store(where).result(job) == {"runs": [1, 2], "job_id": job}
    assert open_job_store(where).result(new_job_id()) is None


def test_cancel_is_per_job(where):
    store = open_job_store(where)
    running, other = new_job_id(), new_job_id()
    store.request_cancel(running)
    assert open_job_store(where).cancel_requested(running) and not store.cancel_requested(other)


def test_files_are_kept_per_job_byte_for_byte(where):
    store = open_job_store(where)
    first, second = new_job_id(), new_job_id()
    data = bytes(range(256)) * 1000  # past diskcache's 32 kB threshold, where values go to files of their own
    store.save_file(first, "samples.csv", data)
    store.save_file(second, "samples.csv", b"energy\n")
    reader = open_job_store(where)
    assert reader.file(first, "samples.csv") == data and reader.file(second, "samples.csv") == b"energy\n"
    assert reader.file(first, "observables.csv") is None


def test_only_json_is_stored_so_nothing_is_unpickled(where):
    with pytest.raises(TypeError, match="JSON serializable"):
        open_job_store(where).publish(new_job_id(), {"state": object()})


@pytest.mark.parametrize("bad", ["../../etc", "", None, 42, "A" * 32, new_job_id() + "/x", new_job_id() + ":file"])
def test_job_ids_from_a_browser_are_refused_unless_made_by_new_job_id(where, bad):
    store = open_job_store(where)
    for use in (lambda: store.latest(bad), lambda: store.result(bad), lambda: store.file(bad, "samples.csv"),
                lambda: store.save_file(bad, "samples.csv", b"")):
        with pytest.raises(ValueError, match="not a job id"):
            use()


@pytest.mark.parametrize("name", ["../x", "/etc/x", "a/../../b", "x\0y", "", ".hidden", "a/b", "a\\b", None])
def test_file_names_are_plain_names(where, name):
    store, job = open_job_store(where), new_job_id()
    with pytest.raises(ValueError, match="not a job file name"):
        store.save_file(job, name, b"x")
    with pytest.raises(ValueError, match="not a job file name"):
        store.file(job, name)


def test_slots_cap_running_jobs_and_queue_the_rest_in_order(where):
    store, other = open_job_store(where), open_job_store(where)  # two handles: two web processes or workers
    first, second, third, fourth = (new_job_id() for _ in range(4))
    assert store.acquire_slot(first, 2) is None and other.acquire_slot(second, 2) is None
    assert store.acquire_slot(third, 2) == 0 and other.acquire_slot(fourth, 2) == 1
    assert store.acquire_slot(first, 2) is None  # a job that holds a slot keeps it
    assert other.slots() == {"running": sorted([first, second]), "queued": sorted([third, fourth])}
    # A freed slot goes to the head of the queue, not to whoever asks first.
    store.release_slot(first)
    assert other.acquire_slot(fourth, 2) == 1 and store.acquire_slot(third, 2) is None
    assert other.acquire_slot(fourth, 2) == 0
    other.release_slot(fourth)  # a queued job that gives up leaves the queue
    store.release_slot(second)
    store.release_slot(third)
    assert store.slots() == {"running": [], "queued": []}


def test_a_dead_workers_slot_and_queue_place_are_taken_back(where):
    store = open_job_store(where)
    running, queued, mine = new_job_id(), new_job_id(), new_job_id()
    # Another process takes a slot, queues behind it, and is killed without giving either back.
    code = ("import sys; from boltz.frames import open_job_store; s = open_job_store(sys.argv[1]); "
            "assert s.acquire_slot(sys.argv[2], 1) is None and s.acquire_slot(sys.argv[3], 1) == 0; "
            "print('held', flush=True); sys.stdin.read()")
    worker = subprocess.Popen([sys.executable, "-c", code, where, running, queued],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert worker.stdout.readline() == "held\n"
        assert store.acquire_slot(mine, 1) == 1  # behind the other process's queued job
        worker.kill()
        worker.wait()
        assert store.acquire_slot(mine, 1) is None
        assert store.slots() == {"running": [mine], "queued": []}
    finally:
        worker.kill()


def test_a_slot_without_heartbeat_is_taken_back_after_the_ttl(where, monkeypatch):
    store, silent, mine = open_job_store(where), new_job_id(), new_job_id()
    monkeypatch.setattr(frames.socket, "gethostname", lambda: "worker-host")  # a live worker on another host
    assert store.acquire_slot(silent, 1) is None
    monkeypatch.setattr(frames.socket, "gethostname", lambda: "web-host")
    assert store.acquire_slot(mine, 1) == 0  # another host's PID cannot be checked: its entry counts while it beats
    now = frames.time.time()
    monkeypatch.setattr(frames.time, "time", lambda: now + frames.SLOT_TTL_SECONDS + 1)
    assert store.acquire_slot(mine, 1) is None


def test_job_slot_queues_runs_beats_and_releases_however_the_block_ends(where, monkeypatch):
    monkeypatch.setattr(frames, "HEARTBEAT_SECONDS", 0.01)
    store, holder, job = open_job_store(where), new_job_id(), new_job_id()
    assert store.acquire_slot(holder, 1) is None
    seen = []

    def on_queued(ahead):  # the queued job sees its place, then the holder finishes
        seen.append((ahead, store.state(job)))
        store.release_slot(holder)

    beats = []
    monkeypatch.setattr(type(store), "beat", lambda self, job_id: beats.append(job_id))
    with pytest.raises(RuntimeError, match="job failed"):
        with job_slot(store, job, 1, on_queued, poll_seconds=0):
            assert store.state(job) == "running" and store.slots()["running"] == [job]
            frames.time.sleep(0.2)
            raise RuntimeError("job failed")
    assert seen == [(0, "queued")] and set(beats) == {job}
    assert store.slots() == {"running": [], "queued": []}


def test_throttle_lets_through_the_first_and_forced_calls_only():
    throttle = Throttle(min_interval=3600)
    assert [throttle.ready(), throttle.ready(), throttle.ready(force=True)] == [True, False, True]
