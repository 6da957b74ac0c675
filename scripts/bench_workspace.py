"""The workspace journey timed: page loads, and "Lập lịch" to a reviewed plan.

Usage:
    python scripts/bench_workspace.py                 # Hưng Nguyên, 3 runs
    python scripts/bench_workspace.py --runs 5 --workers 2

The workspace (``scheduler app``'s application) is served by uvicorn on a free
loopback port in a temporary folder. The bundled Hưng Nguyên scenario is made
into a workbook and uploaded as a new plan, then for each run: the plan list,
the plan page and the new-plan page are loaded (wall time of each GET), the plan
is solved from the page's "Lập lịch" form, the job is polled every 0.1 s as the
page polls it, and the run's review page is loaded. "To a reviewed plan" is from
the POST of the form to the review page's last byte. Medians over the runs, and
every run listed. Only 127.0.0.1 is contacted; the script stops by itself.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from scheduler.scenario.load import load_scenario
from scheduler.scenario.workbook import workbook_bytes
from scheduler.workspace import security, store
from scheduler.workspace.app import create_app

ROOT = Path(__file__).resolve().parents[1]


def _serve(folder: Path, workers: int) -> tuple[uvicorn.Server, str]:
    app = create_app(folder, workers=workers)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{sock.getsockname()[1]}"


def _timed_get(client: httpx.Client, path: str) -> float:
    started = time.perf_counter()
    response = client.get(path)
    response.raise_for_status()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "ws"
        server, base = _serve(folder, args.workers)
        with store.connect(folder) as conn:
            link = security.new_login_link(conn)
        client = httpx.Client(base_url=base, timeout=120, follow_redirects=False)
        client.get(f"/login/{link}")
        page = client.get("/plans").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page)
        assert csrf, "no CSRF token on the plan list"
        token = csrf[1]
        sc = load_scenario(ROOT / "configs" / "scenarios" / "hung-nguyen-2023.toml")
        made = client.post(
            "/api/scenarios",
            headers={"X-CSRF-Token": token},
            files={"workbook": ("hung-nguyen.xlsx", workbook_bytes(sc, "vi"))},
        )
        plan_id = made.json()["id"]
        loads: dict[str, list[float]] = {
            "plan list": [],
            "plan page": [],
            "new plan": [],
        }
        reviewed: list[float] = []
        review_load: list[float] = []
        for _ in range(args.runs):
            loads["plan list"].append(_timed_get(client, "/plans"))
            loads["plan page"].append(_timed_get(client, f"/plans/{plan_id}"))
            loads["new plan"].append(_timed_get(client, "/plans/new"))
            started = time.perf_counter()
            client.post(f"/plans/{plan_id}/solve", data={"csrf": token})
            while True:
                with store.connect(folder) as conn:
                    jobs = store.jobs_of(conn, plan_id)
                job = jobs[0] if jobs else None
                if job is not None and job.state not in store.LIVE_STATES:
                    break
                time.sleep(0.1)
            assert job.state == "done", job
            review_started = time.perf_counter()
            client.get(f"/plans/{plan_id}/runs/{job.run}").raise_for_status()
            now = time.perf_counter()
            review_load.append(now - review_started)
            reviewed.append(now - started)
        server.should_exit = True
    for name, values in loads.items():
        print(f"{name:<24} median {statistics.median(values):.3f} s  {values}")
    print(
        f"{'review page':<24} median {statistics.median(review_load):.3f} s  {review_load}"
    )
    print(
        f"{'Lập lịch → reviewed':<24} median {statistics.median(reviewed):.2f} s  {reviewed}"
    )


if __name__ == "__main__":
    main()
