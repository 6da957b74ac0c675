"""The rest of the planner's journey: adjust a run, re-plan, publish, history.

The pages and API routes here call the library and nothing else:
:mod:`scheduler.suggest` (in a child process) for an event's alternatives,
:func:`scheduler.replan.replan` (in the solve worker) for moves and changes,
:func:`scheduler.store.publish` and the store's token functions for the
published calendars, :func:`scheduler.store.history` and
:func:`scheduler.store.diff` for the versions. The published feeds are served
by the feed server itself (:func:`scheduler.serve.app.create_app`), mounted
under ``/feeds/``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from scheduler.explain import Relaxation, apply_relaxation
from scheduler.i18n import name_in, pick, t
from scheduler.replan import ChangeSet
from scheduler.serve.reader import StoreReader
from scheduler.serve.tokens import create_tokens
from scheduler.workspace import adjust, editor, store
from scheduler.workspace import plans as plans_mod
from scheduler.workspace import web as core
from scheduler.workspace.editor import whole_amount
from scheduler.workspace.jobs import (
    job_request,
    job_why,
    plan_dir,
    run_dir,
    scenario_path,
)
from scheduler.workspace.text import w, weekday_date

#: The plan store of the workspace, as ``scheduler publish --store`` would keep it.
FEEDS_DB = "feeds.sqlite"


def feeds_path(folder: Path) -> Path:
    """Return the workspace's plan store (published versions and their feeds)."""
    return folder / FEEDS_DB


def _published_path(folder: Path, plan_id: int) -> Path:
    return plan_dir(folder, plan_id) / "published.json"


def _links_path(folder: Path, plan_id: int) -> Path:
    return plan_dir(folder, plan_id) / "staff-links.json"


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_private(path: Path, data: dict[str, Any]) -> None:
    """Write JSON readable by the workspace's owner only (it holds feed secrets)."""
    tmp = path.with_suffix(".tmp")
    tmp.touch(mode=0o600)
    tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), "utf-8")
    tmp.replace(path)


# --------------------------------------------------------------------------- runs


def _run_of(request: Request) -> tuple[core.Workspace, store.PlanRow, int] | None:
    ws = core.workspace_of(request)
    with closing(ws.db()) as conn:
        found = core.finished_run(ws, conn, request)
    if found is None:
        return None
    return ws, found[0], found[1]


def _event_of(scenario: Any, plan: Any, event_id: str, lang: str) -> dict[str, Any]:
    e = next((x for x in plan.events if x.event_id == event_id), None)
    if e is None:
        return {}
    spec = scenario.activities.get(e.activity)
    communes = {c.commune_code: c.commune_name for c in scenario.communes}
    people = {p.staff_id: p.name for p in scenario.staff}
    return {
        "id": e.event_id,
        "kind": e.kind,
        "activity": name_in(spec, lang) if spec else e.activity,
        "commune": communes.get(e.commune_code or "", ""),
        "date": weekday_date(e.start.date(), lang),
        "half_day": w("morning" if e.start.hour < 12 else "afternoon", lang),
        "staff": ", ".join(people.get(s, s) for s in e.staff_ids),
    }


async def event_page(request: Request) -> Response:
    """Show one event of a run: its alternatives (suggest), move or lock it."""
    lang = core.lang_of(request)
    found = _run_of(request)
    event_id = str(request.path_params["event_id"])
    if found is None:
        return core.not_found(request)
    ws, row, run = found
    loaded = await run_in_threadpool(plans_mod.load_run, ws.folder, row.id, run)
    if loaded is None:
        return core.not_found(request)
    event = _event_of(*loaded, event_id, lang)
    if not event:
        return core.not_found(request)
    error = ""
    answer: dict[str, Any] = {"alternatives": [], "role_names": {}}
    if event["kind"] == "session":
        try:
            answer = await run_in_threadpool(
                adjust.suggest_in_child, run_dir(ws.folder, row.id, run), event_id, lang
            )
        except (ValueError, RuntimeError) as exc:
            error = str(exc)
    locked = event_id in adjust.read_locks(ws.folder, row.id)
    return core.page(
        request,
        "event.html",
        plan=row,
        run=run,
        event=event,
        alternatives=answer["alternatives"],
        role_names=answer["role_names"],
        error=error,
        locked=locked,
    )


