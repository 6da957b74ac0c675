"""Measure the calendar feeds: building and publishing them, and serving them.

Usage: python scripts/bench_feeds.py [build] [--scenario configs/scenarios/hung-nguyen-2023.toml] [--runs 3]
       python scripts/bench_feeds.py serve [--requests 3000] [--clients 4] [--runs 3]
                                           [--max-seconds 30] [--serve-args "--allowed-host=*"]

``build`` (the default) solves the scenario once, then times: rendering every
feed without a store (``calendar_files``), a first publish into a fresh SQLite
store, and a second publish of the same plan (state unchanged, byte-identical
feeds). Prints the feed count, the largest feeds and the medians; writes only a
temporary store.

``serve`` measures feed throughput while another client asks for a scenario's
index page, once with a fixed ``Host`` and once with a different ``Host`` on
every request (a client that made the server render a page per request used to
take the feeds from about 5,300 to 168 requests per second). It publishes a
synthetic version shaped like Hưng Nguyên (956 events; the whole-plan feed and
49 commune feeds, so the index page has 50 QR codes) into a temporary store and
starts ``scheduler serve`` as its own process on a free 127.0.0.1 port. Each
run sends exactly ``--requests`` GETs of one commune feed over ``--clients``
keep-alive connections, while one more connection asks for the index page
until they are done (or ``--max-seconds`` have passed: the rate is then over
the requests made); then it stops. Prints each run and the median of the runs.
Loopback only, bounded, and nothing is left behind.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from scheduler.export.display import DisplayData
from scheduler.export.ical import calendar_files
from scheduler.scenario.load import load_scenario
from scheduler.solver.solve import solve
from scheduler.store import connect, publish


def build(argv: list[str]) -> None:
    """Time rendering and publishing the feeds of a bundled scenario."""
    parser = argparse.ArgumentParser(prog="bench_feeds.py build")
    parser.add_argument(
        "--scenario", default="configs/scenarios/hung-nguyen-2023.toml", type=Path
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
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


# --------------------------------------------------------------------------- serve

ROOT = Path(__file__).resolve().parents[1]

#: Makes the synthetic store with the helper of the checkout under test, so
#: that its rows follow that checkout's schema.
STORE_SNIPPET = """
import datetime as dt, sys
from pathlib import Path
from tests.serve_store import VN, FeedRow, ics, publish
path, n_events, n_communes = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
start = dt.datetime(2023, 9, 4, 8, 0, tzinfo=VN)
events = [
    (f"e-{i:04d}@scheduler", f"Đối thoại chính sách số {i}", start + dt.timedelta(hours=i))
    for i in range(n_events)
]
feeds = [FeedRow("all", "plan", None, "Toàn bộ kế hoạch", ics("Toàn bộ kế hoạch", events))]
for c in range(n_communes):
    code = str(18001 + c)
    rows = events[c::n_communes]
    feeds.append(FeedRow(f"commune-{code}", "commune", code, f"Xã {code}", ics(f"Xã {code}", rows)))
publish(path, "bench", feeds)
"""

SCENARIO = "bench"
FEED = f"/{SCENARIO}/commune-18001.ics"
INDEX = f"/{SCENARIO}/"


def free_port() -> int:
    """Return a port that was free a moment ago on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, proc: subprocess.Popen[bytes]) -> None:
    """Wait until the server answers the feed, or give up after 30 s."""
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", FEED)
            status = conn.getresponse().status
            conn.close()
            if status != 200:
                raise SystemExit(f"the server answered {status} for {FEED}")
            return
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("scheduler serve did not start") from None
            time.sleep(0.1)


