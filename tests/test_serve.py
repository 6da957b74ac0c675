"""The feed server over real HTTP on 127.0.0.1 (uvicorn in a thread, stdlib clients)."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
import uvicorn
from typer.testing import CliRunner

from scheduler.cli import app as cli_app
from scheduler.serve.app import classify_path, create_app, redact
from scheduler.serve.conditional import http_date, not_modified
from scheduler.serve.index import staff_feed_url
from scheduler.serve.run import bind, bound_port
from scheduler.serve.tokens import (
    create_tokens,
    hash_secret,
    list_tokens,
    rotate_token,
    secret_matches,
)
from scheduler.store import connect
from tests.serve_store import FeedRow, etag_of, ics, publish, sample_feeds

SCENARIO = "xa-mot-2023"
MODIFIED = "2023-08-01T02:03:04+00:00"
# The same moment as an HTTP date: 02:03:04 UTC on Tuesday 1 August 2023.
MODIFIED_HTTP = "Tue, 01 Aug 2023 02:03:04 GMT"
PUBLIC = ["all", "commune-18001", "commune-18002", "activity-dialogue", "station-18001"]


class Server:
    """uvicorn serving ``create_app(store)`` on a free loopback port, in a thread."""

    def __init__(self, store: Path, base_url: str | None = None) -> None:
        # Bound as scheduler serve binds (Nagle off on its connections).
        self.sock = bind("127.0.0.1", 0)
        self.port = bound_port(self.sock)
        config = uvicorn.Config(
            create_app(store, base_url), log_level="warning", access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()

    def get(
        self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("store") / "plans.sqlite"
    report = ("text/html; charset=utf-8", "<h1>Báo cáo</h1>".encode())
    publish(path, SCENARIO, sample_feeds(), pages={"report.html": report})
    return path


@pytest.fixture(scope="module")
def server(store: Path) -> Iterator[Server]:
    with Server(store) as running:
        yield running


@pytest.fixture(scope="module")
def secrets_by_staff(store: Path) -> dict[str, str]:
    conn = connect(store)
    try:
        return {t.staff_id: t.secret for t in create_tokens(conn, SCENARIO)}
    finally:
        conn.close()


def stored_feed(store: Path, name: str) -> tuple[bytes, str]:
    conn = connect(store)
    try:
        row = conn.execute(
            "SELECT b.body, f.etag FROM feeds f JOIN blobs b ON b.hash = f.body_hash"
            " WHERE f.name = ? ORDER BY f.version DESC",
            (name,),
        ).fetchone()
    finally:
        conn.close()
    return bytes(row[0]), str(row[1])


# --- feeds, validators, conditional requests -------------------------------------


def test_public_feed_is_served_with_calendar_type_and_validators(
    server: Server, store: Path
) -> None:
    status, headers, body = server.get(f"/{SCENARIO}/commune-18001.ics")
    expected_body, expected_etag = stored_feed(store, "commune-18001")
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["ETag"] == expected_etag == etag_of(expected_body)
    assert headers["Last-Modified"] == MODIFIED_HTTP
    assert headers["Cache-Control"] == "public, max-age=300"
    assert body == expected_body
    # The body is the stored calendar: one VEVENT, the first dialogue.
    cal = icalendar.Calendar.from_ical(body)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert uids == ["dialogue-18000-1@scheduler"]


def test_every_public_kind_is_served(server: Server) -> None:
    for name in PUBLIC:
        assert server.get(f"/{SCENARIO}/{name}.ics")[0] == 200, name


@pytest.mark.parametrize(
    ("if_none_match", "expected"),
    [
        ("{etag}", 304),  # the current tag
        ("W/{etag}", 304),  # weak comparison applies to If-None-Match
        ('"other", {etag}', 304),  # any tag of the list
        ("*", 304),
        ('"0000"', 200),  # another tag: the client's copy is stale
    ],
)
def test_if_none_match(
    server: Server, store: Path, if_none_match: str, expected: int
) -> None:
    _, etag = stored_feed(store, "all")
    header = if_none_match.format(etag=etag)
    status, headers, body = server.get(
        f"/{SCENARIO}/all.ics", {"If-None-Match": header}
    )
    assert status == expected
    assert headers["ETag"] == etag
    if expected == 304:
        assert body == b""
        assert headers["Last-Modified"] == MODIFIED_HTTP
        assert "Content-Type" not in headers


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"If-Modified-Since": MODIFIED_HTTP}, 304),  # same second
        ({"If-Modified-Since": "Wed, 02 Aug 2023 00:00:00 GMT"}, 304),  # later
        ({"If-Modified-Since": "Tue, 01 Aug 2023 02:03:03 GMT"}, 200),  # 1 s earlier
        ({"If-Modified-Since": "yesterday"}, 200),  # malformed: ignored
        # If-None-Match takes precedence: a stale tag wins over a current date.
        ({"If-None-Match": '"0000"', "If-Modified-Since": MODIFIED_HTTP}, 200),
    ],
)
def test_if_modified_since(
    server: Server, headers: dict[str, str], expected: int
) -> None:
    assert server.get(f"/{SCENARIO}/all.ics", headers)[0] == expected


def test_head_has_the_get_headers_and_no_body(server: Server) -> None:
    _, get_headers, get_body = server.get(f"/{SCENARIO}/all.ics")
    status, headers, body = server.get(f"/{SCENARIO}/all.ics", method="HEAD")
    assert status == 200
    assert body == b""
    for name in ("Content-Type", "ETag", "Last-Modified", "Cache-Control"):
        assert headers[name] == get_headers[name]
    assert int(headers["Content-Length"]) == len(get_body) > 0
    etag = get_headers["ETag"]
    assert server.get(f"/{SCENARIO}/all.ics", {"If-None-Match": etag}, "HEAD")[0] == 304


def test_page_from_the_store(server: Server) -> None:
    status, headers, body = server.get(f"/{SCENARIO}/report.html")
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert body.decode() == "<h1>Báo cáo</h1>"
    assert (
        server.get(f"/{SCENARIO}/report.html", {"If-None-Match": headers["ETag"]})[0]
        == 304
    )
    assert server.get(f"/{SCENARIO}/other.html")[0] == 404


def test_other_methods_are_refused(server: Server) -> None:
    status, headers, body = server.get(f"/{SCENARIO}/all.ics", method="POST")
    assert status == 405
    assert "GET" in headers["Allow"]
    assert body == b"Method not allowed\n"


# --- private staff feeds ----------------------------------------------------------


def test_staff_feed_needs_its_token(
    server: Server, secrets_by_staff: dict[str, str], store: Path
) -> None:
    secret = secrets_by_staff["LD01"]
    status, headers, body = server.get(f"/{SCENARIO}/staff/LD01/{secret}.ics")
    assert status == 200
    assert body == stored_feed(store, "staff-LD01")[0]
    assert headers["Cache-Control"] == "private, max-age=300"
    assert (
        server.get(
            f"/{SCENARIO}/staff/LD01/{secret}.ics", {"If-None-Match": headers["ETag"]}
        )[0]
        == 304
    )
    other = secrets_by_staff["TR02"]
    refused = [
        f"/{SCENARIO}/staff-LD01.ics",  # a staff feed is never public
        f"/{SCENARIO}/staff/LD01/{secret[:-1]}x.ics",  # one character off
        f"/{SCENARIO}/staff/LD01/{other}.ics",  # someone else's token
        f"/{SCENARIO}/staff/XX99/{secret}.ics",  # nobody
        f"/{SCENARIO}/staff/LD01/.ics",
        f"/{SCENARIO}/staff/LD01/{hash_secret(secret)}.ics",  # the stored hash itself
        f"/other-scenario/staff/LD01/{secret}.ics",
    ]
    for path in refused:
        status, _, body = server.get(path)
        assert (status, body) == (404, b"Not found\n"), path


def test_rotation_invalidates_the_old_url_at_once(server: Server, store: Path) -> None:
    scenario = "rotation"
    publish(store, scenario, sample_feeds())
    conn = connect(store)
    try:
        first = {t.staff_id: t.secret for t in create_tokens(conn, scenario)}
        assert server.get(f"/{scenario}/staff/TR02/{first['TR02']}.ics")[0] == 200
        second = rotate_token(conn, scenario, "TR02").secret
    finally:
        conn.close()
    assert second != first["TR02"]
    assert server.get(f"/{scenario}/staff/TR02/{first['TR02']}.ics")[0] == 404
    assert server.get(f"/{scenario}/staff/TR02/{second}.ics")[0] == 200
    # Rotating one person leaves the others' links alone.
    assert server.get(f"/{scenario}/staff/LD01/{first['LD01']}.ics")[0] == 200


def test_new_publish_is_served_without_restart(server: Server, store: Path) -> None:
    scenario = "republish"
    publish(store, scenario, sample_feeds())
    status, headers, first = server.get(f"/{scenario}/all.ics")
    assert status == 200
    publish(
        store,
        scenario,
        sample_feeds(label=" (đổi)"),
        modified="2023-08-02T00:00:00+00:00",
    )
    status, new_headers, second = server.get(
        f"/{scenario}/all.ics", {"If-None-Match": headers["ETag"]}
    )
    # The old tag no longer matches: the new version comes back whole.
    assert status == 200
    assert second != first
    assert "Đối thoại chính sách (đổi)" in second.decode()
    assert new_headers["ETag"] == etag_of(second) != headers["ETag"]
    assert new_headers["Last-Modified"] == "Wed, 02 Aug 2023 00:00:00 GMT"


def test_a_feed_dropped_by_a_new_version_is_gone(server: Server, store: Path) -> None:
    scenario = "shrinking"
    publish(store, scenario, sample_feeds())
    assert server.get(f"/{scenario}/commune-18002.ics")[0] == 200
    publish(store, scenario, [f for f in sample_feeds() if f.name != "commune-18002"])
    assert server.get(f"/{scenario}/commune-18002.ics")[0] == 404


# --- index pages ------------------------------------------------------------------


def test_index_lists_public_feeds_with_links_and_qr_codes(server: Server) -> None:
    status, headers, body = server.get(f"/{SCENARIO}/", {"Host": "lich.example"})
    page = body.decode()
    assert status == 200
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<html lang="vi">' in page
    assert "Lịch đăng ký" in page
    for name in PUBLIC:
        assert f"http://lich.example/{SCENARIO}/{name}.ics" in page
        assert f"webcal://lich.example/{SCENARIO}/{name}.ics" in page
    # One QR code (inline SVG by segno) per public feed, none for staff.
    assert page.count("<svg") == len(PUBLIC) == 5
    assert "report.html" in page


def test_index_does_not_list_staff_feeds(server: Server) -> None:
    page = server.get(f"/{SCENARIO}/")[2].decode()
    for hidden in ("staff-LD01", "LD01", "TR02", "Nguyễn Văn Lãnh Đạo", "/staff/"):
        assert hidden not in page


def test_index_in_english(server: Server) -> None:
    page = server.get(f"/{SCENARIO}/?lang=en")[2].decode()
    assert '<html lang="en">' in page
    assert "Calendars to subscribe to" in page
    assert "Lịch đăng ký" not in page


def test_home_lists_scenarios_and_redirects_to_their_index(server: Server) -> None:
    page = server.get("/")[2].decode()
    assert f'href="{SCENARIO}/?lang=vi"' in page
    status, headers, _ = server.get(f"/{SCENARIO}")
    assert (status, headers["Location"]) == (308, f"{SCENARIO}/")
    assert server.get("/no-such-scenario")[0] == 404
    assert server.get("/no-such-scenario/")[0] == 404


def test_base_url_option_sets_the_links(store: Path) -> None:
    with Server(store, "https://lich.example.gov.vn/ke-hoach/") as other:
        page = other.get(f"/{SCENARIO}/?lang=en")[2].decode()
    assert f"https://lich.example.gov.vn/ke-hoach/{SCENARIO}/all.ics" in page
    assert f"webcal://lich.example.gov.vn/ke-hoach/{SCENARIO}/all.ics" in page


# --- refusals ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/../pyproject.toml", 404),
        (f"/{SCENARIO}/../../etc/passwd", 404),
        (f"/{SCENARIO}/%2e%2e/%2e%2e/pyproject.toml", 404),
        (f"/{SCENARIO}/%2E%2E%2Fplans.sqlite", 404),
        (f"/{SCENARIO}/..%2fplans.sqlite", 404),
        (f"/{SCENARIO}/..\\..\\pyproject.toml", 404),
        (f"/{SCENARIO}/%5c..%5cplans.sqlite", 404),
        (f"/{SCENARIO}/./all.ics", 404),
        ("/etc/passwd", 404),
        ("/plans.sqlite", 404),
        (f"/{SCENARIO}/plans.sqlite", 404),
        (f"/{SCENARIO}/all.ics%00.html", 400),
        (f"/{SCENARIO}/%0aall.ics", 400),
        (f"/{SCENARIO}/%ff.ics", 400),  # not UTF-8
    ],
)
def test_traversal_and_malformed_paths_are_refused(
    server: Server, path: str, expected: int
) -> None:
    status, _, body = server.get(path)
    assert status == expected
    assert body in (b"Not found\n", b"Bad request\n")


def test_a_malformed_request_gets_a_generic_400(server: Server) -> None:
    for raw in (b"GET /a\x00b HTTP/1.1\r\nHost: x\r\n\r\n", b"NONSENSE\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(raw)
            reply = sock.recv(4096)
        assert reply.startswith(b"HTTP/1.1 400"), reply
        assert b"Traceback" not in reply


def test_classify_path_and_redaction() -> None:
    # Must pass: ordinary names, including Vietnamese ones.
    assert (
        classify_path("/hưng-nguyên/all.ics", b"/h%C6%B0ng-nguy%C3%AAn/all.ics") is None
    )
    assert classify_path("/a/report.v2.html", b"/a/report.v2.html") is None
    # Must break: dot segments, encoded dots, NUL.
    assert classify_path("/a/../b", b"/a/../b") == 404
    assert classify_path("/a/..", b"/a/%2e%2e") == 404
    assert classify_path("/a/\x00", b"/a/%00") == 400
    assert redact("/s/staff/LD01/secret.ics") == "/s/staff/LD01/***.ics"
    assert redact("/s/all.ics") == "/s/all.ics"


def test_not_modified_rules() -> None:
    modified = dt.datetime(2023, 8, 1, 2, 3, 4, tzinfo=dt.UTC)
    assert http_date(modified) == MODIFIED_HTTP
    assert not_modified('"a"', None, '"a"', modified)
    assert not not_modified('"b"', MODIFIED_HTTP, '"a"', modified)
    assert not_modified(None, MODIFIED_HTTP, '"a"', modified)
    assert not not_modified(None, None, '"a"', modified)


# --- tokens -----------------------------------------------------------------------


def test_tokens_are_stored_hashed_and_compared_whole(tmp_path: Path) -> None:
    store = tmp_path / "plans.sqlite"
    publish(store, "s", sample_feeds())
    conn = connect(store)
    try:
        issued = create_tokens(conn, "s")
        # Two staff feeds (LD01, TR02) → two tokens; running again issues none.
        assert [t.staff_id for t in issued] == ["LD01", "TR02"]
        assert create_tokens(conn, "s") == []
        rows = dict(conn.execute("SELECT staff_id, token_hash FROM tokens").fetchall())
    finally:
        conn.close()
    for token in issued:
        assert len(token.secret) == 43  # 32 random bytes, URL-safe base64
        assert rows[token.staff_id] == hashlib.sha256(token.secret.encode()).hexdigest()
        assert secret_matches(token.secret, rows[token.staff_id])
        assert not secret_matches(token.secret + "x", rows[token.staff_id])
        assert not secret_matches(token.secret, None)
    # The secrets are nowhere in the store file.
    raw = store.read_bytes() + b"".join(
        p.read_bytes() for p in tmp_path.glob("plans.sqlite-*")
    )
    assert all(t.secret.encode() not in raw for t in issued)


def test_token_commands(tmp_path: Path) -> None:
    store = tmp_path / "plans.sqlite"
    publish(store, "s", sample_feeds())
    runner = CliRunner()
    base = ["--store", str(store), "--base-url", "https://lich.example/"]
    created = runner.invoke(cli_app, ["token", "create", *base])
    assert created.exit_code == 0, created.output
    urls = re.findall(
        r"https://lich\.example/s/staff/(\w+)/([\w-]+)\.ics", created.output
    )
    assert [u[0] for u in urls] == ["LD01", "TR02"]
    again = runner.invoke(cli_app, ["token", "create", *base])
    assert "https://" not in again.output  # nothing new to show
    listed = runner.invoke(cli_app, ["token", "list", "--store", str(store)])
    assert listed.exit_code == 0
    assert "LD01" in listed.output
    assert "TR02" in listed.output
    assert all(secret not in listed.output for _, secret in urls)
    rotated = runner.invoke(cli_app, ["token", "rotate", "TR02", *base])
    assert rotated.exit_code == 0
    new = re.findall(r"/s/staff/TR02/([\w-]+)\.ics", rotated.output)
    assert len(new) == 1
    assert new[0] != dict(urls)["TR02"]
    conn = connect(store)
    try:
        infos = list_tokens(conn, "s")
    finally:
        conn.close()
    assert [(i.staff_id, i.has_feed) for i in infos] == [("LD01", True), ("TR02", True)]
    # Bad input: unknown person, unknown scenario, missing store → exit 2.
    assert runner.invoke(cli_app, ["token", "rotate", "XX99", *base]).exit_code == 2
    assert (
        runner.invoke(cli_app, ["token", "create", "--scenario", "z", *base]).exit_code
        == 2
    )
    missing = ["token", "list", "--store", str(tmp_path / "none.sqlite")]
    assert runner.invoke(cli_app, missing).exit_code == 2
    assert not (tmp_path / "none.sqlite").exists()


def test_scenario_must_be_named_when_the_store_has_several(tmp_path: Path) -> None:
    store = tmp_path / "plans.sqlite"
    publish(store, "a", sample_feeds())
    publish(store, "b", sample_feeds())
    result = CliRunner().invoke(cli_app, ["token", "create", "--store", str(store)])
    assert result.exit_code == 2
    ok = CliRunner().invoke(
        cli_app, ["token", "create", "--store", str(store), "--scenario", "b"]
    )
    assert ok.exit_code == 0


# --- the command, as a process ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_scheduler_serve_process(tmp_path: Path) -> None:
    store = tmp_path / "plans.sqlite"
    feeds = [
        *sample_feeds(),
        FeedRow(
            "activity-training", "activity", "training", "Tập huấn", ics("Tập huấn", [])
        ),
    ]
    publish(store, "s", feeds)
    conn = connect(store)
    try:
        secret = create_tokens(conn, "s")[0].secret
    finally:
        conn.close()
    port = _free_port()
    env = {**os.environ, "SCHEDULER_STORE": str(store)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scheduler", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                conn_http = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn_http.request("GET", f"/s/staff/LD01/{secret}.ics")
                resp = conn_http.getresponse()
                body = resp.read()
                break
            except OSError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "scheduler serve did not start"
                time.sleep(0.1)
        assert resp.status == 200
        assert b"BEGIN:VCALENDAR" in body
        assert resp.getheader("Server") is None  # no server banner
    finally:
        proc.terminate()
        out, errs = proc.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/".encode() in out
    # The access log hides the secret.
    assert b"/s/staff/LD01/***.ics 200" in errs
    assert secret.encode() not in out + errs


def test_scheduler_serve_without_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli_app, ["serve", "--store", str(tmp_path / "none.sqlite")]
    )
    assert result.exit_code == 2
    not_a_store = tmp_path / "notes.txt"
    not_a_store.write_text("không phải kho", encoding="utf-8")
    # An unbindable host: should the check regress, uvicorn fails (exit 1) instead of serving.
    args = ["serve", "--store", str(not_a_store), "--host", "256.0.0.1"]
    assert CliRunner().invoke(cli_app, args).exit_code == 2
    bad = CliRunner().invoke(
        cli_app,
        ["serve", "--store", str(tmp_path / "none.sqlite"), "--base-url", "ftp://x"],
    )
    assert bad.exit_code == 2


def test_staff_feed_url_quotes_parts() -> None:
    assert (
        staff_feed_url("https://x/", "hưng nguyên", "LD/01", "abc")
        == "https://x/h%C6%B0ng%20nguy%C3%AAn/staff/LD%2F01/abc.ics"
    )


def test_vietnamese_scenario_names_work_percent_encoded(
    server: Server, store: Path
) -> None:
    scenario = "hưng-nguyên-2023"
    publish(store, scenario, sample_feeds())
    encoded = "/h%C6%B0ng-nguy%C3%AAn-2023"  # UTF-8 of ư is C6 B0, of ê is C3 AA
    assert server.get(f"{encoded}/all.ics")[0] == 200
    page = server.get(f"{encoded}/", {"Host": "lich.example"})[2].decode()
    assert f"webcal://lich.example{encoded}/all.ics" in page
    # The same name with a different letter is another scenario: 404.
    assert server.get("/h%C6%B0ng-nguy%C3%A9n-2023/all.ics")[0] == 404


def test_the_server_does_not_import_the_solver() -> None:
    code = (
        "import sys, scheduler.serve.app, scheduler.commands.serve; "
        "print('ortools' in ' '.join(sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"
