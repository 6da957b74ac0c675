"""``scheduler charts``: the charts of a plan as HTML pages or PNG/SVG/PDF pictures."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from scheduler.commands.common import (
    Lang,
    console,
    err,
    load_or_exit,
    output_folder,
    read_plan_or_exit,
)

FORMATS = ("html", "png", "svg", "pdf")
PLOTLY_JS = "plotly.min.js"


def register(app: typer.Typer) -> None:
    """Add the ``charts`` command to ``app``."""
    app.command("charts")(charts)


def charts(
    plan_file: Annotated[Path, typer.Argument(help="plan.json.")],
    scenario: Annotated[
        Path,
        typer.Option("--scenario", help="Tệp kịch bản TOML / scenario TOML file."),
    ],
    fmt: Annotated[
        str,
        typer.Option(
            "--format", help="html, png, svg hoặc/or pdf (png/svg/pdf cần kaleido)."
        ),
    ] = "html",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Thư mục (mặc định: thư mục của plan.json); ghi vào <out>/charts/.",
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            help="Ngày vạch 'hôm nay' (YYYY-MM-DD; mặc định hôm nay) / date of the today line.",
        ),
    ] = None,
    lang: Lang = "vi",
) -> None:
    """Write every chart of a plan into <out>/charts/ as HTML or PNG/SVG/PDF pictures."""
    from scheduler.calendar import TZ
    from scheduler.export.charts import all_charts
    from scheduler.export.table import write_atomically

    if fmt not in FORMATS:
        err.print(f"[bold red]--format: {fmt!r} ∉ {', '.join(FORMATS)}[/]")
        raise typer.Exit(2)
    try:
        day = dt.date.fromisoformat(today) if today else dt.datetime.now(TZ).date()
    except ValueError as exc:
        err.print(f"[bold red]--today: {today!r} is not a date YYYY-MM-DD[/]")
        raise typer.Exit(2) from exc
    sc = load_or_exit(scenario, lang)
    plan = read_plan_or_exit(plan_file, lang)
    if plan.input_hash != sc.input_hash:
        err.print(
            f"[yellow]{plan_file}: made from other scenario files than {scenario} "
            "(input hash differs) / kế hoạch lập từ dữ liệu kịch bản khác[/]"
        )
    figures = all_charts(sc, plan, lang, day, pictures=fmt != "html")
    if fmt == "html":
        files = chart_pages(figures)
    else:
        from scheduler.export.images import ImageExportUnavailable, chart_images

        try:
            files = chart_images(figures, fmt)
        except ImageExportUnavailable as exc:
            err.print(str(exc), style="bold red", markup=False)
            raise typer.Exit(1) from exc
    folder = (out or plan_file.parent) / "charts"
    with output_folder(folder, lang):
        write_atomically(folder, files)
    console.print(f"{len(figures)} charts → {folder}/ ({fmt})")


def chart_pages(figures: dict[str, object]) -> dict[str, bytes]:
    """Return one HTML page per chart plus the one plotly.js file they share."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    files = {
        f"{chart_id}.html": pio.to_html(
            fig,
            full_html=True,
            include_plotlyjs=PLOTLY_JS,
            div_id=f"chart-{chart_id}",
            config={"displaylogo": False, "responsive": True},
        ).encode("utf-8")
        for chart_id, fig in figures.items()
    }
    files[PLOTLY_JS] = get_plotlyjs().encode("utf-8")
    return files
