"""The planner's workspace: a Starlette application of pages and a JSON API.

``create_app(folder)`` builds it over a workspace folder (the database, the
session key, ``plans/``). Every route except the login pages and the static
files needs a session or an API token (:mod:`scheduler.workspace.guard`).
"""

from __future__ import annotations

import itertools
import json
import secrets
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from importlib import resources
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from scheduler.scenario import schema
from scheduler.scenario.workbook import quarter_header
from scheduler.workspace import adjust, editor, journey, security, store
from scheduler.workspace import plans as plans_mod
from scheduler.workspace.guard import MAX_BODY, Guard
from scheduler.workspace.jobs import run_dir, scenario_path
from scheduler.workspace.text import w
from scheduler.workspace.web import (
    LANGS,
    PLAN_ID,
    Workspace,
    finished_run,
    json_error,
    lang_of,
    not_found,
    page,
    plan_row,
    small_int,
    workspace_of,
)

#: Who logged in with the one-time link (the person who started ``scheduler app``).
LOCAL_USER = "local"


# --------------------------------------------------------------------------- login


async def login_link(request: Request) -> Response:
    """Spend a one-time link: a session for the local user, then the plan list."""
    ws = workspace_of(request)
    token = str(request.path_params["token"])
    with closing(ws.db()) as conn:
        ok = security.use_login_link(conn, token)
    if not ok:
        return page(request, "login.html", 403, error=w("link_used", lang_of(request)))
    _start_session(request, LOCAL_USER, account=False)
    return RedirectResponse("/plans", status_code=303)


def _start_session(request: Request, user: str, account: bool = True) -> None:
    lang = request.session.get("lang")
    request.session.clear()
    if lang in LANGS:
        request.session["lang"] = lang
    request.session["user"] = user
    # an account's session ends when the account is removed (checked per request)
    request.session["account"] = account
    request.session["csrf"] = secrets.token_urlsafe(32)


def _safe_next(value: str) -> str:
    # only a path of this site: never //other.host or a scheme
    if value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/plans"


async def login_page(request: Request) -> Response:
    """Show the password login form."""
    if request.method == "GET":
        return page(request, "login.html", next=request.query_params.get("next", ""))
    ws = workspace_of(request)
    lang = lang_of(request)
    form = await request.form()
    user = str(form.get("user", "")).strip()
    password = str(form.get("password", ""))
    target = _safe_next(str(form.get("next", "")))
    address = request.client.host if request.client else ""
    if ws.rate_limit.blocked(user, address):
        return page(
            request, "login.html", 429, error=w("login_blocked", lang), next=target
        )

    def check() -> bool:
        with closing(ws.db()) as conn:
            return security.check_password(conn, user, password)

    if not await run_in_threadpool(check):
        ws.rate_limit.failed(user, address)
        return page(
            request, "login.html", 401, error=w("login_failed", lang), next=target
        )
    ws.rate_limit.succeeded(user, address)
    _start_session(request, user)
    return RedirectResponse(target, status_code=303)


async def logout(request: Request) -> Response:
    """End the session."""
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


# --------------------------------------------------------------------------- plans


def _last_jobs(conn: sqlite3.Connection, ws: Workspace) -> dict[int, store.Job]:
    last: dict[int, store.Job] = {}
    for row in store.list_plans(conn):
        jobs = store.jobs_of(conn, row.id)
        if jobs:
            last[row.id] = ws.runner.refresh(conn, jobs[0], w("worker_lost", ws.lang))
    return last


async def home(request: Request) -> Response:
    """Send the planner to the plan list."""
    return RedirectResponse("/plans", status_code=303)


async def plan_list(request: Request) -> Response:
    """List the plans: name, area, the last run's state."""
    ws = workspace_of(request)

    def rows() -> tuple[list[store.PlanRow], dict[int, store.Job]]:
        with closing(ws.db()) as conn:
            return store.list_plans(conn), _last_jobs(conn, ws)

    plans, last = await run_in_threadpool(rows)
    return page(request, "plans.html", plans=plans, last=last)


