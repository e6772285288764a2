"""README screenshots of every page, taken from the running app: ``python scripts/screenshots.py [--url URL] [--out docs/screenshots]``.

Without --url it starts ``python app.py`` on a free port. Each sampling page first runs a small job so
its panels are filled.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from dashboard_browser import ROOT, chromium, click, running_app, set_number, wait_for, wait_for_text


def full_page(driver, path: Path) -> None:
    """The whole page, not just the window: grow the window to the document's height first."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1400, min(max(height, 800), 4000))
    driver.execute_script("window.scrollTo(0, 0)")
    time.sleep(0.5)  # let the resized page settle before it is captured
    driver.save_screenshot(str(path))
    driver.set_window_size(1400, 1000)
    print(f"wrote {path}")


def run_job(driver, page: str, fields: dict, ready_selector: str) -> None:
    for name, value in fields.items():
        set_number(driver, f"#{page}-{name}", value)
    click(driver, f"#{page}-{'start' if page == 'compare' else 'sample'}")
    wait_for_text(driver, f"#{page}-progress", "done", timeout=600)
    wait_for(driver, ready_selector, timeout=30)


def home(driver, base: str) -> None:
    driver.get(base + "/")
    wait_for(driver, "#home-card-ising")


def ising(driver, base: str) -> None:
    driver.get(base + "/ising")
    wait_for(driver, "#ising-sample")
    run_job(driver, "ising", {"L": 32, "n": 64}, "#ising-observables")
    for _ in range(30):  # part way through the denoising, so the player shows structure emerging from noise
        click(driver, "#ising-anim-forward")


def lennard_jones(driver, base: str) -> None:
    driver.get(base + "/lennard-jones")
    wait_for(driver, "#lj-sample")
    run_job(driver, "lj", {"N": 32, "n": 16}, "#lj-observables")
    for _ in range(70):
        click(driver, "#lj-anim-forward")


def compare(driver, base: str) -> None:
    driver.get(base + "/compare")
    wait_for(driver, "#compare-start")
    run_job(driver, "compare", {"L": 16, "points": 7, "n": 100}, "#compare-energy")


def training(driver, base: str) -> None:
    driver.get(base + "/training")
    wait_for(driver, "#training-start")
    for name, value in {"temperatures": 5, "samples": 128, "steps": 120, "batch": 16}.items():
        set_number(driver, f"#training-{name}", value)
    click(driver, "#training-start")
    wait_for_text(driver, "#training-alert", "finished", timeout=600)


PAGES = {"home": home, "ising": ising, "lennard-jones": lennard_jones, "compare": compare, "training": training}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None, help="a running app (default: start one)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--pages", nargs="+", default=list(PAGES), choices=list(PAGES), help="which pages (default all)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with running_app(args.url) as base, chromium() as driver:
        for name in args.pages:
            PAGES[name](driver, base)
            full_page(driver, args.out / f"{name}.png")


if __name__ == "__main__":
    main()
