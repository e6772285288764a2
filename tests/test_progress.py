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