async def new_plan_page(request: Request) -> Response:
    """Show the new-plan form: a district of 2023 or a province of 2025, and a year."""
    return _new_plan_form(request)


def _new_plan_form(
    request: Request, status_code: int = 200, error: str = "", problems: Any = ()
) -> HTMLResponse:
    return page(
        request,
        "new_plan.html",
        status_code,
        districts=plans_mod.districts_by_province(),
        provinces=plans_mod.provinces(),
        year=plans_mod.today().year + 1,
        error=error,
        problems=problems,
    )


async def create_plan(request: Request) -> Response:
    """Create a plan from the starter of the chosen area and year."""
    ws = workspace_of(request)
    lang = lang_of(request)
    form = await request.form()
    kind = str(form.get("kind", ""))
    code = str(form.get(kind, "")) if kind in ("district", "province") else ""
    year_text = str(form.get("year", ""))
    year = small_int(year_text)
    if year is None or not 2023 <= year <= 2100:
        return _new_plan_form(request, 422, w("bad_year", lang))
    if kind == "province" and year < 2025:
        return _new_plan_form(request, 422, w("bad_year_2025", lang))

    def create() -> int | None:
        with closing(ws.db()) as conn:
            try:
                return plans_mod.new_plan(ws.folder, conn, kind, code, year, lang)
            except ValueError:
                return None

    plan_id = await run_in_threadpool(create) if code else None
    if plan_id is None:
        return _new_plan_form(request, 422, w("bad_area", lang))
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


async def _read_upload(request: Request, field: str) -> bytes | None:
    form = await request.form(max_part_size=MAX_BODY)
    upload = form.get(field)
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read()
    await form.close()
    return data


async def create_from_upload(request: Request) -> Response:
    """Create a plan from an uploaded workbook (validated first)."""
    ws = workspace_of(request)
    lang = lang_of(request)
    raw = await _read_upload(request, "workbook")
    if not raw:
        return _new_plan_form(request, 422, w("not_xlsx", lang))

    def take() -> tuple[int | None, list[plans_mod.Problem]]:
        with closing(ws.db()) as conn:
            return plans_mod.take_upload(ws.folder, conn, raw, lang)

    plan_id, problems = await run_in_threadpool(take)
    if plan_id is None:
        return _new_plan_form(request, 422, problems=problems)
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


def _plan_context(
    ws: Workspace, conn: sqlite3.Connection, row: store.PlanRow, lang: str
) -> dict[str, Any]:
    jobs = [
        ws.runner.refresh(conn, j, w("worker_lost", lang))
        for j in store.jobs_of(conn, row.id)
    ]
    _, problems = plans_mod.check_workbook(scenario_path(ws.folder, row.id), lang)
    live = next((j for j in jobs if j.state in store.LIVE_STATES), None)
    job = live or (jobs[0] if jobs else None)
    return {
        "plan": row,
        "jobs": jobs,
        "job": job,
        "problems": problems,
        "why": journey.why_of(ws.folder, job, lang)
        if job and job.state == "failed"
        else None,
    }


async def plan_page(request: Request) -> Response:
    """Show a plan: its data (download, upload, problems), planning and its runs."""
    ws = workspace_of(request)
    lang = lang_of(request)

    def context() -> dict[str, Any] | None:
        with closing(ws.db()) as conn:
            row = plan_row(request, conn)
            return _plan_context(ws, conn, row, lang) if row else None

    ctx = await run_in_threadpool(context)
    if ctx is None:
        return not_found(request)
    saved = request.query_params.get("saved") == "1"
    relaxed = request.query_params.get("relaxed") == "1"
    return page(request, "plan.html", saved=saved, relaxed=relaxed, **ctx)


async def download_workbook(request: Request) -> Response:
    """Send the plan's scenario workbook."""
    ws = workspace_of(request)
    with closing(ws.db()) as conn:
        row = plan_row(request, conn)
    if row is None:
        return not_found(request)
    return FileResponse(
        scenario_path(ws.folder, row.id),
        media_type=plans_mod.RUN_FILES["schedule.xlsx"],
        filename=f"plan-{row.id}.xlsx",
        headers={"Cache-Control": "no-store"},
    )


