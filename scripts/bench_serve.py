"""Load-test the feed server on loopback: one staff feed, plain and conditional GETs.

Usage: python scripts/bench_serve.py [--clients 1,8] [--seconds 3] [--events 60]
                                     [--store PLANS.sqlite --scenario S --staff ID]

Starts ``scheduler serve`` as a separate process on a free 127.0.0.1 port and
runs, for each number of concurrent clients, two cases of ``--seconds`` each:
``GET`` of a private staff feed (200 with the body) and the same ``GET`` with
``If-None-Match`` set to the feed's ETag (304, no body). Each client is a thread
with one keep-alive ``http.client`` connection. Prints a table and the same
figures as JSON. Without ``--store`` it publishes a synthetic version (one staff
feed of ``--events`` events, made with icalendar); with ``--store`` it works on
a copy of that store, so no real link is rotated.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scheduler.serve.tokens import rotate_token  # noqa: E402
from scheduler.store import connect  # noqa: E402


@dataclass
class Result:
    case: str
    clients: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    body_bytes: int


def synthetic_store(path: Path, events: int) -> tuple[str, str]:
    import datetime as dt

    from tests.serve_store import VN, FeedRow, ics, publish

    start = dt.datetime(2023, 9, 4, 8, 0, tzinfo=VN)
    rows = [
        (
            f"dialogue-{i:04d}@scheduler",
            f"Đối thoại chính sách số {i}",
            start + dt.timedelta(days=i),
        )
        for i in range(events)
    ]
    feed = ics("Nguyễn Văn Lãnh Đạo", rows)
    publish(path, "bench", [FeedRow("staff-LD01", "staff", "LD01", "LD01", feed)])
    return "bench", "LD01"


def copy_store(source: Path, target: Path) -> None:
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    with dst:
        src.backup(dst)
    src.close()
    dst.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes]) -> bytes:
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            conn.close()
            if resp.status != 200:
                raise SystemExit(f"server answered {resp.status} for the staff feed")
            return body
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("scheduler serve did not start") from None
            time.sleep(0.1)


def run_case(
    port: int,
    path: str,
    headers: dict[str, str],
    expect: int,
    clients: int,
    seconds: float,
) -> tuple[list[float], int, float]:
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    barrier = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        barrier.wait()
        mine = latencies[i]
        while time.perf_counter() < stop_at[0]:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == expect
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                ok = False
            mine.append(time.perf_counter() - t0)
            if not ok:
                errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for th in threads:
        th.start()
    stop_at[0] = time.perf_counter() + seconds
    started = time.perf_counter()
    barrier.wait()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - started
    flat = [x for per in latencies for x in per]
    return flat, sum(errors), elapsed


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--clients", default="1,8", help="comma-separated concurrency levels"
    )
    parser.add_argument(
        "--seconds", type=float, default=3.0, help="duration of each case"
    )
    parser.add_argument(
        "--events", type=int, default=60, help="events in the synthetic feed"
    )
    parser.add_argument("--store", type=Path, help="a published store to copy instead")
    parser.add_argument("--scenario")
    parser.add_argument("--staff")
    args = parser.parse_args()
    levels = [int(x) for x in args.clients.split(",")]
    if not 0 < args.seconds <= 30 or not all(0 < n <= 64 for n in levels):
        raise SystemExit("keep it bounded: 0 < --seconds <= 30, 1..64 clients")

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "plans.sqlite"
        if args.store is not None:
            if not (args.scenario and args.staff):
                raise SystemExit("--store needs --scenario and --staff")
            copy_store(args.store, store)
            scenario, staff = args.scenario, args.staff
        else:
            scenario, staff = synthetic_store(store, args.events)
        conn = connect(store)
        secret = rotate_token(conn, scenario, staff).secret
        conn.close()

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
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        path = f"/{scenario}/staff/{staff}/{secret}.ics"
        results: list[Result] = []
        try:
            body = wait_ready(port, path, proc)
            conn_h = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn_h.request("HEAD", path)
            etag = conn_h.getresponse().getheader("ETag") or ""
            conn_h.close()
            for clients in levels:
                for case, headers, expect, size in (
                    ("GET 200", {}, 200, len(body)),
                    ("GET If-None-Match 304", {"If-None-Match": etag}, 304, 0),
                ):
                    lat, errors, elapsed = run_case(
                        port, path, headers, expect, clients, args.seconds
                    )
                    results.append(
                        Result(
                            case,
                            clients,
                            len(lat),
                            errors,
                            round(elapsed, 3),
                            round(len(lat) / elapsed, 1),
                            round(statistics.median(lat) * 1000, 2),
                            round(percentile(lat, 0.99) * 1000, 2),
                            size,
                        )
                    )
        finally:
            proc.terminate()
            proc.wait(10)

    print(
        f"{'case':<24}{'clients':>8}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'bytes':>9}"
    )
    for r in results:
        print(
            f"{r.case:<24}{r.clients:>8}{r.requests:>10}{r.errors:>8}{r.rps:>10.1f}"
            f"{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.body_bytes:>9}"
        )
    print(json.dumps([asdict(r) for r in results], ensure_ascii=False))


if __name__ == "__main__":
    main()
