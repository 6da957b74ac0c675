"""What every page and API route of the workspace shares.

The workspace state (:class:`Workspace`), the page language, the templates, the
404 page and the API's errors, and the plan and run a path names. The core pages
(:mod:`scheduler.workspace.app`) and the rest of the journey
(:mod:`scheduler.workspace.journey`) both build on it; the application is put
together in :func:`scheduler.workspace.app.create_app`.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse
from starlette.templating import Jinja2Templates

from scheduler.i18n import number, percent, vnd
from scheduler.workspace import security, store
from scheduler.workspace.jobs import Runner, run_dir
from scheduler.workspace.text import w

LANGS = ("vi", "en")


class Workspace:
    """The state shared by the routes: folder, database, solver runner, login limits."""

    def __init__(
        self,
        folder: Path,
        lang: str,
        workers: int | None,
        rate_limit: security.RateLimit,
    ) -> None:
        self.folder = folder
        self.lang = lang
        self.runner = Runner(folder, workers)
        self.rate_limit = rate_limit

    def db(self) -> sqlite3.Connection:
        """Open the workspace database (one connection per use, closed after)."""
        return store.connect(self.folder)


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("scheduler.workspace", "templates"),
        autoescape=True,
    )
    env.filters["vnd"] = vnd
    env.filters["number"] = number
    env.filters["percent"] = percent
    return Jinja2Templates(env=env)


TEMPLATES = _templates()


def workspace_of(request: Request) -> Workspace:
    """Return the workspace the application serves."""
    ws = request.app.state.ws
    assert isinstance(ws, Workspace)
    return ws


def lang_of(request: Request) -> str:
    """Return the page language: ``?lang=`` (remembered in the session), else the default."""
    wanted = request.query_params.get("lang")
    if wanted in LANGS:
        request.session["lang"] = wanted
        return str(wanted)
    kept = request.session.get("lang")
    return str(kept) if kept in LANGS else workspace_of(request).lang


def csrf_token(request: Request) -> str:
    """Return the session's CSRF token, making one on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def page(
    request: Request, name: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page template with the language, the CSRF token and the user."""
    lang = lang_of(request)
    response = TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "w": lambda key: w(key, lang),
            "csrf": csrf_token(request),
            "user": request.session.get("user"),
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def small_int(value: str) -> int | None:
    """Return a path or form value as a small whole number, else ``None``."""
    return int(value) if value.isdigit() and len(value) < 10 else None


def plan_row(request: Request, conn: sqlite3.Connection) -> store.PlanRow | None:
    """Return the plan the path names (``{plan_id}``), or ``None``."""
    plan_id = small_int(str(request.path_params.get("plan_id", "")))
    return store.get_plan(conn, plan_id) if plan_id is not None else None


def not_found(request: Request) -> HTMLResponse:
    """Return the 404 page."""
    return page(request, "message.html", 404, message=w("not_found", lang_of(request)))


def finished_run(
    ws: Workspace, conn: sqlite3.Connection, request: Request, accepting: bool = False
) -> tuple[store.PlanRow, int] | None:
    """Return the plan and run of a run with a plan (only a finished one to accept)."""
    row = plan_row(request, conn)
    run = small_int(str(request.path_params["run"]))
    if row is None or run is None:
        return None
    ok = any(
        j.run == run and (j.state == "done" if accepting else j.has_plan)
        for j in store.jobs_of(conn, row.id)
    )
    if not ok or not (run_dir(ws.folder, row.id, run) / "plan.json").exists():
        return None
    return row, run


def json_error(status: int, message: str, **more: Any) -> JSONResponse:
    """Return an API error: ``{"error": message, ...}`` with the status."""
    return JSONResponse({"error": message, **more}, status_code=status)


PLAN_ID = re.compile(r"^(\d{1,9})-(\d{1,9})$")
