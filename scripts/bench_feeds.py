"""Measure building the calendar feeds and publishing them, on a bundled scenario.

Usage: python scripts/bench_feeds.py [--scenario configs/scenarios/hung-nguyen-2023.toml] [--runs 3]

Solves the scenario once, then times: rendering every feed without a store
(``calendar_files``), a first publish into a fresh SQLite store, and a second
publish of the same plan (state unchanged, byte-identical feeds). Prints the
feed count, the largest feeds and the medians; writes only a temporary store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from scheduler.export.ical import DisplayData, calendar_files
from scheduler.scenario.load import load_scenario
from scheduler.solve import solve
from scheduler.store import connect, publish


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--scenario", default="configs/scenarios/hung-nguyen-2023.toml", type=Path
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    plan = solve(scenario)
    display = DisplayData.from_scenario(scenario)
    print(f"{scenario.name}: {len(plan.events)} events")

    renders = []
    for _ in range(args.runs):
        started = time.perf_counter()
        files = calendar_files(plan, display)
        renders.append(time.perf_counter() - started)
    sizes = sorted(((len(b), n) for n, b in files.items()), reverse=True)
    print(f"feeds: {len(files)}, total {sum(s for s, _ in sizes) / 1e6:.2f} MB")
    for size, name in sizes[:3]:
        print(f"  {name}: {size / 1e3:.0f} kB")

    firsts, agains = [], []
    now = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as folder:
            conn = connect(Path(folder) / "plans.sqlite")
            started = time.perf_counter()
            first = publish(conn, plan, display, now=now)
            firsts.append(time.perf_counter() - started)
            started = time.perf_counter()
            again = publish(conn, plan, display, now=now + dt.timedelta(days=1))
            agains.append(time.perf_counter() - started)
            conn.close()
            same = all(
                a.body == b.body for a, b in zip(first.feeds, again.feeds, strict=True)
            )
            assert same, "an unchanged plan must give byte-identical feeds"
    print(
        f"median of {args.runs}: render {statistics.median(renders):.2f} s, "
        f"first publish {statistics.median(firsts):.2f} s, "
        f"unchanged publish {statistics.median(agains):.2f} s"
    )


if __name__ == "__main__":
    main()
