"""A stand-in solve worker that never ends by itself: it marks its job running,
starts a child process (as HiGHS beside CP-SAT would) and sleeps. Only a cancel
that stops the whole process group ends it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from scheduler.workspace import store

if __name__ == "__main__":
    folder, job_id = Path(sys.argv[1]), int(sys.argv[2])
    conn = store.connect(folder)
    store.mark_running(conn, job_id)
    child = subprocess.Popen(["sleep", "300"])
    store.report_progress(conn, job_id, 10.0, 1.0)
    time.sleep(300)
