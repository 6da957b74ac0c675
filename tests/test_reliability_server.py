"""The feed server and the plan store under abuse and growth: over real HTTP on 127.0.0.1.

Host-varying clients, secrets in odd paths, half-sent requests, idle and excess
connections, gzip, ``--port 0``, ``token list`` in a pipe; identical bodies
stored once, the WAL cut back, ``scheduler prune``. Nothing here depends on
timing luck: deadlines are short (1 s) and the waits for them long (10 s), and
the off-the-event-loop check blocks a render on an event, not on a clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import http.client
import logging
import os
import re
import select
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from typer.testing import CliRunner

import scheduler.serve.app as app_module
from scheduler.cli import app as cli_app
from scheduler.commands.serve import allowed_hosts
from scheduler.export.display import DisplayData
from scheduler.plan import Plan
from scheduler.scenario.schema import Scenario
from scheduler.serve.app import accepts_gzip, create_app, host_allowed, redact
from scheduler.serve.run import bind, bound_port, make_config
from scheduler.serve.tokens import create_tokens
from scheduler.store import connect, history, prune, publish, store_bytes
from tests.calendar_fixtures import feed_scenario, solved
from tests.serve_store import FeedRow, ics, sample_feeds
from tests.serve_store import publish as publish_rows
from tests.test_serve import Server as ServeServer

SCENARIO = "xa-mot-2023"
ROOT = Path(__file__).resolve().parents[1]


class Server(ServeServer):
    """The feed server on a free loopback port, in a thread, with the CLI's settings."""

    def __init__(
        self,
        store: Path,
        *,
        base_url: str | None = None,
        hosts: tuple[str, ...] | None = None,
        header_timeout: float = 10.0,
        keep_alive: int = 5,
        limit_concurrency: int = 256,
    ) -> None:
        self.sock = bind("127.0.0.1", 0)
        self.port = bound_port(self.sock)
        config = make_config(
            create_app(store, base_url, "vi", hosts),
            header_timeout=header_timeout,
            keep_alive=keep_alive,
            limit_concurrency=limit_concurrency,
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


def big_feed(events: int = 400) -> FeedRow:
    """A whole-plan feed large enough for compression to matter."""
    start = dt.datetime(2023, 9, 4, 8, 0, tzinfo=dt.UTC)
    rows = [
        (f"e-{i:04d}@scheduler", f"Đối thoại chính sách số {i}", start)
        for i in range(events)
    ]
    return FeedRow("all", "plan", None, "Toàn bộ kế hoạch", ics("Toàn bộ", rows))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "plans.sqlite"
    feeds = [big_feed(), *(f for f in sample_feeds() if f.name != "all")]
    publish_rows(path, SCENARIO, feeds)
    return path


@pytest.fixture(scope="module")
def secret(store: Path) -> str:
    conn = connect(store)
    try:
        return {t.staff_id: t.secret for t in create_tokens(conn, SCENARIO)}["LD01"]
    finally:
        conn.close()


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count index renders: each call records the base URL it rendered for."""
    calls: list[str] = []
    real = app_module.render_scenario

    def counting(published: object, base: str, lang: str) -> bytes:
        calls.append(base)
        return real(published, base, lang)  # type: ignore[arg-type]

    monkeypatch.setattr(app_module, "render_scenario", counting)
    return calls


# --- Host-varying clients ------------------------------------------------------------


def test_without_base_url_unknown_hosts_are_refused_before_any_work(
    store: Path, renders: list[str]
) -> None:
    hosts = allowed_hosts("127.0.0.1", None, ["lich.example"])
    with Server(store, hosts=hosts) as server:
        for i in range(20):
            status, _, body = server.get(
                f"/{SCENARIO}/", {"Host": f"h{i}.evil.example"}
            )
            assert (status, body) == (400, b"Bad request\n")
        assert renders == []  # nothing was rendered for them
        assert server.get(f"/{SCENARIO}/", {"Host": "lich.example:8080"})[0] == 200
        assert (
            server.get(f"/{SCENARIO}/", {"Host": f"127.0.0.1:{server.port}"})[0] == 200
        )
        assert server.get(f"/{SCENARIO}/", {"Host": "[::1]:8080"})[0] == 200
        # Feeds are refused as well: the Host is checked before routing.
        assert server.get(f"/{SCENARIO}/all.ics", {"Host": "x.example"})[0] == 400
    assert len(renders) == 3


def test_with_base_url_every_host_is_served_from_one_cached_page(
    store: Path, renders: list[str]
) -> None:
    assert allowed_hosts("0.0.0.0", "https://lich.example.gov.vn", []) is None
    with Server(store, base_url="https://lich.example.gov.vn") as server:
        pages = {
            server.get(f"/{SCENARIO}/", {"Host": f"h{i}.example"})[2] for i in range(40)
        }
    assert len(pages) == 1
    assert b"https://lich.example.gov.vn/" in pages.pop()
    assert renders == ["https://lich.example.gov.vn"]


def test_any_host_allowed_keeps_a_bounded_least_recently_used_cache(
    store: Path, renders: list[str]
) -> None:
    size = app_module.INDEX_CACHE_SIZE
    with Server(store, hosts=("*",)) as server:
        for i in range(size + 8):
            assert server.get(f"/{SCENARIO}/", {"Host": f"h{i}.example"})[0] == 200
        assert len(renders) == size + 8
        last = f"h{size + 7}.example"
        server.get(f"/{SCENARIO}/", {"Host": last})  # still cached
        assert len(renders) == size + 8
        server.get(f"/{SCENARIO}/", {"Host": "h0.example"})  # evicted long ago
        assert len(renders) == size + 9


def test_index_render_does_not_block_the_feeds(
    store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    real = app_module.render_scenario

    def slow(published: object, base: str, lang: str) -> bytes:
        started.set()
        assert release.wait(20), "the test never released the render"
        return real(published, base, lang)  # type: ignore[arg-type]

    monkeypatch.setattr(app_module, "render_scenario", slow)
    with Server(store, hosts=("*",)) as server:
        results: list[int] = []
        index = threading.Thread(
            target=lambda: results.append(server.get(f"/{SCENARIO}/")[0])
        )
        index.start()
        try:
            assert started.wait(10)
            # The render is stuck; a feed must still be answered meanwhile.
            assert server.get(f"/{SCENARIO}/commune-18001.ics")[0] == 200
        finally:
            release.set()
            index.join(20)
    assert results == [200]


def test_host_rules() -> None:
    allowed = ("localhost", "127.0.0.1", "::1", "*.example.org")
    assert host_allowed("LOCALHOST:8080", allowed)
    assert host_allowed("[::1]:8080", allowed)
    assert host_allowed("lich.example.org", allowed)
    assert host_allowed(None, allowed)  # HTTP/1.0 without Host: our own address
    assert not host_allowed("example.org", allowed)
    assert not host_allowed("127.0.0.1.evil.example", allowed)
    assert not host_allowed("", allowed)
    assert host_allowed("anything", ("*",))
    hosts = allowed_hosts("192.0.2.7", "https://lich.example", ["extra.example"])
    assert hosts is not None
    assert {"localhost", "192.0.2.7", "lich.example", "extra.example"} <= set(hosts)
    assert "0.0.0.0" not in (allowed_hosts("0.0.0.0", None, []) or ())


# --- secrets in the access log --------------------------------------------------------


def odd_paths(secret: str) -> list[str]:
    return [
        f"/{SCENARIO}/staff/LD01/{secret}.ics",
        f"/{SCENARIO}/staff/LD01/{secret}.ics/x",
        f"//{SCENARIO}/staff/LD01/{secret}.ics",
        f"/{SCENARIO}//staff/LD01/{secret}.ics",
        f"/{SCENARIO}/staff/LD01/{secret}.ics.bak",
        f"/{SCENARIO}/staff/LD01/x{secret}y.ics",
        f"/{SCENARIO}/{secret}.ics",
        f"/{secret}",
        f"/{SCENARIO}/staff/{secret}/LD01.ics",
        f"/{SCENARIO}/staff/LD01/%{ord(secret[0]):02X}{secret[1:]}.ics",
    ]


def test_the_access_log_never_shows_a_secret(store: Path, secret: str) -> None:
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Keep(level=logging.INFO)
    logger = logging.getLogger("scheduler.serve.access")
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        with Server(store) as server:
            statuses = [server.get(path)[0] for path in odd_paths(secret)]
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    assert statuses[0] == 200
    assert len(records) == len(odd_paths(secret))
    text = "\n".join(records)
    for piece in (secret, secret[:22], secret[21:]):
        assert piece not in text
    assert "staff/LD01/***.ics 200" in text


def test_redact_hides_secret_like_runs_anywhere() -> None:
    secret = "A" * 20 + "b-_9" * 5 + "zzz"  # 43 characters, like a real one
    assert redact(f"/s/staff/LD01/{secret}.ics/x") == "/s/staff/LD01/***.ics/x"
    assert redact(f"//s/staff/LD01/{secret}.ics") == "//s/staff/LD01/***.ics"
    assert redact("/hung-nguyen-2023/commune-18001.ics") == (
        "/hung-nguyen-2023/commune-18001.ics"
    )


# --- connections: half-sent heads, idle clients, too many clients ----------------------


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Wait until the server closes the connection (EOF or reset), up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.2)
        if ready:
            try:
                if sock.recv(4096) == b"":
                    return True
            except ConnectionError:
                return True
    return False


def test_a_half_sent_request_head_is_closed_after_the_header_timeout(
    store: Path,
) -> None:
    with Server(store, header_timeout=1.0) as server:
        with server.connect() as silent, server.connect() as partial:
            partial.sendall(b"GET /" + SCENARIO.encode() + b"/all.ics HTTP/1.1\r\nHo")
            assert closed_within(partial, 10)
            assert closed_within(silent, 10)
        # A later request on the same server is answered as usual.
        assert server.get(f"/{SCENARIO}/all.ics")[0] == 200


def test_a_head_sent_one_byte_at_a_time_is_closed_too(store: Path) -> None:
    request = b"GET /" + SCENARIO.encode() + b"/all.ics HTTP/1.1\r\n" + b"X: y\r\n" * 40
    with Server(store, header_timeout=1.0) as server, server.connect() as sock:
        closed = False
        for byte in request:
            try:
                sock.sendall(bytes([byte]))
            except ConnectionError:
                closed = True
                break
            if closed_within(sock, 0.2):
                closed = True
                break
        assert closed, "the server waited for the whole drip-fed head"


def test_the_next_request_on_a_kept_alive_connection_has_a_deadline(
    store: Path,
) -> None:
    head = b"GET /" + SCENARIO.encode() + b"/commune-18001.ics HTTP/1.1\r\nHost: a\r\n"
    with (
        Server(store, header_timeout=1.0, keep_alive=60) as server,
        server.connect() as sock,
    ):
        sock.sendall(head + b"\r\n")
        reply = b""
        while b"END:VCALENDAR" not in reply:
            chunk = sock.recv(65536)
            assert chunk, "closed before the response"
            reply += chunk
        assert reply.startswith(b"HTTP/1.1 200")
        sock.sendall(head)  # the next request, without its blank line
        assert closed_within(sock, 10)


def test_idle_connections_are_closed_after_the_keep_alive_timeout(store: Path) -> None:
    with Server(store, keep_alive=1) as server, server.connect() as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        assert closed_within(sock, 10)


def test_connections_beyond_the_limit_get_503(store: Path) -> None:
    with Server(store, limit_concurrency=3, keep_alive=60) as server:
        held = [
            http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            for _ in range(3)
        ]
        try:
            for conn in held:  # a full exchange: each is surely open on the server
                conn.request("GET", f"/{SCENARIO}/commune-18001.ics")
                response = conn.getresponse()
                response.read()
            assert response.status in (200, 503)
            assert server.get(f"/{SCENARIO}/commune-18001.ics")[0] == 503
        finally:
            for conn in held:
                conn.close()
        deadline = time.monotonic() + 10
        while server.get(f"/{SCENARIO}/commune-18001.ics")[0] != 200:
            assert time.monotonic() < deadline, "still refused after the others left"
            time.sleep(0.05)


def test_responses_are_not_held_back_by_nagle(store: Path) -> None:
    # With Nagle's algorithm on, each keep-alive response waited ~40 ms for the
    # client's delayed ACK (about 20 requests a second on one connection).
    with Server(store) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", f"/{SCENARIO}/commune-18001.ics")
            conn.getresponse().read()
            open_now = list(server.server.server_state.connections)
            flags = [
                p.transport.get_extra_info("socket").getsockopt(
                    socket.IPPROTO_TCP, socket.TCP_NODELAY
                )
                for p in open_now
            ]
        finally:
            conn.close()
    assert flags
    assert all(flags)


# --- gzip ------------------------------------------------------------------------------


def test_feeds_and_pages_are_gzipped_when_asked(store: Path) -> None:
    with Server(store) as server:
        _, plain_headers, plain = server.get(f"/{SCENARIO}/all.ics")
        status, headers, packed = server.get(
            f"/{SCENARIO}/all.ics", {"Accept-Encoding": "gzip, deflate"}
        )
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in headers["Vary"]
        assert gzip.decompress(packed) == plain
        assert len(packed) * 5 < len(plain)
        assert int(headers["Content-Length"]) == len(packed)
        assert "Content-Encoding" not in plain_headers
        assert "Accept-Encoding" in plain_headers["Vary"]
        # The gzip form has a weak tag; it and the plain tag both revalidate.
        assert headers["ETag"] == "W/" + plain_headers["ETag"]
        for tag in (headers["ETag"], plain_headers["ETag"]):
            asked = {"Accept-Encoding": "gzip", "If-None-Match": tag}
            assert server.get(f"/{SCENARIO}/all.ics", asked)[0] == 304
        # HEAD tells the gzip length and sends nothing.
        status, head, body = server.get(
            f"/{SCENARIO}/all.ics", {"Accept-Encoding": "gzip"}, "HEAD"
        )
        assert (status, body, head["Content-Length"]) == (200, b"", str(len(packed)))
        # gzip;q=0 refuses it.
        refused = server.get(f"/{SCENARIO}/all.ics", {"Accept-Encoding": "gzip;q=0"})
        assert "Content-Encoding" not in refused[1]
        # The index pages too.
        _, index_headers, index = server.get(
            f"/{SCENARIO}/", {"Accept-Encoding": "gzip"}
        )
        assert index_headers["Content-Encoding"] == "gzip"
        assert b"<svg" in gzip.decompress(index)


def test_accept_encoding_rules() -> None:
    assert accepts_gzip("gzip")
    assert accepts_gzip("br, gzip;q=0.5")
    assert accepts_gzip("*")
    assert not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("identity")
    assert not accepts_gzip(None)


# --- the commands as processes -----------------------------------------------------------


def run_cli(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args, "--store", str(store)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "40"},
        timeout=60,
    )


def test_serve_port_0_prints_the_port_it_got(tmp_path: Path) -> None:
    store = tmp_path / "plans.sqlite"
    publish_rows(store, "s", sample_feeds())
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scheduler",
            "serve",
            "--port",
            "0",
            "--store",
            str(store),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "serve printed nothing"
        line = proc.stdout.readline().decode()
        found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert found, line
        port = int(found.group(1))
        assert port != 0
        deadline = time.monotonic() + 20
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/s/all.ics")
                assert conn.getresponse().status == 200
                conn.close()
                break
            except ConnectionRefusedError:
                assert time.monotonic() < deadline, (
                    "nothing listens on the printed port"
                )
                time.sleep(0.1)
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def test_serve_on_a_port_in_use_exits_1_with_one_line(tmp_path: Path) -> None:
    store = tmp_path / "plans.sqlite"
    publish_rows(store, "s", sample_feeds())
    with bind("127.0.0.1", 0) as taken:
        taken.listen()
        args = ["serve", "--port", str(bound_port(taken)), "--store", str(store)]
        result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 1
    assert "Traceback" not in result.output


def test_token_commands_keep_tabs_and_whole_urls_in_a_pipe(tmp_path: Path) -> None:
    store = tmp_path / "plans.sqlite"
    publish_rows(store, "hung-nguyen-2023-phuong-an-dai", sample_feeds())
    created = run_cli(
        "token", "create", "--base-url", "https://lich.example", store=store
    )
    assert created.returncode == 0, created.stderr
    lines = [line for line in created.stdout.splitlines() if "\t" in line]
    assert [line.split("\t")[0] for line in lines] == ["LD01", "TR02"]
    for line in lines:  # one line each, however narrow the terminal: no wrapping
        assert re.fullmatch(
            r"\w+\thttps://lich\.example/\S+/staff/\w+/[\w-]{43}\.ics", line
        )
    listed = run_cli("token", "list", store=store)
    assert listed.returncode == 0, listed.stderr
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert rows[0] == ["scenario", "staff_id", "created_at", "feed"]
    assert [row[1] for row in rows[1:]] == ["LD01", "TR02"]
    assert all(len(row) == 4 for row in rows)


# --- the store: bodies once, the WAL cut back, prune ---------------------------------------


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return feed_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> Plan:
    return solved(scenario)


@pytest.fixture(scope="module")
def display(scenario: Scenario) -> DisplayData:
    return DisplayData.from_scenario(scenario)


T0 = dt.datetime(2023, 8, 1, 3, 0, tzinfo=dt.UTC)
#: A report-sized page that does not compress: growth cannot hide in SQLite pages.
REPORT = hashlib.sha256(b"seed").digest() * (2 * 1024 * 1024 // 32)


def test_publishing_the_same_plan_twice_stores_the_bodies_once(
    tmp_path: Path, plan: Plan, display: DisplayData
) -> None:
    path = tmp_path / "plans.sqlite"
    conn = connect(path)
    try:
        first = publish(conn, plan, display, now=T0, pages={"report.html": REPORT})
        after_first = store_bytes(path)
        publish(
            conn,
            plan,
            display,
            now=T0 + dt.timedelta(days=1),
            pages={"report.html": REPORT},
        )
        after_second = store_bytes(path)
        # The WAL was checkpointed and cut back, while the connection is open.
        wal_size = path.with_name(path.name + "-wal").stat().st_size
        blobs = conn.execute("SELECT count(*) FROM blobs").fetchone()[0]
        rows = conn.execute("SELECT count(*) FROM feeds").fetchone()[0]
    finally:
        conn.close()
    bodies = len(REPORT) + sum(len(f.body) for f in first.feeds)
    assert after_second - after_first < bodies / 10
    assert rows == 2 * len(first.feeds)
    assert blobs == len({f.body for f in first.feeds}) + 1
    assert wal_size == 0


OLD_SCHEMA = """
CREATE TABLE versions (
    version INTEGER PRIMARY KEY AUTOINCREMENT, scenario TEXT NOT NULL,
    published_at TEXT NOT NULL, input_hash TEXT NOT NULL, plan_json BLOB NOT NULL,
    note TEXT);
CREATE TABLE feeds (
    version INTEGER NOT NULL REFERENCES versions(version), name TEXT NOT NULL,
    kind TEXT NOT NULL, subject TEXT, title TEXT NOT NULL, body BLOB NOT NULL,
    etag TEXT NOT NULL, last_modified TEXT NOT NULL, PRIMARY KEY (version, name));
CREATE TABLE pages (
    version INTEGER NOT NULL REFERENCES versions(version), name TEXT NOT NULL,
    content_type TEXT NOT NULL, body BLOB NOT NULL, etag TEXT NOT NULL,
    last_modified TEXT NOT NULL, PRIMARY KEY (version, name));
CREATE TABLE event_state (
    scenario TEXT NOT NULL, uid TEXT NOT NULL, sequence INTEGER NOT NULL,
    content_hash TEXT NOT NULL, last_modified TEXT NOT NULL, cancelled_at TEXT,
    PRIMARY KEY (scenario, uid));
CREATE TABLE tokens (
    scenario TEXT NOT NULL, staff_id TEXT NOT NULL, token_hash TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (scenario, staff_id));
"""


MOD = "2023-08-01T00:00:00+00:00"


def old_store(path: Path) -> list[FeedRow]:
    """A store as older versions wrote it: every body inline, twice."""
    feeds = sample_feeds()
    conn = sqlite3.connect(path)
    with conn:
        conn.executescript(OLD_SCHEMA)
        for version in (1, 2):
            conn.execute(
                "INSERT INTO versions VALUES (?, 's', ?, ?, ?, NULL)",
                (version, f"2023-08-0{version}T00:00:00+00:00", "0" * 64, b"{}"),
            )
            conn.executemany(
                "INSERT INTO feeds VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (version, f.name, f.kind, f.subject, f.title, f.body, '"e"', MOD)
                    for f in feeds
                ],
            )
            conn.execute(
                "INSERT INTO pages VALUES (?, 'report.html', 'text/html', ?, '\"e\"', ?)",
                (version, REPORT, MOD),
            )
        conn.execute("INSERT INTO tokens VALUES ('s', 'LD01', 'h', '2023')")
    conn.close()
    return feeds


def test_an_old_store_is_served_as_is_and_migrated_in_place(tmp_path: Path) -> None:
    path = tmp_path / "plans.sqlite"
    feeds = old_store(path)
    # The server only reads: it serves the old layout without changing it.
    with Server(path) as server:
        assert server.get("/s/all.ics")[2] == feeds[0].body
    plain = sqlite3.connect(path)
    try:
        assert "body" in [r[1] for r in plain.execute("PRAGMA table_info(feeds)")]
    finally:
        plain.close()
    before = path.stat().st_size
    conn = connect(path, create=False)
    try:
        columns = [r[1] for r in conn.execute("PRAGMA table_info(feeds)")]
        blobs = conn.execute("SELECT count(*) FROM blobs").fetchone()[0]
        body = conn.execute(
            "SELECT b.body FROM feeds f JOIN blobs b ON b.hash = f.body_hash"
            " WHERE f.version = 2 AND f.name = 'all'"
        ).fetchone()[0]
        tokens = conn.execute("SELECT count(*) FROM tokens").fetchone()[0]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert [v.version for v in history(conn)] == [1, 2]
    finally:
        conn.close()
    assert "body" not in columns
    assert "body_hash" in columns
    assert blobs == len({f.body for f in feeds}) + 1  # each distinct body once
    assert body == feeds[0].body
    assert tokens == 1
    assert path.stat().st_size < before - len(REPORT) / 2  # the copy is gone
    with Server(path) as server:
        assert server.get("/s/all.ics")[2] == feeds[0].body
        assert server.get("/s/report.html")[2] == REPORT


def report(day: int) -> bytes:
    return f"<p>report {day}</p>".encode() * 50_000


def test_prune_keeps_the_newest_versions_and_drops_unused_bodies(
    tmp_path: Path, plan: Plan, display: DisplayData
) -> None:
    path = tmp_path / "plans.sqlite"
    conn = connect(path)
    try:
        for day in range(4):
            page = report(day)  # a different report each time
            publish(
                conn,
                plan,
                display,
                now=T0 + dt.timedelta(days=day),
                pages={"report.html": page},
            )
        result = prune(conn, path, 2)
        left = [v.version for v in history(conn)]
        stored = {str(h) for (h,) in conn.execute("SELECT hash FROM blobs")}
        dangling = conn.execute(
            "SELECT count(*) FROM feeds WHERE body_hash NOT IN (SELECT hash FROM blobs)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert left == [3, 4]
    assert result.deleted == {plan.scenario: (1, 2)}
    reports = [hashlib.sha256(report(day)).hexdigest() for day in range(4)]
    assert [h in stored for h in reports] == [False, False, True, True]
    assert dangling == 0
    assert result.bytes_after < result.bytes_before


def test_prune_keeps_a_version_that_holds_a_cancelled_event(
    tmp_path: Path, plan: Plan, display: DisplayData
) -> None:
    path = tmp_path / "plans.sqlite"
    dropped = plan.events[0].event_id
    smaller = dataclasses.replace(
        plan, events=tuple(e for e in plan.events if e.event_id != dropped)
    )
    conn = connect(path)
    try:
        publish(conn, plan, display, now=T0)
        for day in (1, 2, 3):
            publish(conn, smaller, display, now=T0 + dt.timedelta(days=day))
        result = prune(conn, path, 1)
        left = [v.version for v in history(conn)]
        # The cancelled event still shows, with its content, in the next publish.
        again = publish(conn, smaller, display, now=T0 + dt.timedelta(days=4))
    finally:
        conn.close()
    assert left == [1, 4]
    assert result.kept_for_cancelled == (1,)
    assert again.warnings == ()


def test_prune_command(tmp_path: Path) -> None:
    path = tmp_path / "plans.sqlite"
    for label in ("a", "b", "c"):
        publish_rows(path, "s", sample_feeds(label=label))
    publish_rows(path, "t", sample_feeds())
    ok = CliRunner().invoke(
        cli_app, ["prune", "--keep", "1", "--store", str(path), "--lang", "en"]
    )
    assert ok.exit_code == 0, ok.output
    assert "s: Deleted 2 old versions (1, 2)" in ok.output
    conn = connect(path)
    try:
        assert [(v.scenario, v.version) for v in history(conn)] == [("s", 3), ("t", 4)]
    finally:
        conn.close()
    vi = CliRunner().invoke(cli_app, ["prune", "--keep", "1", "--store", str(path)])
    assert vi.exit_code == 0
    assert "kích thước kho" in vi.output
    for bad in (
        ["prune", "--keep", "0", "--store", str(path)],
        ["prune", "--keep", "1", "--store", str(tmp_path / "none.sqlite")],
    ):
        result = CliRunner().invoke(cli_app, bad)
        assert result.exit_code == 2
        assert "Traceback" not in result.output
    assert not (tmp_path / "none.sqlite").exists()