def start_replan(
    ws: core.Workspace,
    row: store.PlanRow,
    run: int,
    lang: str,
    asked: dict[str, Any],
    time_limit: float | None = None,
) -> store.Job | None:
    """Queue a re-plan of a run in the worker; ``None`` when a solve is running.

    ``asked`` holds ``today``, ``changes`` (docs/replan.md) and ``move``.
    """
    source = run_dir(ws.folder, row.id, run) / "scenario.xlsx"
    with closing(ws.db()) as conn:
        if time_limit is None:  # as long as the run it changes was given
            base = next((j for j in store.jobs_of(conn, row.id) if j.run == run), None)
            time_limit = base.time_limit_s if base is not None else None
        job = store.add_job(conn, row.id, lang, time_limit)
        if job is None:
            return None

        path = job_request(ws.folder, job)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({**asked, "base_run": run}), encoding="utf-8")
        ws.runner.start(conn, job, source=source)
    return job


def _today_of(ws: core.Workspace, row: store.PlanRow, run: int) -> dt.date | None:
    loaded = plans_mod.load_run(ws.folder, row.id, run)
    if loaded is None:
        return None
    return adjust.replan_today(loaded[1], plans_mod.today())


async def move_event(request: Request) -> Response:
    """Move a session to the chosen half-day: a re-plan in the worker."""
    lang = core.lang_of(request)
    form = await request.form()
    found = _run_of(request)
    if found is None:
        return core.not_found(request)
    ws, row, run = found
    event_id = str(request.path_params["event_id"])
    try:
        day = dt.date.fromisoformat(str(form.get("day", "")))
    except ValueError:
        return core.page(request, "message.html", 422, message=w("bad_date", lang))
    half = str(form.get("half", ""))
    if half not in ("morning", "afternoon"):
        return core.not_found(request)
    today = await run_in_threadpool(_today_of, ws, row, run)
    assert today is not None
    asked = {
        "today": today.isoformat(),
        "changes": {},
        "move": {"event": event_id, "day": day.isoformat(), "half": half},
    }
    await run_in_threadpool(start_replan, ws, row, run, lang, asked)
    return RedirectResponse(f"/plans/{row.id}#planning", status_code=303)


async def lock_event(request: Request) -> Response:
    """Lock an event where it is (or unlock it): later re-plans keep it."""
    form = await request.form()
    found = _run_of(request)
    if found is None:
        return core.not_found(request)
    ws, row, run = found
    event_id = str(request.path_params["event_id"])
    loaded = await run_in_threadpool(plans_mod.load_run, ws.folder, row.id, run)
    if loaded is None or not any(e.event_id == event_id for e in loaded[1].events):
        return core.not_found(request)
    if form.get("unlock"):
        adjust.remove_lock(ws.folder, row.id, event_id)
    else:
        adjust.add_lock(ws.folder, row.id, event_id)
    return RedirectResponse(
        f"/plans/{row.id}/runs/{run}?locked={event_id}#agenda", status_code=303
    )


def _replan_form(scenario: Any, lang: str) -> dict[str, Any]:
    return {
        "communes": [(c.commune_code, c.commune_name) for c in scenario.communes],
        "people": [(p.staff_id, p.name) for p in scenario.staff],
        "sources": [(f.id, name_in(f, lang)) for f in scenario.funding],
        "quarters": sorted({q for f in scenario.funding for q in f.allowance_vnd}),
    }


