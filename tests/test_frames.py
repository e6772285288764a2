import pytest

from boltz.frames import DiskJobStore, RedisJobStore, Throttle, new_job_id, open_job_store


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
    assert reader.latest(first) == {"step": 2, "state": [[-1, 1], [0.5, None]], "text": "σ(t) = 0.3"}
    assert reader.latest(second) == {"step": 7} and reader.latest(new_job_id()) is None


def test_results_outlive_the_handle_that_saved_them(where):
    job = new_job_id()
    open_job_store(where).save_result(job, {"runs": [1, 2]})
    assert open_job_store(where).result(job) == {"runs": [1, 2]} and open_job_store(where).result(new_job_id()) is None


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


def test_throttle_lets_through_the_first_and_forced_calls_only():
    throttle = Throttle(min_interval=3600)
    assert [throttle.ready(), throttle.ready(), throttle.ready(force=True)] == [True, False, True]
