"""Measure report.html for a scenario: build time, size, and render time in Chromium.

Solves the scenario (or reads --plan), writes report.html into a temporary
folder, then opens it from a file:// URL in headless system Chromium with the
network off and times how long until every chart has drawn its SVG.

    python scripts/bench_report.py                      # Hưng Nguyên, 3 renders
    python scripts/bench_report.py --plan out/hung-nguyen-2023/plan.json --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

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
ALL_DRAWN = """() => {
  const divs = document.querySelectorAll('.plotly-graph-div');
  return divs.length > 0 && Array.from(divs).every(d => d.querySelector('.main-svg'));
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--scenario", default="configs/scenarios/hung-nguyen-2023.toml", type=Path
    )
    parser.add_argument("--plan", type=Path, help="plan.json (default: solve now)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    sc = load_scenario(args.scenario)
    if args.plan:
        plan = Plan.read(args.plan)
    else:
        from scheduler.solve import solve

        plan = solve(sc, overrides={"num_workers": 2, "random_seed": 0})
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
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=ARGS)
            for _ in range(args.runs):
                context = browser.new_context(
                    offline=True, viewport={"width": 1400, "height": 900}
                )
                tab = context.new_page()
                tab.goto(path.as_uri())
                tab.wait_for_function(ALL_DRAWN, timeout=120_000, polling="raf")
                # milliseconds since navigation started, measured by the page itself
                times.append(tab.evaluate("performance.now()") / 1000)
                context.close()
            browser.close()
    print(
        f"render         median {statistics.median(times):.2f} s "
        f"(runs: {', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
