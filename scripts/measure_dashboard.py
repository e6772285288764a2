"""Measure the dashboard in headless Chromium: ``python scripts/measure_dashboard.py [--url URL] [--repeats 3]``.

- page load: from navigation to the page's main control being on screen, every page;
- click to first frame: the default Ising diffusion job (L = 32), from the click on Sample to the first
  live denoising frame on screen; and to the end of the job;
- playback: frames per second of the in-browser player on a 64×64 diffusion run (100 levels; the
  player's timer is set to 25 per second).

Timings are taken in the browser (performance.now()); they are measurements, not assertions.
"""

from __future__ import annotations

import argparse
import statistics
import time

from dashboard_browser import chromium, click, running_app, set_number, wait_for, wait_for_text

PAGES = {"/": "#home-card-ising", "/ising": "#ising-sample", "/lennard-jones": "#lj-sample",
         "/training": "#training-models-table", "/compare": "#compare-start"}

# Timestamps (performance.now()) of every change of an element's text, kept in window.changes.
WATCH = """
const element = document.querySelector(arguments[0]);
window.changes = [];
new MutationObserver(() => window.changes.push([performance.now(), element.textContent]))
    .observe(element, {childList: true, subtree: true, characterData: true});
"""
CLICK = "window.clickedAt = performance.now(); document.querySelector(arguments[0]).click();"


def page_loads(driver, base: str, repeats: int) -> dict[str, list[float]]:
    times = {}
    for path, selector in PAGES.items():
        times[path] = []
        for _ in range(repeats):
            driver.get("about:blank")
            start = time.perf_counter()
            driver.get(base + path)
            wait_for(driver, selector)
            times[path].append(time.perf_counter() - start)
    return times


def first_frame(driver, base: str) -> tuple[float, float]:
    """Seconds from the click on Sample to the first denoising frame, and to 'done', for the default job."""
    driver.get(base + "/ising")
    wait_for(driver, "#ising-sample")
    driver.execute_script(WATCH, "#ising-live-text")
    driver.execute_script(CLICK, "#ising-sample")
    wait_for_text(driver, "#ising-progress", "done", timeout=600)
    changes, clicked = driver.execute_script("return [window.changes, window.clickedAt]")
    first = next(t for t, text in changes if text.startswith("diffusion: denoising"))
    done = driver.execute_script("return performance.now()")
    return (first - clicked) / 1000, (done - clicked) / 1000


def playback_rate(driver, base: str) -> tuple[float, int]:
    """Frames per second of the player over a whole 64×64 run of 100 levels."""
    driver.get(base + "/ising")
    wait_for(driver, "#ising-sample")
    for name, value in {"L": 64, "n": 4, "steps": 100}.items():
        set_number(driver, f"#ising-{name}", value)
    driver.find_element("css selector", "#ising-reference").send_keys("nothing")
    click(driver, "#ising-sample")
    wait_for_text(driver, "#ising-anim-caption", "level 1/100", timeout=600)
    driver.execute_script(WATCH, "#ising-anim-caption")
    click(driver, "#ising-anim-play")
    wait_for_text(driver, "#ising-anim-caption", "level 100/100", timeout=120)
    changes = driver.execute_script("return window.changes")
    # A frame counts when its caption first appears (the slider's periodic sync rewrites the same text).
    shown = [t for (t, text), (_, before) in zip(changes, [(None, None), *changes]) if text != before
             and text.startswith("level")]
    return (len(shown) - 1) / ((shown[-1] - shown[0]) / 1000), len(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running app (default: start one)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with running_app(args.url) as base, chromium() as driver:
        loads = page_loads(driver, base, args.repeats)
        for path, seconds in loads.items():
            print(f"page load {path:<15} median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
                  f"({args.repeats} loads)")
        for attempt in range(args.repeats):
            first, done = first_frame(driver, base)
            print(f"default Ising diffusion job (L = 32): first frame {first:.2f} s after the click, done after {done:.1f} s")
        fps, frames = playback_rate(driver, base)
        print(f"playback 64×64: {fps:.1f} frames per second ({frames} frames shown)")


if __name__ == "__main__":
    main()