async def upload_workbook(request: Request) -> Response:
    """Replace the plan's workbook by an upload, only when it is valid."""
    ws = workspace_of(request)
    lang = lang_of(request)
    raw = await _read_upload(request, "workbook")

    def take() -> tuple[dict[str, Any] | None, list[plans_mod.Problem]]:
        with closing(ws.db()) as conn:
            row = plan_row(request, conn)
            if row is None:
                return None, []
            problems: list[plans_mod.Problem] = []
            if not raw:
                problems = [plans_mod.Problem(None, None, None, w("not_xlsx", lang))]
            else:
                _, problems = plans_mod.take_upload(ws.folder, conn, raw, lang, row.id)
            fresh = store.get_plan(conn, row.id)
            assert fresh is not None
            return _plan_context(ws, conn, fresh, lang), problems

    ctx, problems = await run_in_threadpool(take)
    if ctx is None:
        return not_found(request)
    if problems:
        return page(request, "plan.html", 422, upload_problems=problems, **ctx)
    return RedirectResponse(f"/plans/{ctx['plan'].id}?uploaded=1", status_code=303)


def _start_solve(
    ws: Workspace, row: store.PlanRow, lang: str, time_limit: float | None
) -> tuple[store.Job | None, list[plans_mod.Problem]]:
    """Validate the plan's workbook and start a worker; (job, []) or (None, problems)."""
    scenario, problems = plans_mod.check_workbook(
        scenario_path(ws.folder, row.id), lang
    )
    if scenario is None:
        return None, problems
    if time_limit is None:
        configured = scenario.solver.parameters.get("max_time_in_seconds")
        time_limit = float(configured) if configured is not None else None
    with closing(ws.db()) as conn:
        job = store.add_job(conn, row.id, lang, time_limit)
        if job is not None:
            ws.runner.start(conn, job)
    return job, []


async def solve_page(request: Request) -> Response:
    """Start a solve from the plan page (the Lập lịch button)."""
    ws = workspace_of(request)
    lang = lang_of(request)
    form = await request.form()
    limit_text = str(form.get("time_limit", "")).strip()
    time_limit = _positive(limit_text)

    def start() -> Response | None:
        with closing(ws.db()) as conn:
            row = plan_row(request, conn)
        if row is None:
            return None
        _start_solve(ws, row, lang, time_limit)
        return RedirectResponse(f"/plans/{row.id}", status_code=303)

    response = await run_in_threadpool(start)
    return response or not_found(request)


