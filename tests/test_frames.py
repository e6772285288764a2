import pytest

from boltz.frames import JobStore, Throttle, check_job_id, new_job_id


def test_frames_of_two_jobs_never_mix(tmp_path):
    store = JobStore(tmp_path)
    first, second = new_job_id(), new_job_id()
    store.publish(first, {"step": 1})
    store.publish(first, {"step": 2})
    store.publish(second, {"step": 7})
    # A second handle on the same folder (another process) sees the same frames.
    reader = JobStore(tmp_path)
    assert reader.latest(first) == {"step": 2} and reader.latest(second) == {"step": 7}
    assert reader.latest(new_job_id()) is None


def test_results_outlive_the_handle_that_saved_them(tmp_path):
    job = new_job_id()
    JobStore(tmp_path).save_result(job, {"runs": [1, 2]})
    assert JobStore(tmp_path).result(job) == {"runs": [1, 2]} and JobStore(tmp_path).result(new_job_id()) is None


def test_cancel_is_per_job(tmp_path):
    store = JobStore(tmp_path)
    running, other = new_job_id(), new_job_id()
    store.request_cancel(running)
    assert store.cancel_requested(running) and not store.cancel_requested(other)


@pytest.mark.parametrize("bad", ["../../etc", "", None, 42, "A" * 32, new_job_id() + "/x"])
def test_job_ids_from_a_browser_cannot_name_other_folders(tmp_path, bad):
    with pytest.raises(ValueError, match="not a job id"):
        JobStore(tmp_path).folder(bad)


def test_job_folder_is_inside_the_store(tmp_path):
    job = check_job_id(new_job_id())
    folder = JobStore(tmp_path).folder(job)
    assert folder.is_dir() and folder.parent.parent == tmp_path


def test_throttle_lets_through_the_first_and_forced_calls_only():
    throttle = Throttle(min_interval=3600)
    assert [throttle.ready(), throttle.ready(), throttle.ready(force=True)] == [True, False, True]