def feed_client(
    port: int,
    count: int,
    start: threading.Barrier,
    stop_at: list[float],
    done: list[int],
    errors: list[int],
) -> None:
    """GET the feed ``count`` times over one keep-alive connection, or until ``stop_at``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start.wait()
    for _ in range(count):
        if time.perf_counter() > stop_at[0]:
            break
        done.append(1)
        try:
            conn.request("GET", FEED)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
        except (OSError, http.client.HTTPException):
            errors.append(0)
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()


def index_client(
    port: int, vary: bool, start: threading.Barrier, done: threading.Event
) -> Counter[int]:
    """Ask for the index page until ``done``; return the statuses seen."""
    statuses: Counter[int] = Counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start.wait()
    i = 0
    while not done.is_set():
        host = f"h{i}.bench.example" if vary else f"127.0.0.1:{port}"
        i += 1
        try:
            conn.request("GET", INDEX, headers={"Host": host})
            response = conn.getresponse()
            response.read()
            statuses[response.status] += 1
        except (OSError, http.client.HTTPException):
            statuses[0] += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    return statuses


def one_run(
    port: int, requests: int, clients: int, vary: bool, max_seconds: float
) -> tuple[float, Counter[int], int, int]:
    """Return feed requests per second, the index statuses, feed errors and requests made."""
    start = threading.Barrier(clients + 2)
    done = threading.Event()
    errors: list[int] = []
    made: list[int] = []
    stop_at = [time.perf_counter() + 3600.0]
    shares = [requests // clients + (i < requests % clients) for i in range(clients)]
    feeders = [
        threading.Thread(
            target=feed_client, args=(port, n, start, stop_at, made, errors)
        )
        for n in shares
    ]
    seen: list[Counter[int]] = []
    indexer = threading.Thread(
        target=lambda: seen.append(index_client(port, vary, start, done))
    )
    for thread in (*feeders, indexer):
        thread.start()
    stop_at[0] = time.perf_counter() + max_seconds
    start.wait()
    began = time.perf_counter()
    for thread in feeders:
        thread.join()
    elapsed = time.perf_counter() - began
    done.set()
    indexer.join()
    return len(made) / elapsed, seen[0], len(errors), len(made)


def serve(argv: list[str]) -> None:
    """Measure feed throughput with a fixed-Host and a Host-varying index client."""
    parser = argparse.ArgumentParser(prog="bench_feeds.py serve")
    parser.add_argument("--requests", type=int, default=3000, help="feed GETs per run")
    parser.add_argument("--clients", type=int, default=4, help="feed connections")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=30.0,
        help="a run stops here even if not all requests were made",
    )
    parser.add_argument("--events", type=int, default=956)
    parser.add_argument("--communes", type=int, default=49)
    parser.add_argument(
        "--serve-args",
        default="",
        help="more options for scheduler serve, e.g. --allowed-host=*",
    )
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the checkout whose server to run"
    )
    args = parser.parse_args(argv)
    if not 0 < args.max_seconds <= 120:
        raise SystemExit("keep it bounded: 0 < --max-seconds <= 120")
    if not (
        0 < args.requests <= 100_000 and 0 < args.clients <= 16 and 0 < args.runs <= 9
    ):
        raise SystemExit(
            "keep it bounded: 1..100000 requests, 1..16 clients, 1..9 runs"
        )
    root = args.root.resolve()
    env = {**os.environ, "PYTHONPATH": str(root)}
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "plans.sqlite"
        subprocess.run(
            [
                sys.executable,
                "-c",
                STORE_SNIPPET,
                str(store),
                str(args.events),
                str(args.communes),
            ],
            env=env,
            cwd=root,
            check=True,
        )
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scheduler",
                "serve",
                "--store",
                str(store),
                "--port",
                str(port),
                *shlex.split(args.serve_args),
            ],
            env=env,
            cwd=root,  # python -m looks in the working directory first
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_ready(port, proc)
            print(
                f"{args.requests} feed GETs ({FEED}) over {args.clients} connections,"
                f" one more asking for {INDEX}; {args.runs} runs"
            )
            for vary in (False, True):
                label = "Host varying" if vary else "Host fixed"
                rates = []
                for run in range(args.runs):
                    rate, statuses, errors, made = one_run(
                        port, args.requests, args.clients, vary, args.max_seconds
                    )
                    rates.append(rate)
                    answered = ", ".join(
                        f"{s}: {n}" for s, n in sorted(statuses.items())
                    )
                    print(
                        f"  {label}, run {run + 1}: {rate:,.0f} feed req/s"
                        f" ({made} feed GETs, errors {errors};"
                        f" index answers {answered})"
                    )
                print(f"{label}: median {statistics.median(rates):,.0f} feed req/s")
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:  # busy rendering: it will not listen
                proc.kill()
                proc.wait(10)


def main() -> None:
    argv = sys.argv[1:]
    mode = argv.pop(0) if argv and argv[0] in ("build", "serve") else "build"
    (serve if mode == "serve" else build)(argv)


if __name__ == "__main__":
    main()