def _positive(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if 0 < value <= 24 * 3600 else None


async def progress(request: Request) -> Response:
    """Show the live progress of a plan's latest job (htmx polls it every second)."""
    ws = workspace_of(request)
    lang = lang_of(request)

    def context() -> dict[str, Any] | None:
        with closing(ws.db()) as conn:
            row = plan_row(request, conn)
            return _plan_context(ws, conn, row, lang) if row else None

    ctx = await run_in_threadpool(context)
    if ctx is None:
        return not_found(request)
    response = page(request, "progress.html", **ctx)
    job = ctx["job"]
    if request.headers.get("HX-Request") and (
        job is None or job.state not in store.LIVE_STATES
    ):
        # the run ended while the page polled: reload it whole (runs, the button)
        response.headers["HX-Refresh"] = "true"
    return response


async def cancel_page(request: Request) -> Response:
    """Cancel a plan's running job from the page, or stop it keeping its best plan."""
    ws = workspace_of(request)
    keep = request.url.path.endswith("/stop")
    with closing(ws.db()) as conn:
        row = plan_row(request, conn)
        job_id = small_int(str(request.path_params["job_id"]))
        job = store.get_job(conn, job_id) if job_id is not None else None
        if row is None or job is None or job.plan_id != row.id:
            return not_found(request)
        if not (keep and ws.runner.stop(conn, job)):
            ws.runner.cancel(conn, job)
    return RedirectResponse(f"/plans/{row.id}", status_code=303)


async def review_page(request: Request) -> Response:
    """Show a finished run: key figures, budget, what was left out, the agenda."""
    ws = workspace_of(request)
    lang = lang_of(request)

    def context() -> dict[str, Any] | None:
        with closing(ws.db()) as conn:
            found = finished_run(ws, conn, request)
            if found is None:
                return None
            row, run = found
            draft = not store.accepted_candidate(conn, row.id, run)
        loaded = plans_mod.load_run(ws.folder, row.id, run)
        if loaded is None:
            return None
        review = plans_mod.review(*loaded, lang)
        locks = adjust.read_locks(ws.folder, row.id)
        return {"plan": row, "run": run, "draft": draft, "locks": locks, **review}

    ctx = await run_in_threadpool(context)
    if ctx is None:
        return not_found(request)
    locked_now = request.query_params.get("locked") in ctx["locks"]
    return page(request, "review.html", locked_now=locked_now, **ctx)


async def run_file(request: Request) -> Response:
    """Send one of a finished run's files (report, schedule)."""
    ws = workspace_of(request)
    name = str(request.path_params["name"])
    with closing(ws.db()) as conn:
        found = finished_run(ws, conn, request)
    if found is None or name not in plans_mod.RUN_FILES:
        return not_found(request)
    row, run = found
    return FileResponse(
        run_dir(ws.folder, row.id, run) / name,
        media_type=plans_mod.RUN_FILES[name],
        headers={"Cache-Control": "no-store"},
    )


async def accept(request: Request) -> Response:
    """Mark a finished run as the plan's accepted version."""
    ws = workspace_of(request)
    with closing(ws.db()) as conn:
        found = finished_run(ws, conn, request, accepting=True)
        if found is None:
            return not_found(request)
        row, run = found
        store.accept_run(conn, row.id, run)
    return RedirectResponse(f"/plans/{row.id}", status_code=303)


# --------------------------------------------------------------------------- editor


def _staff_fields(lang: str) -> list[tuple[str, str]]:
    return [(f, editor.label(f, lang)) for f in editor.STAFF_FIELDS]


# what a table editor does with a readable workbook: the page, or a redirect once saved
Edit = Callable[
    [store.PlanRow, Path, schema.Scenario, dict[str, list[str]] | None],
    Response | dict[str, Any],
]


async def _table_editor(
    request: Request,
    template: str,
    empty: dict[str, Any],
    edit: Edit,
    **shown: Any,
) -> Response:
    """Show and save one table of a plan's workbook (``GET`` the form, ``POST`` it).

    ``edit(plan, path, scenario, form)`` returns the page's context, or a
    redirect once the table is saved; ``form`` is None for ``GET``. A workbook
    that cannot be read here shows its problems over ``empty`` rows.
    """
    ws = workspace_of(request)
    lang = lang_of(request)
    form = (
        editor.form_lists((await request.form()).multi_items())
        if request.method == "POST"
        else None
    )

    def work() -> Response | dict[str, Any] | None:
        with closing(ws.db()) as conn:
            row = plan_row(request, conn)
        if row is None:
            return None
        path = scenario_path(ws.folder, row.id)
        scenario, problems = editor.draft(path, lang)
        if scenario is None:
            return {
                "plan": row,
                **empty,
                "cannot": True,
                "problems": problems,
                "status": 422,
            }
        outcome = edit(row, path, scenario, form)
        if isinstance(outcome, Response):
            return outcome
        return {"plan": row, **empty, **outcome}

    result = await run_in_threadpool(work)
    if result is None:
        return not_found(request)
    if isinstance(result, Response):
        return result
    status = int(result.pop("status", 200))
    return page(
        request, template, status, cannot=result.pop("cannot", False), **shown, **result
    )


async def staff_editor(request: Request) -> Response:
    """Show and save the staff table (``GET`` the form, ``POST`` the rows)."""
    lang = lang_of(request)

    def edit(
        row: store.PlanRow,
        path: Path,
        scenario: schema.Scenario,
        form: dict[str, list[str]] | None,
    ) -> Response | dict[str, Any]:
        if form is None:
            return {"rows": editor.staff_rows(scenario), "problems": []}
        people, problems = editor.parse_staff(form, lang)
        if problems:
            # a field the form leaves out (an older page) shows empty
            kept = [
                dict(zip(editor.STAFF_FIELDS, values, strict=True))
                for values in itertools.zip_longest(
                    *(form.get(f, []) for f in editor.STAFF_FIELDS), fillvalue=""
                )
            ]
            return {"rows": kept, "problems": problems, "status": 422}
        editor.save(path, scenario.model_copy(update={"staff": tuple(people)}), lang)
        return RedirectResponse(f"/plans/{row.id}?saved=1#data", status_code=303)

    empty = {"fields": _staff_fields(lang), "rows": []}
    return await _table_editor(request, "staff.html", empty, edit)


async def staff_blank(request: Request) -> Response:
    """Return one empty staff row for the form (the add-a-row button)."""
    lang = lang_of(request)
    return page(request, "staff_row.html", row={}, i=0, fields=_staff_fields(lang))


async def budget_editor(request: Request) -> Response:
    """Show and save the budget table: each source's allowance per quarter."""
    lang = lang_of(request)

    def edit(
        row: store.PlanRow,
        path: Path,
        scenario: schema.Scenario,
        form: dict[str, list[str]] | None,
    ) -> Response | dict[str, Any]:
        ctx = {
            "rows": editor.budget_rows(scenario),
            "quarters": editor.quarters(scenario),
        }
        if form is None:
            return {**ctx, "problems": []}
        sources, problems = editor.parse_budget(scenario, form, lang)
        if problems:
            return {**ctx, "problems": problems, "status": 422}
        editor.save(path, scenario.model_copy(update={"funding": tuple(sources)}), lang)
        return RedirectResponse(f"/plans/{row.id}?saved=1#data", status_code=303)

    empty: dict[str, Any] = {"rows": [], "quarters": []}
    return await _table_editor(
        request,
        "budget.html",
        empty,
        edit,
        quarter_label=lambda q: quarter_header(q, lang),
    )


# --------------------------------------------------------------------------- API


async def api_openapi(request: Request) -> Response:
    """Send the API's OpenAPI description."""
    text = resources.files("scheduler.workspace").joinpath("openapi.json").read_text()
    return Response(text, media_type="application/json")


async def api_create_scenario(request: Request) -> Response:
    """``POST /api/scenarios``: a workbook upload becomes a plan (201) or problems (422)."""
    ws = workspace_of(request)
    lang = lang_of(request)
    try:
        raw = await _read_upload(request, "workbook")
    except Exception:  # not a multipart body
        raw = None
    if not raw:
        return json_error(400, "send the workbook as multipart field 'workbook'")

    def take() -> tuple[int | None, list[plans_mod.Problem]]:
        with closing(ws.db()) as conn:
            return plans_mod.take_upload(ws.folder, conn, raw, lang)

    plan_id, problems = await run_in_threadpool(take)
    if plan_id is None:
        return JSONResponse(
            {"problems": [p.as_json() for p in problems]}, status_code=422
        )
    return JSONResponse({"id": plan_id}, status_code=201)


async def api_workbook(request: Request) -> Response:
    """``GET /api/scenarios/{id}/workbook``."""
    ws = workspace_of(request)
    with closing(ws.db()) as conn:
        row = plan_row(request, conn)
    if row is None:
        return json_error(404, "no such scenario")
    return FileResponse(
        scenario_path(ws.folder, row.id),
        media_type=plans_mod.RUN_FILES["schedule.xlsx"],
    )


async def api_solve(request: Request) -> Response:
    """``POST /api/scenarios/{id}/solve``: start a solve (202 with the job)."""
    ws = workspace_of(request)
    lang = lang_of(request)
    time_limit: float | None = None
    body = await request.body()
    if body.strip():
        try:
            doc = json.loads(body)
        except ValueError:
            return json_error(400, "the body must be JSON")
        value = doc.get("time_limit_s") if isinstance(doc, dict) else None
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return json_error(400, "time_limit_s must be a number of seconds")
            time_limit = _positive(str(value))
            if time_limit is None:
                return json_error(400, "time_limit_s must be > 0 and at most 86400")

    def start() -> Response:
        with closing(ws.db()) as conn:
            row = plan_row(request, conn)
        if row is None:
            return json_error(404, "no such scenario")
        job, problems = _start_solve(ws, row, lang, time_limit)
        if problems:
            return JSONResponse(
                {"problems": [p.as_json() for p in problems]}, status_code=422
            )
        if job is None:
            return json_error(409, "a solve of this scenario is running")
        return JSONResponse({"job": job.id}, status_code=202)

    return await run_in_threadpool(start)


def job_json(job: store.Job) -> dict[str, Any]:
    """Return a job as the API shows it."""
    return {
        "job": job.id,
        "scenario": job.plan_id,
        "state": job.state,
        "objective": job.objective,
        "bound": job.bound,
        "gap": job.gap,
        "elapsed_s": round(job.elapsed_s, 3),
        "time_limit_s": job.time_limit_s,
        "status": job.status,
        "message": job.message,
        "draft": bool(job.draft),
        "plan": f"{job.plan_id}-{job.run}" if job.has_plan else None,
    }


async def api_job(request: Request) -> Response:
    """``GET /api/jobs/{job}`` and ``DELETE /api/jobs/{job}`` (cancel)."""
    ws = workspace_of(request)
    job_id = small_int(str(request.path_params["job_id"]))
    with closing(ws.db()) as conn:
        job = store.get_job(conn, job_id) if job_id is not None else None
        if job is None:
            return json_error(404, "no such job")
        if request.method == "DELETE":
            if request.query_params.get("keep") == "best":
                if not ws.runner.stop(conn, job):
                    return json_error(
                        409, f"no plan to keep ({job.state}); cancel without keep=best"
                    )
            elif not ws.runner.cancel(conn, job):
                return json_error(409, f"the job has ended ({job.state})")
        job = ws.runner.refresh(conn, job, w("worker_lost", "en"))
        fresh = store.get_job(conn, job.id)
    assert fresh is not None
    why = (
        journey.why_of(ws.folder, fresh, lang_of(request))
        if fresh.state == "failed"
        else None
    )
    return JSONResponse({**job_json(fresh), "why": why})


def _plan_file(ws: Workspace, request: Request, name: str) -> Response:
    found = PLAN_ID.match(str(request.path_params["plan"]))
    if found is None:
        return json_error(404, "no such plan")
    plan_id, run = int(found[1]), int(found[2])
    with closing(ws.db()) as conn:
        done = any(j.run == run and j.has_plan for j in store.jobs_of(conn, plan_id))
    path = run_dir(ws.folder, plan_id, run) / name
    if not done or not path.exists():
        return json_error(404, "no such plan")
    return FileResponse(path, media_type=plans_mod.RUN_FILES[name])


async def api_plan(request: Request) -> Response:
    """``GET /api/plans/{plan}``: the run's plan.json."""
    return _plan_file(workspace_of(request), request, "plan.json")


async def api_schedule(request: Request) -> Response:
    """``GET /api/plans/{plan}/schedule.csv``."""
    return _plan_file(workspace_of(request), request, "schedule.csv")


# --------------------------------------------------------------------------- app


def routes() -> list[Route | Mount]:
    """Return every route of the workspace (the tests walk them all)."""
    static = resources.files("scheduler.workspace").joinpath("static")
    run_path = "/plans/{plan_id}/runs/{run}"
    event_path = run_path + "/events/{event_id}"
    return [
        Route("/", home),
        Route("/login", login_page, methods=["GET", "POST"]),
        Route("/login/{token}", login_link),
        Route("/logout", logout, methods=["POST"]),
        Route("/plans", plan_list),
        Route("/plans", create_plan, methods=["POST"]),
        Route("/plans/new", new_plan_page),
        Route("/plans/upload", create_from_upload, methods=["POST"]),
        Route("/plans/{plan_id}", plan_page),
        Route("/plans/{plan_id}/scenario.xlsx", download_workbook),
        Route("/plans/{plan_id}/upload", upload_workbook, methods=["POST"]),
        Route("/plans/{plan_id}/staff", staff_editor, methods=["GET", "POST"]),
        Route("/plans/{plan_id}/staff/blank", staff_blank),
        Route("/plans/{plan_id}/budget", budget_editor, methods=["GET", "POST"]),
        Route("/plans/{plan_id}/solve", solve_page, methods=["POST"]),
        Route("/plans/{plan_id}/progress", progress),
        Route("/plans/{plan_id}/jobs/{job_id}/cancel", cancel_page, methods=["POST"]),
        Route("/plans/{plan_id}/jobs/{job_id}/stop", cancel_page, methods=["POST"]),
        Route("/plans/{plan_id}/runs/{run}", review_page),
        Route("/plans/{plan_id}/runs/{run}/accept", accept, methods=["POST"]),
        Route("/plans/{plan_id}/runs/{run}/files/{name}", run_file),
        Route(event_path, journey.event_page),
        Route(event_path + "/move", journey.move_event, methods=["POST"]),
        Route(event_path + "/lock", journey.lock_event, methods=["POST"]),
        Route(run_path + "/replan", journey.replan_page, methods=["GET", "POST"]),
        Route(run_path + "/publish", journey.publish_action, methods=["POST"]),
        Route("/plans/{plan_id}/publish", journey.publish_page),
        Route("/plans/{plan_id}/jobs/{job_id}/relax", journey.relax, methods=["POST"]),
        Route("/plans/{plan_id}/history", journey.history_page),
        Route("/api/openapi.json", api_openapi),
        Route("/api/scenarios", api_create_scenario, methods=["POST"]),
        Route("/api/scenarios/{plan_id}/workbook", api_workbook),
        Route("/api/scenarios/{plan_id}/solve", api_solve, methods=["POST"]),
        Route("/api/jobs/{job_id}", api_job, methods=["GET", "DELETE"]),
        Route("/api/plans/{plan}", api_plan),
        Route("/api/plans/{plan}/schedule.csv", api_schedule),
        Route("/api/plans/{plan}/suggest", journey.api_suggest, methods=["POST"]),
        Route("/api/plans/{plan}/replan", journey.api_replan, methods=["POST"]),
        Route("/api/plans/{plan}/publish", journey.api_publish, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(static)), name="static"),
    ]