def changes_from_form(form: dict[str, str], lang: str) -> tuple[dict[str, Any], str]:
    """Return the changes (docs/replan.md) a re-plan form asks for, or an error."""
    changes: dict[str, list[dict[str, Any]]] = {}

    def dates(prefix: str) -> tuple[str, str] | None:
        start, end = form.get(f"{prefix}_from", ""), form.get(f"{prefix}_to", "")
        dt.date.fromisoformat(start)
        dt.date.fromisoformat(end or start)
        return start, end or start

    try:
        if form.get("closed_commune"):
            start, end = dates("closed") or ("", "")
            changes["commune_closed"] = [
                {
                    "commune": form["closed_commune"],
                    "start": start,
                    "end": end,
                    "reason": form.get("closed_reason") or None,
                }
            ]
        if form.get("away_staff"):
            start, end = dates("away") or ("", "")
            changes["staff_unavailable"] = [
                {
                    "staff": form["away_staff"],
                    "start": start,
                    "end": end,
                    "reason": form.get("away_reason") or None,
                }
            ]
    except ValueError:
        return {}, w("bad_date", lang)
    if form.get("cut_source"):
        amount = whole_amount(form.get("cut_amount", ""))
        if amount is None:
            return {}, w("bad_amount", lang)
        changes["budget_cut"] = [
            {
                "source": form["cut_source"],
                "quarter": form.get("cut_quarter", ""),
                "amount_vnd": amount,
                "reason": form.get("cut_reason") or None,
            }
        ]
    return changes, ""


async def replan_page(request: Request) -> Response:
    """Show and take the re-plan form: a commune closed, a person away, a budget cut."""
    lang = core.lang_of(request)
    found = _run_of(request)
    if found is None:
        return core.not_found(request)
    ws, row, run = found
    loaded = await run_in_threadpool(plans_mod.load_run, ws.folder, row.id, run)
    if loaded is None:
        return core.not_found(request)
    scenario, plan = loaded
    today = adjust.replan_today(plan, plans_mod.today())
    ctx: dict[str, Any] = {
        "plan": row,
        "run": run,
        "today": today.isoformat(),
        "error": "",
    }
    ctx.update(_replan_form(scenario, lang))
    if request.method == "GET":
        return core.page(request, "replan.html", **ctx)
    form = {k: str(v).strip() for k, v in (await request.form()).items()}
    changes, error = changes_from_form(form, lang)
    try:
        today = dt.date.fromisoformat(form.get("today", ""))
    except ValueError:
        error = error or w("bad_date", lang)
    if error:
        ctx["error"] = error
        return core.page(request, "replan.html", 422, **ctx)
    asked = {"today": today.isoformat(), "changes": changes, "move": None}
    await run_in_threadpool(start_replan, ws, row, run, lang, asked)
    return RedirectResponse(f"/plans/{row.id}#planning", status_code=303)


# --------------------------------------------------------------------------- why


def why_of(folder: Path, job: store.Job, lang: str) -> dict[str, Any] | None:
    """Return what explain found for a failed job: conflict and relaxations, in ``lang``."""
    doc = _read_json(job_why(folder, job))
    if not doc:
        return None
    text = pick(lang, 1, 2)  # the column of the words in this language
    return {
        "prechecks": [f[text] for f in doc.get("prechecks", [])],
        "conflicts": [f[text] for f in doc.get("conflicts", [])],
        "minimal": doc.get("minimal", True),
        "relaxations": [r[pick(lang, 3, 4)] for r in doc.get("relaxations", [])],
        "proven": doc.get("proven"),
    }


async def relax(request: Request) -> Response:
    """Apply one relaxation explain proposed (or all of them) to the plan's workbook.

    The workbook is rewritten with :func:`scheduler.explain.apply_relaxation`
    and checked again; the plan page then shows whether it is valid.
    """
    ws = core.workspace_of(request)
    lang = core.lang_of(request)
    form = await request.form()
    with closing(ws.db()) as conn:
        row = core.plan_row(request, conn)
        job_id = core.small_int(str(request.path_params["job_id"]))
        job = store.get_job(conn, job_id) if job_id is not None else None
    if row is None or job is None or job.plan_id != row.id:
        return core.not_found(request)
    found = _read_json(job_why(ws.folder, job)).get("relaxations", [])
    chosen = str(form.get("i", ""))
    picked = (
        found
        if chosen == "all"
        else found[int(chosen) : int(chosen) + 1]
        if chosen.isdigit()
        else []
    )
    if not picked:
        return core.not_found(request)

    def work() -> list[plans_mod.Problem]:
        path = scenario_path(ws.folder, row.id)
        scenario, problems = plans_mod.check_workbook(path, lang)
        if scenario is None:
            return problems
        changes = [
            Relaxation(str(k), int(a), int(c), vi, en) for k, a, c, vi, en in picked
        ]
        editor.save(path, apply_relaxation(scenario, changes), lang)
        return []

    problems = await run_in_threadpool(work)
    if problems:
        return core.page(request, "message.html", 422, message=w("cannot_edit", lang))
    return RedirectResponse(f"/plans/{row.id}?relaxed=1#planning", status_code=303)


