"""PNG, SVG and PDF pictures of the charts, for pasting into the Word plan.

Pictures are drawn by kaleido (optional extra ``images``), which drives a
Chromium or Chrome already installed on the machine. Nothing is downloaded:
without kaleido or without a browser the caller gets
:class:`ImageExportUnavailable` with a message that says what to install.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import plotly.graph_objects as go

IMAGE_FORMATS = ("png", "svg", "pdf")
# Browser programs kaleido (through choreographer) can drive, most likely first.
BROWSER_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
)
# Width of a picture in CSS pixels: an A4 page in landscape at 96 dpi, about.
IMAGE_WIDTH_PX = 1400


class ImageExportUnavailable(RuntimeError):
    """Pictures cannot be made here: kaleido or a browser is missing."""


def find_browser() -> str | None:
    """Return the browser kaleido will use: ``$BROWSER_PATH`` or one on ``PATH``."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chart_images(
    figures: dict[str, go.Figure], fmt: str, width: int = IMAGE_WIDTH_PX
) -> dict[str, bytes]:
    """Return a picture of every figure, by file name ``<id>.<fmt>``.

    Parameters
    ----------
    figures
        Chart id → figure, e.g. from :func:`scheduler.export.charts.all_charts`.
    fmt
        ``png``, ``svg`` or ``pdf``.
    width
        Picture width in CSS pixels; the height is each figure's own.

    Returns
    -------
    dict[str, bytes]
        ``<id>.<fmt>`` → file contents.

    Raises
    ------
    ValueError
        When ``fmt`` is not one of :data:`IMAGE_FORMATS`.
    ImageExportUnavailable
        When kaleido is not installed, no browser is found, or the browser fails.
    """
    if fmt not in IMAGE_FORMATS:
        raise ValueError(
            f"format must be one of {', '.join(IMAGE_FORMATS)}, not {fmt!r}"
        )
    try:
        import kaleido
        from kaleido.errors import BrowserFailedError, ChromeNotFoundError
    except ImportError as exc:
        raise ImageExportUnavailable(
            "kaleido is not installed: pip install 'scheduler[images]' "
            "/ chưa cài kaleido: pip install 'scheduler[images]'"
        ) from exc
    browser = find_browser()
    if browser is None:
        raise ImageExportUnavailable(
            "no Chromium or Chrome found to draw the pictures: install one "
            "(Debian/Ubuntu: apt-get install -y chromium) or set BROWSER_PATH "
            "/ không tìm thấy trình duyệt Chromium hoặc Chrome để vẽ ảnh: "
            "cài một trình duyệt (apt-get install -y chromium) hoặc đặt BROWSER_PATH"
        )
    with tempfile.TemporaryDirectory(prefix="scheduler-charts-") as tmp:
        jobs: list[dict[str, Any]] = [
            {
                "fig": fig.to_dict(),
                "path": str(Path(tmp) / f"{chart_id}.{fmt}"),
                "opts": {
                    "format": fmt,
                    "width": width,
                    "height": fig.layout.height or 500,
                    "scale": 2 if fmt == "png" else 1,
                },
            }
            for chart_id, fig in figures.items()
        ]
        # MathJax off: kaleido would fetch it from a CDN, and no chart uses LaTeX
        kopts: dict[str, Any] = {"mathjax": False}
        previous = os.environ.get("BROWSER_PATH")
        os.environ["BROWSER_PATH"] = browser
        try:
            errors = kaleido.write_fig_from_object_sync(jobs, kopts=kopts)
        except (ChromeNotFoundError, BrowserFailedError) as exc:
            raise ImageExportUnavailable(
                f"the browser {browser} could not draw the pictures: {exc}"
            ) from exc
        finally:
            if previous is None:
                os.environ.pop("BROWSER_PATH", None)
            else:
                os.environ["BROWSER_PATH"] = previous
        if errors:
            raise ImageExportUnavailable(
                f"the browser {browser} failed on a chart: {errors[0]}"
            )
        return {Path(job["path"]).name: Path(job["path"]).read_bytes() for job in jobs}
