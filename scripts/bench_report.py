"""Measure report.html for a scenario: size, first paint, and time until every chart is drawn.

Solves the scenario (or reads --plan), writes report.html into a temporary
folder, then opens it from a file:// URL in headless system Chromium with the
network off, ``--runs`` times without and ``--runs`` times with the CPU slowed
down (Chromium's ``Emulation.setCPUThrottlingRate`` over CDP, 4x by default),
and prints the median of each figure:

- first paint: the page's ``first-contentful-paint`` entry;
- charts start: when plotly.js starts to run (after first paint, by design);
- all charts: when the last chart is drawn (``data-charts="drawn"``),
  milliseconds since navigation started, measured by the page itself.

    python scripts/bench_report.py                      # Hưng Nguyên, 3 runs each
    python scripts/bench_report.py --plan out/hung-nguyen-2023/plan.json --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from scheduler.export.report import report_html
from scheduler.plan import Plan
from scheduler.scenario.load import load_scenario

ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMES = """() => [
  performance.getEntriesByName('first-contentful-paint')[0].startTime,
  window.__plotlyStart,
  window.__chartsDrawn,
]"""


def render(browser: Any, path: Path, throttle: float) -> tuple[float, float, float]:
    """Open the page once; return (first paint, charts start, all charts) in seconds."""
    context = browser.new_context(offline=True, viewport={"width": 1440, "height": 900})
    tab = context.new_page()
    if throttle > 1:
        cdp = context.new_cdp_session(tab)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
    tab.goto(path.as_uri())
    tab.wait_for_function(
        "document.documentElement.dataset.charts === 'drawn'", timeout=120_000
    )
    fcp, start, drawn = tab.evaluate(TIMES)
    context.close()
    return fcp / 1000, start / 1000, drawn / 1000


def line(name: str, values: list[float]) -> str:
    runs = ", ".join(f"{v:.2f}" for v in values)
    return f"  {name:<14}median {statistics.median(values):.2f} s (runs: {runs})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scenario", default="configs/scenarios/hung-nguyen-2023.toml", type=Path
    )
    parser.add_argument("--plan", type=Path, help="plan.json (default: solve now)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--throttle", type=float, default=4.0, help="CPU slowdown")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    sc = load_scenario(args.scenario)
    if args.plan:
        plan = Plan.read(args.plan)
    else:
        from scheduler.solver.solve import solve

        plan = solve(
            sc,
            overrides={"num_workers": 2, "random_seed": 0, "max_time_in_seconds": 10.0},
        )
    started = time.perf_counter()
    page = report_html(sc, plan, "vi", plan.horizon_start)
    build_s = time.perf_counter() - started
    print(
        f"scenario       {sc.name}: {len(sc.communes)} communes, {len(plan.events)} events"
    )
    print(f"report build   {build_s:.2f} s")
    print(f"report size    {len(page):,} bytes ({len(page) / 1e6:.2f} MB)")

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.html"
        path.write_bytes(page)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
            for throttle in (1.0, args.throttle):
                runs = [render(browser, path, throttle) for _ in range(args.runs)]
                print(f"CPU {'x' + format(throttle, 'g') if throttle > 1 else 'as is'}")
                print(line("first paint", [r[0] for r in runs]))
                print(line("charts start", [r[1] for r in runs]))
                print(line("all charts", [r[2] for r in runs]))
            browser.close()


if __name__ == "__main__":
    main()