# --------------------------------------------------------------------------- publish


class PublishError(Exception):
    """The plan store could not be written; the message names the file."""


def publish_run(folder: Path, row: store.PlanRow, run: int, lang: str) -> int:
    """Publish a run into the workspace's plan store, as ``scheduler publish`` does.

    Staff who have no private feed link yet get one (the store keeps only the
    secret's hash; the workspace keeps the links for the planner's page).

    Returns
    -------
    int
        The published version.

    Raises
    ------
    PublishError
        When the plan store or the run's files cannot be read or written.
    """
    try:
        return _publish(folder, row, run, lang)
    except (OSError, sqlite3.Error, ValueError) as exc:
        cannot = t("word.cannot_write", lang)
        raise PublishError(f"{feeds_path(folder)}: {cannot} ({exc})") from exc


def _publish(folder: Path, row: store.PlanRow, run: int, lang: str) -> int:
    # the plan store (icalendar) loads on publishing, not with the workspace
    from scheduler.store import connect, publish, read_out_folder

    plan, display, plan_bytes, pages = read_out_folder(run_dir(folder, row.id, run))
    with closing(connect(feeds_path(folder))) as conn:
        result = publish(
            conn,
            plan,
            display,
            now=dt.datetime.now(dt.UTC),
            lang=lang,
            plan_json=plan_bytes,
            pages=pages,
            note=f"{row.name} · {run}",
        )
        issued = create_tokens(conn, plan.scenario)
    links = _read_json(_links_path(folder, row.id))
    for token in issued:
        links[token.staff_id] = token.secret
    _write_private(_links_path(folder, row.id), links)
    _write_private(
        _published_path(folder, row.id),
        {"scenario": plan.scenario, "run": run, "version": result.version},
    )
    return result.version


async def publish_action(request: Request) -> Response:
    """Publish the accepted run (the form on the review page)."""
    lang = core.lang_of(request)
    found = _run_of(request)
    if found is None:
        return core.not_found(request)
    ws, row, run = found
    if row.accepted_run != run:
        return core.page(request, "message.html", 409, message=w("publish_hint", lang))
    try:
        await run_in_threadpool(publish_run, ws.folder, row, run, lang)
    except PublishError as exc:
        return core.page(request, "message.html", 500, message=str(exc))
    return RedirectResponse(f"/plans/{row.id}/publish", status_code=303)


def _published_of(folder: Path, scenario: str) -> Any:
    path = feeds_path(folder)
    if not path.exists():
        return None
    reader = StoreReader(path)
    try:
        return reader.snapshot().scenarios.get(scenario)
    finally:
        reader.close()


