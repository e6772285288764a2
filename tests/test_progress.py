import io

from boltz.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_redraws_one_line_in_place():
    stream = Terminal()
    bar = ProgressBar("job", stream=stream, min_interval=0.0)
    for step in range(1, 4):
        bar.update(step, 3)
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1
    assert "100.0%" in text


def test_a_log_file_gets_whole_lines_rarely_and_always_the_last():
    stream = io.StringIO()
    bar = ProgressBar("job", stream=stream)
    for step in range(1, 1001):
        bar.update(step, 1000, note=f"step {step}")
    bar.close()
    lines = stream.getvalue().splitlines()
    assert "\r" not in stream.getvalue()
    assert len(lines) == 1 and "100.0%" in lines[0] and "step 1000" in lines[0]


def test_eta_of_a_resumed_job_counts_only_the_work_done_since_it_started(monkeypatch):
    clock = iter([0.0, 0.0, 10.0])
    monkeypatch.setattr("boltz.progress.time.perf_counter", lambda: next(clock))
    stream = Terminal()
    bar = ProgressBar("job", stream=stream, min_interval=0.0)
    bar.update(500, 1000)  # resumed at half-way, at t = 0
    bar.update(600, 1000)  # 100 steps in 10 s: 400 left take 40 s
    assert "ETA  40.0s" in stream.getvalue().split("\r")[-1]