def create_app(
    folder: Path,
    lang: str = "vi",
    *,
    workers: int | None = None,
    secure_cookies: bool = False,
    rate_limit: security.RateLimit | None = None,
    max_body: int = MAX_BODY,
) -> Starlette:
    """Build the workspace application over a workspace folder.

    Parameters
    ----------
    folder : Path
        The workspace folder (created if missing): ``workspace.sqlite``, the
        session key, ``plans/<id>/``.
    lang : str
        The default language of the pages (``vi`` or ``en``).
    workers : int, optional
        CP-SAT's ``num_workers`` for every solve (default: the scenario's).
    secure_cookies : bool
        Mark the session cookie ``Secure`` (when served over https).
    rate_limit : RateLimit, optional
        The failed-login limit (default 5 a minute per user and address).
    max_body : int
        The largest request body in bytes (default 10 MB).
    """
    folder.mkdir(parents=True, exist_ok=True)
    ws = Workspace(folder, lang, workers, rate_limit or security.RateLimit())
    with closing(ws.db()) as conn:
        ws.runner.recover(conn, w("worker_lost", lang))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        ws.runner.stop_all()

    connect: Callable[[], sqlite3.Connection] = ws.db
    app = Starlette(
        routes=[*routes(), Mount("/feeds", app=journey.FeedMount(folder, lang))],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=security.secret_key(folder),
                session_cookie="scheduler_workspace",
                same_site="lax",
                https_only=secure_cookies,
                max_age=12 * 3600,
            ),
            Middleware(Guard, connect=connect, max_body=max_body),
        ],
        lifespan=lifespan,
    )
    app.state.ws = ws
    return app