def publish_context(
    folder: Path, row: store.PlanRow, base: str, lang: str
) -> dict[str, Any]:
    """Return what the publish page shows: feeds with QR codes, sheets, staff links."""
    # the QR codes (segno) load for this page only
    from scheduler.serve.index import feed_url, qr_svg, staff_feed_url, webcal_url

    info = _read_json(_published_path(folder, row.id))
    scenario = str(info.get("scenario", ""))
    published = _published_of(folder, scenario) if scenario else None
    if published is None:
        return {"published": None}
    feeds_base = base.rstrip("/") + "/feeds"
    feeds = []
    for entry in published.public_feeds():
        url = feed_url(feeds_base, scenario, entry.name)
        feeds.append(
            {
                "title": entry.title,
                "kind": entry.kind,
                "name": entry.name,
                "url": url,
                "webcal": webcal_url(url),
                "qr": qr_svg(webcal_url(url))
                if entry.kind in ("plan", "commune")
                else "",
            }
        )
    sheets = [
        (
            published.pages[n].title.removeprefix("communes/"),
            f"{feeds_base}/{scenario}/{n}",
        )
        for n in sorted(published.pages)
        if n.startswith("communes/")
    ]
    links = _read_json(_links_path(folder, row.id))
    names: dict[str, str] = {}
    loaded = plans_mod.load_run(folder, row.id, int(info.get("run", 0)))
    if loaded is not None:
        names = {p.staff_id: p.name for p in loaded[0].staff}
    staff = [
        (names.get(sid, sid), staff_feed_url(feeds_base, scenario, sid, secret))
        for sid, secret in sorted(links.items())
        if sid in published.staff_feeds
    ]
    return {
        "published": published,
        "published_run": info.get("run"),
        "index_url": f"{feeds_base}/{scenario}/",
        "feeds": feeds,
        "feed_groups": _grouped(feeds),
        "sheets": sheets,
        "staff_links": staff,
        "when": published.published_at.astimezone(
            dt.timezone(dt.timedelta(hours=7))
        ).strftime("%H:%M %d/%m/%Y"),
    }


def _grouped(feeds: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Group the feeds by kind, in the feed server's order (whole plan first)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for feed in feeds:
        groups.setdefault(feed["kind"], []).append(feed)
    return list(groups.items())


async def publish_page(request: Request) -> Response:
    """Show the published calendars of a plan: links, QR codes, sheets, staff links."""
    ws = core.workspace_of(request)
    lang = core.lang_of(request)
    with closing(ws.db()) as conn:
        row = core.plan_row(request, conn)
    if row is None:
        return core.not_found(request)
    base = str(request.base_url)
    ctx = await run_in_threadpool(publish_context, ws.folder, row, base, lang)
    return core.page(request, "publish.html", plan=row, **ctx)


# --------------------------------------------------------------------------- history


def history_context(
    folder: Path, row: store.PlanRow, a: int | None, b: int | None
) -> dict[str, Any]:
    """Return the published versions of the plan and the differences of two of them."""
    # the plan store (icalendar) loads for this page only
    from scheduler.store import connect, diff, history

    info = _read_json(_published_path(folder, row.id))
    scenario = info.get("scenario")
    path = feeds_path(folder)
    if not scenario or not path.exists():
        return {"versions": [], "changes": None}
    with closing(connect(path, create=False)) as conn:
        versions = history(conn, str(scenario))
        numbers = {v.version for v in versions}
        changes = None
        if a in numbers and b in numbers and a is not None and b is not None:
            changes = diff(conn, a, b).changes
    vn = dt.timezone(dt.timedelta(hours=7))
    shown = [
        (v, dt.datetime.fromisoformat(v.published_at).astimezone(vn)) for v in versions
    ]
    return {"versions": shown, "changes": changes, "a": a, "b": b}


async def history_page(request: Request) -> Response:
    """List the published versions; ``?a=&b=`` shows how two of them differ."""
    ws = core.workspace_of(request)
    with closing(ws.db()) as conn:
        row = core.plan_row(request, conn)
    if row is None:
        return core.not_found(request)
    a = core.small_int(request.query_params.get("a", ""))
    b = core.small_int(request.query_params.get("b", ""))
    ctx = await run_in_threadpool(history_context, ws.folder, row, a, b)
    return core.page(request, "history.html", plan=row, **ctx)


# --------------------------------------------------------------------------- API


def _api_run(
    request: Request,
) -> tuple[core.Workspace, store.PlanRow, int] | JSONResponse:
    ws = core.workspace_of(request)
    found = core.PLAN_ID.match(str(request.path_params["plan"]))
    if found is None:
        return core.json_error(404, "no such plan")
    plan_id, run = int(found[1]), int(found[2])
    with closing(ws.db()) as conn:
        row = store.get_plan(conn, plan_id)
        done = any(j.run == run and j.has_plan for j in store.jobs_of(conn, plan_id))
    if (
        row is None
        or not done
        or not (run_dir(ws.folder, plan_id, run) / "plan.json").exists()
    ):
        return core.json_error(404, "no such plan")
    return ws, row, run


async def _json_body(request: Request) -> dict[str, Any] | None:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


async def api_suggest(request: Request) -> Response:
    """``POST /api/plans/{plan}/suggest {"event_id"}``: the event's alternatives."""
    lang = core.lang_of(request)
    found = _api_run(request)
    if isinstance(found, JSONResponse):
        return found
    ws, row, run = found
    doc = await _json_body(request)
    event_id = doc.get("event_id") if doc else None
    if not isinstance(event_id, str) or not event_id:
        return core.json_error(400, 'send {"event_id": "..."}')
    try:
        answer = await run_in_threadpool(
            adjust.suggest_in_child, run_dir(ws.folder, row.id, run), event_id, lang
        )
    except ValueError as exc:
        return core.json_error(422, str(exc))
    except RuntimeError:
        return core.json_error(500, "the alternatives could not be computed")
    return JSONResponse(answer)


async def api_replan(request: Request) -> Response:
    """``POST /api/plans/{plan}/replan {"today", "changes", "move"}``: a re-plan job."""
    from pydantic import ValidationError

    lang = core.lang_of(request)
    found = _api_run(request)
    if isinstance(found, JSONResponse):
        return found
    ws, row, run = found
    doc = await _json_body(request)
    if doc is None:
        return core.json_error(400, "the body must be a JSON object")
    try:
        today = dt.date.fromisoformat(str(doc.get("today", "")))
    except ValueError:
        return core.json_error(400, "today must be a date YYYY-MM-DD")
    changes = doc.get("changes") or {}
    move = doc.get("move")
    try:
        ChangeSet.model_validate(changes)
        if move is not None:
            dt.date.fromisoformat(str(move["day"]))
            if move.get("half") not in ("morning", "afternoon") or not move.get(
                "event"
            ):
                raise ValueError(move)
    except (ValidationError, ValueError, KeyError, TypeError) as exc:
        return core.json_error(
            422, "the changes do not follow docs/replan.md", detail=str(exc)
        )
    asked = {"today": today.isoformat(), "changes": changes, "move": move}
    job = await run_in_threadpool(start_replan, ws, row, run, lang, asked)
    if job is None:
        return core.json_error(409, "a solve of this scenario is running")
    return JSONResponse({"job": job.id}, status_code=202)


async def api_publish(request: Request) -> Response:
    """``POST /api/plans/{plan}/publish``: publish the plan (its accepted run)."""
    lang = core.lang_of(request)
    found = _api_run(request)
    if isinstance(found, JSONResponse):
        return found
    ws, row, run = found
    with closing(ws.db()) as conn:
        if not store.accepted_candidate(conn, row.id, run):
            return core.json_error(409, "a draft is never published")
        store.accept_run(conn, row.id, run)
        fresh = store.get_plan(conn, row.id)
    assert fresh is not None
    try:
        version = await run_in_threadpool(publish_run, ws.folder, fresh, run, lang)
    except PublishError as exc:
        return core.json_error(500, str(exc))
    info = await run_in_threadpool(
        publish_context, ws.folder, fresh, str(request.base_url), lang
    )
    return JSONResponse(
        {
            "version": version,
            "index": info["index_url"],
            "feeds": {f["name"]: f["url"] for f in info["feeds"]},
        },
        status_code=201,
    )


# --------------------------------------------------------------------------- feeds


class FeedMount:
    """The feed server over the workspace's plan store, built at the first request.

    The store appears with the first publish; until then every feed is 404.
    """

    def __init__(self, folder: Path, lang: str) -> None:
        self.folder = folder
        self.lang = lang
        self.app: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a request under ``/feeds/`` with the feed server."""
        if self.app is None:
            path = feeds_path(self.folder)
            if not path.is_file():
                response = Response(
                    "Not found\n", status_code=404, media_type="text/plain"
                )
                await response(scope, receive, send)
                return
            # the feed server loads when /feeds/ is first asked for
            from scheduler.serve.app import create_app

            try:
                self.app = create_app(path, lang=self.lang)
            except (OSError, sqlite3.Error):
                response = Response(
                    "Not found\n", status_code=404, media_type="text/plain"
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
