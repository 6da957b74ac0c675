"""ke-hoach.docx: the plan as an official document (Kế hoạch) ready to edit and sign.

The layout follows the district and commune plans the programme issues, and
the presentation rules of Nghị định 30/2020/NĐ-CP on administrative documents:
A4, Times New Roman 13–14 pt, margins 20 mm top and bottom, 30 mm left, 15 mm
right; the issuing body and number top left and the national heading top
right in a borderless two-column table; the title ``KẾ HOẠCH`` and its
subject; sections I–V; ``Nơi nhận:`` and the signature block; then the
appendices (Phụ lục) with the dated schedule, on landscape pages.

What the scenario and the plan know (numbers of events and communes, dates,
venues, people, money by source and quarter) is filled in; everything else
(legal bases, number and date of issue, signer, purpose) is a placeholder in
brackets, highlighted, for the planner to write. Staff are named: this is a
planner's working file, like ``schedule.xlsx``, not a public output.

:func:`plan_docx` is a pure function of the scenario, the plan and the
language; it never imports the solver.
"""

from __future__ import annotations

import copy
import datetime as dt
import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from scheduler.calendar import TZ, month_key, quarter_key
from scheduler.export.names import Names, budget_lines, half_of, local_day
from scheduler.export.table import venue_name
from scheduler.export.zipped import stamp
from scheduler.i18n import day, day_with_weekday, name_in, number, pick, quarter, t, vnd

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from docx.document import Document as DocxDocument
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    from scheduler.plan import Event, Plan
    from scheduler.scenario.schema import ActivitySpec, Scenario

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 13
# Nghị định 30/2020/NĐ-CP, Phụ lục I: A4, margins top/bottom 20–25 mm, left
# 30–35 mm, right 15–20 mm
PAGE_W, PAGE_H = Mm(210), Mm(297)
TOP, BOTTOM, LEFT, RIGHT = Mm(20), Mm(20), Mm(30), Mm(15)
GAP = "[…]"


def _w(key: str, lang: str) -> str:
    return t(f"document.{key}", lang)


@dataclass(frozen=True)
class Gap:
    """A placeholder for the planner to fill: printed in brackets, highlighted."""

    hint: str = ""

    def __str__(self) -> str:
        return f"[… {self.hint} …]" if self.hint else GAP


Part = str | Gap


# ------------------------------------------------------------------ the issuer

# prefixes of Vietnamese unit names: (as written, level in English)
_LEVELS = (
    ("Thành phố", "City"),
    ("Thị trấn", "Township"),
    ("Thị xã", "Town"),
    ("Đặc khu", "Special Zone"),
    ("Huyện", "District"),
    ("Quận", "Urban District"),
    ("Phường", "Ward"),
    ("Tỉnh", "Province"),
    ("Xã", "Commune"),
)
_LEVEL_OF = {"district": "Huyện", "province": "Tỉnh", "commune": "Xã"}


@dataclass(frozen=True)
class Issuer:
    """The People's Committee issuing the plan, from the scenario's area."""

    level: str  # Huyện, Tỉnh, Xã, Thị trấn, …
    place: str  # Hưng Nguyên

    @classmethod
    def of(cls, scenario: Scenario) -> Issuer:
        """Split the area name (``Huyện Hưng Nguyên``) into level and place."""
        name = scenario.area.name
        for prefix, _ in _LEVELS:
            if name.casefold().startswith(prefix.casefold() + " "):
                return cls(prefix, name[len(prefix) + 1 :].strip())
        return cls(_LEVEL_OF.get(scenario.area.level, "Huyện"), name)

    def heading(self, lang: str) -> str:
        """Return ``UBND HUYỆN HƯNG NGUYÊN`` (or ``PEOPLE'S COMMITTEE OF … DISTRICT``)."""
        return pick(
            lang,
            f"UBND {self.level} {self.place}".upper(),
            f"{self.place} {self._level_en()} People's Committee".upper(),
        )

    def name(self, lang: str) -> str:
        """Return ``UBND huyện Hưng Nguyên`` as written in running text."""
        return pick(
            lang,
            f"UBND {self.level.lower()} {self.place}",
            f"the People's Committee of {self.place} {self._level_en()}",
        )

    def _level_en(self) -> str:
        return dict(_LEVELS).get(self.level, "District")


# -------------------------------------------------------------------- drawing


class _Writer:
    """A python-docx document with the paragraph and table styles of the plan."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        # a model row per table and shape (see row); copy_rows False builds
        # every row through python-docx (the tests compare the two)
        self._rows: dict[tuple[object, ...], Any] = {}
        self.copy_rows = True
        self.doc: DocxDocument = Document()
        normal = self.doc.styles["Normal"]
        normal.font.name = FONT
        normal.font.size = Pt(BODY_PT)
        # Word picks the east-Asian font slot for some Vietnamese letters
        fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
        for slot in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
            fonts.set(qn(slot), FONT)
        fmt = normal.paragraph_format
        fmt.space_before = Pt(0)
        fmt.space_after = Pt(6)
        fmt.line_spacing = 1.15
        # the language Word checks the spelling in
        tag = OxmlElement("w:lang")
        tag.set(qn("w:val"), t("format.locale", lang))
        normal.element.get_or_add_rPr().insert_element_before(
            tag, "w:eastAsianLayout", "w:specVanish", "w:oMath"
        )
        section = self.doc.sections[0]
        _page(section, landscape=False)
        _page_numbers(section)

    def para(
        self,
        *parts: Part,
        bold: bool = False,
        italic: bool = False,
        size: int | None = None,
        align: str = "justify",
        indent: bool = True,
        after: int | None = None,
    ) -> Paragraph:
        """Add a paragraph of text and placeholders."""
        p: Paragraph = self.doc.add_paragraph()
        p.alignment = {
            "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
            "center": WD_ALIGN_PARAGRAPH.CENTER,
            "left": WD_ALIGN_PARAGRAPH.LEFT,
            "right": WD_ALIGN_PARAGRAPH.RIGHT,
        }[align]
        if indent and align == "justify":
            p.paragraph_format.first_line_indent = Cm(1)
        if after is not None:
            p.paragraph_format.space_after = Pt(after)
        for part in parts:
            run = p.add_run(str(part))
            run.bold = bold
            run.italic = italic
            if size:
                run.font.size = Pt(size)
            if isinstance(part, Gap):
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return p

    def heading(self, key: str) -> None:
        """Add a section heading (``I. MỤC ĐÍCH, YÊU CẦU``)."""
        self.para(_w(key, self.lang), bold=True, align="left", indent=False)

    def bullet(self, *parts: Part) -> None:
        """Add a ``- …`` line."""
        self.para("- ", *parts)

    def table(self, widths_mm: list[float], header: list[str]) -> Table:
        """Add a bordered table with a bold header row repeated on every page."""
        table: Table = self.doc.add_table(rows=0, cols=len(widths_mm))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for column, width in zip(table.columns, widths_mm, strict=True):
            column.width = Mm(width)
        self.row(table, widths_mm, header, bold=True, align="center")
        tr_pr = table.rows[0]._tr.get_or_add_trPr()  # noqa: SLF001 (the XML)
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
        return table

    def row(
        self,
        table: Table,
        widths_mm: list[float],
        values: Sequence[str | list[str]],
        bold: bool = False,
        align: str = "left",
        numeric: tuple[int, ...] = (),
    ) -> None:
        """Add a table row; a list value is one line per item.

        A row shaped like one already made in the same table (same widths,
        weight, alignment, and lines of the same kind) is a copy of that row's
        XML with its texts replaced: python-docx builds each cell property by
        property, which was most of the time of the document, and the copy
        gives the same XML (``tests/test_exports_fast.py`` compares them).
        """
        shape = _shape(values)
        key = (id(table), tuple(widths_mm), bold, align, numeric, shape)
        model = self._rows.get(key) if shape is not None else None
        if model is not None and self.copy_rows:
            _append_copy(table, model, values)
            return
        self._row_built(table, widths_mm, values, bold, align, numeric)
        if shape is not None:
            self._rows[key] = table.rows[-1]._tr  # noqa: SLF001 (the XML)

    def _row_built(
        self,
        table: Table,
        widths_mm: list[float],
        values: Sequence[str | list[str]],
        bold: bool,
        align: str,
        numeric: tuple[int, ...],
    ) -> None:
        """Add a table row through python-docx, cell by cell."""
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        for i, (cell, value, width) in enumerate(
            zip(cells, values, widths_mm, strict=True)
        ):
            cell.width = Mm(width)
            lines = value if isinstance(value, list) else [value]
            first = cell.paragraphs[0]
            for n, line in enumerate(lines or [""]):
                p = first if n == 0 else cell.add_paragraph()
                p.paragraph_format.space_after = Pt(0)
                p.paragraph_format.first_line_indent = Cm(0)
                p.alignment = (
                    WD_ALIGN_PARAGRAPH.RIGHT
                    if i in numeric
                    else WD_ALIGN_PARAGRAPH.CENTER
                    if align == "center" or i == 0
                    else WD_ALIGN_PARAGRAPH.LEFT
                )
                run = p.add_run(line)
                run.bold = bold
                run.font.size = Pt(TABLE_PT)

    def landscape_section(self) -> None:
        """Start a new landscape page (the appendices' wide tables)."""
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        _page(section, landscape=True)

    def bytes(self) -> bytes:
        """Return the document as .docx bytes."""
        buf = io.BytesIO()
        self.doc.save(buf)
        return buf.getvalue()


# one kind per line of a cell: no text (no w:t element), text whose spaces at
# either end must be kept (xml:space="preserve"), or other text
_EMPTY, _KEEP_SPACES, _TEXT = 0, 1, 2


def _shape(values: Sequence[str | list[str]]) -> tuple[tuple[int, ...], ...] | None:
    """Return the kinds of the lines of each cell, or ``None`` when a row cannot be copied.

    Tabs and line breaks become their own elements in python-docx: such a row
    is always built.
    """
    shape = []
    for value in values:
        lines = (value if isinstance(value, list) else [value]) or [""]
        kinds = []
        for line in lines:
            if any(ch in line for ch in "\t\n\r"):
                return None
            if not line:
                kinds.append(_EMPTY)
            elif len(line.strip()) < len(line):
                kinds.append(_KEEP_SPACES)
            else:
                kinds.append(_TEXT)
        shape.append(tuple(kinds))
    return tuple(shape)


def _append_copy(table: Table, model: Any, values: Sequence[str | list[str]]) -> None:
    """Append a copy of the row ``model`` to ``table`` with the texts of ``values``."""
    row = copy.deepcopy(model)
    texts = iter(
        line
        for value in values
        for line in ((value if isinstance(value, list) else [value]) or [""])
        if line
    )
    # the model's w:t elements, in document order, are the non-empty lines
    for element in row.iter(qn("w:t")):
        element.text = next(texts)
    table._tbl.append(row)  # noqa: SLF001 (python-docx has no row-copy API)


def _page(section: object, landscape: bool) -> None:
    """A4 with the margins of Nghị định 30/2020/NĐ-CP."""
    s = section
    s.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT  # type: ignore[attr-defined]
    s.page_width, s.page_height = (PAGE_H, PAGE_W) if landscape else (PAGE_W, PAGE_H)  # type: ignore[attr-defined]
    s.top_margin, s.bottom_margin = TOP, BOTTOM  # type: ignore[attr-defined]
    s.left_margin, s.right_margin = LEFT, RIGHT  # type: ignore[attr-defined]


def _page_numbers(section: object) -> None:
    """Page numbers centred at the top from the second page (not on the first)."""
    section.different_first_page_header_footer = True  # type: ignore[attr-defined]
    p = section.header.paragraphs[0]  # type: ignore[attr-defined]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    p._p.append(field)  # noqa: SLF001 (python-docx has no field API)


def _layout_table(doc: DocxDocument, rows: int, widths_mm: list[float]) -> Table:
    """Add a borderless table of fixed column widths: laid out, not ruled."""
    table: Table = doc.add_table(rows=rows, cols=len(widths_mm))
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
        for cell in column.cells:
            cell.width = Mm(width)
    tbl_pr = table._tbl.tblPr  # noqa: SLF001 (no border API)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    # the schema orders the children of tblPr: borders come before these
    tbl_pr.insert_element_before(borders, *_AFTER_TBL_BORDERS)
    return table


_AFTER_TBL_BORDERS = (
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)
_AFTER_P_BORDER = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _rule(parent: _Cell | DocxDocument, width_mm: float, across_mm: float) -> None:
    """Draw a short centred line under a heading (the bottom border of an empty line).

    ``across_mm`` is the width of the cell or text column the line is centred in.
    """
    p = parent.add_paragraph()
    fmt = p.paragraph_format
    side = Mm(max(0.0, (across_mm - width_mm) / 2))
    fmt.left_indent, fmt.right_indent = side, side
    fmt.space_after = Pt(2)
    fmt.line_spacing = Pt(3)
    p_pr = p._p.get_or_add_pPr()  # noqa: SLF001 (no border API)
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (
        ("w:val", "single"),
        ("w:sz", "6"),
        ("w:space", "1"),
        ("w:color", "000000"),
    ):
        bottom.set(qn(key), value)
    border.append(bottom)
    p_pr.insert_element_before(border, *_AFTER_P_BORDER)


# ------------------------------------------------------------------ the facts


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _commune_header(scenario: Scenario, lang: str) -> str:
    """Return the heading of a commune column: ``Xã, thị trấn``."""
    words = unit_words(scenario, lang)
    return pick(lang, words[:1].upper() + words[1:], "Commune")


def _committees(scenario: Scenario, lang: str) -> str:
    """Return ``UBND các xã, thị trấn`` (or the one commune's committee)."""
    if len(scenario.communes) == 1:
        name = scenario.communes[0].commune_name
        return pick(
            lang, f"UBND {_lower_first(name)}", f"The People's Committee of {name}"
        )
    units = unit_words(scenario, lang)
    return pick(lang, f"UBND các {units}", f"The People's Committees of the {units}")


def _en(n: int, word: str) -> str:
    """Return an English count with its noun: ``1 class``, ``2 classes``, ``3 people``."""
    if n == 1:
        return f"1 {word}"
    plural = {"person": "people", "class": "classes"}.get(word, f"{word}s")
    return f"{number(n, 'en')} {plural}"


def _month(key: str | None, lang: str) -> str:
    """Return ``2023-10`` as ``10/2023`` (Vietnamese); empty for none."""
    if not key:
        return ""
    # a publication's period carries its outlet: ``2023-10/bao-dak-nong``
    period, _, outlet = key.partition("/")
    suffix = f" ({outlet})" if outlet else ""
    if "Q" in period:
        vi = f"quý {period[6:]}/{period[:4]}{suffix}"
    else:
        vi = f"{int(period[5:])}/{period[:4]}{suffix}"
    return pick(lang, vi, period + suffix)


def unit_words(scenario: Scenario, lang: str) -> str:
    """Return how the communes are called together: ``xã, thị trấn``."""
    kinds = [
        prefix.lower()
        for prefix in ("Xã", "Phường", "Thị trấn", "Đặc khu")
        if any(
            c.commune_name.casefold().startswith(prefix.casefold() + " ")
            for c in scenario.communes
        )
    ]
    return pick(lang, ", ".join(kinds) or "xã", "communes")


def _subject(scenario: Scenario) -> str:
    """Return the plan's subject: its title without a leading ``Kế hoạch``."""
    title = re.sub(r"^\s*kế hoạch\s+", "", scenario.title, flags=re.IGNORECASE)
    return title[:1].upper() + title[1:]


def _span(events: list[Event], lang: str) -> str:
    first = min(local_day(e.start) for e in events)
    last = max(local_day(e.end) for e in events)
    if first == last:
        return pick(
            lang,
            f"ngày {day_with_weekday(first)}",
            f"on {day_with_weekday(first, 'en')}",
        )
    return pick(
        lang,
        f"từ {day_with_weekday(first)} đến {day_with_weekday(last)}",
        f"from {day_with_weekday(first, 'en')} to {day_with_weekday(last, 'en')}",
    )


def _roles(spec: ActivitySpec, names: Names, lang: str) -> str:
    return ", ".join(
        f"{names.role(role)} ({pick(lang, f'{n} người', _en(n, 'person'))})"
        for role, n in spec.roles.items()
        if n > 0
    )


def _left_out(plan: Plan, act_id: str, lang: str) -> Counter[str]:
    """Left-out counts of an activity by reason text."""
    out: Counter[str] = Counter()
    for u in plan.unscheduled:
        if u.activity == act_id:
            out[t(f"reason.{u.reason}", lang)] += u.count
    return out


# ----------------------------------------------------------------- the parts


def _heading_block(w: _Writer, scenario: Scenario, plan: Plan) -> None:
    lang = w.lang
    issuer = Issuer.of(scenario)
    left_mm, right_mm = 62.0, 103.0
    table = _layout_table(w.doc, 2, [left_mm, right_mm])
    body, nation = table.cell(0, 0), table.cell(0, 1)
    _cell_text(body, issuer.heading(lang), bold=True, size=13)
    _rule(body, 22, left_mm)
    _cell_text(nation, _w("nation", lang), bold=True, size=12)
    _cell_text(nation, _w("motto", lang), bold=True, size=13)
    _rule(nation, 58, right_mm)
    number_cell, date_cell = table.cell(1, 0), table.cell(1, 1)
    _cell_text(number_cell, _w("number", lang), Gap(), "/KH-UBND", size=13)
    year = str(plan.horizon_start.year)
    parts: list[Part] = pick(
        lang,
        [f"{issuer.place}, ngày ", Gap(), " tháng ", Gap(), f" năm {year}"],
        [f"{issuer.place}, ", Gap("date"), f" {year}"],
    )
    _cell_text(date_cell, *parts, italic=True, size=14)


def _cell_text(
    cell: _Cell, *parts: Part, bold: bool = False, italic: bool = False, size: int
) -> None:
    fresh = len(cell.paragraphs) == 1 and not cell.paragraphs[0].runs
    p = cell.paragraphs[0] if fresh else cell.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(0)
    for part in parts:
        run = p.add_run(str(part))
        run.bold, run.italic = bold, italic
        run.font.size = Pt(size)
        if isinstance(part, Gap):
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW


def _title(w: _Writer, scenario: Scenario) -> None:
    lang = w.lang
    w.para("", after=0)
    w.para(_w("title", lang), bold=True, align="center", after=0)
    w.para(_subject(scenario), bold=True, align="center", after=0)
    _rule(w.doc, 40, (PAGE_W - LEFT - RIGHT) / Mm(1))
    issuer = Issuer.of(scenario)
    w.para(
        _w("pursuant_to", lang),
        Gap(_w("grounds", lang)),
        pick(
            lang,
            f"; {issuer.name(lang)} ban hành Kế hoạch {_lower_first(_subject(scenario))}, cụ thể như sau:",
            f", {issuer.name(lang)} issues the plan “{scenario.title}” as follows:",
        ),
    )


def _purpose(w: _Writer) -> None:
    lang = w.lang
    w.heading("s1")
    w.heading("s1.1")
    w.para(Gap(_w("purpose_of_the_plan", lang)))
    w.heading("s1.2")
    w.bullet(_w("as_scheduled", lang))
    w.bullet(_w("within_allowance", lang))
    w.bullet(Gap(_w("other_requirements", lang)))


def _audience(w: _Writer, scenario: Scenario, plan: Plan) -> None:
    lang = w.lang
    units = unit_words(scenario, lang)
    n = len(scenario.communes)
    poor = sum(c.poor_households for c in scenario.communes)
    near = sum(c.near_poor_households for c in scenario.communes)
    w.heading("s2")
    w.heading("s2.1")
    w.para(
        Gap(_w("who_the_plan_addresses", lang)),
        pick(
            lang,
            f"; trong đó chú trọng {number(poor)} hộ nghèo và {number(near)} hộ cận nghèo "
            f"tại {n} {units}.",
            f"; in particular the {number(poor, 'en')} poor and {number(near, 'en')} "
            f"near-poor households of the {_en(n, 'commune')}.",
        ),
    )
    w.heading("s2.2")
    listed = ", ".join(c.commune_name for c in scenario.communes)
    w.bullet(
        pick(
            lang,
            f"Phạm vi thực hiện: {n} {units} ({listed}).",
            f"Scope: {_en(n, 'commune')} ({listed}).",
        )
    )
    quarters = sorted(
        {quarter_key(plan.horizon_start), quarter_key(plan.horizon_end)}
        | {quarter_key(local_day(e.start)) for e in plan.events}
    )
    shown = ", ".join(quarter(q, lang) for q in quarters)
    w.bullet(
        pick(
            lang,
            f"Thời gian thực hiện: từ ngày {day(plan.horizon_start)} đến ngày "
            f"{day(plan.horizon_end)} ({shown}).",
            f"Period: {day(plan.horizon_start, 'en')} to {day(plan.horizon_end, 'en')} "
            f"({shown}).",
        )
    )


def _content(
    w: _Writer,
    scenario: Scenario,
    plan: Plan,
    appendix: dict[str, str],
    left_label: str,
) -> None:
    lang = w.lang
    names = Names(scenario, lang)
    w.heading("s3")
    w.heading("s3.1")
    w.para(Gap(_w("key_messages", lang)))
    if scenario.topics:
        topics = "; ".join(name_in(tp, lang) for tp in scenario.topics)
        w.bullet(
            pick(lang, f"Các chủ đề truyền thông: {topics}.", f"Topics: {topics}.")
        )
    w.heading("s3.2")
    for i, (act_id, spec) in enumerate(scenario.activities.items(), start=1):
        w.para(
            f"2.{i}. {names.activity(act_id)}", bold=True, align="left", indent=False
        )
        events = plan.by_activity(act_id)
        if spec.kind == "session":
            _session_text(w, scenario, spec, act_id, events, names)
        elif spec.kind == "broadcast":
            _broadcast_text(w, scenario, spec, act_id, events, names)
        elif spec.kind == "publication":
            _publication_text(w, scenario, spec, events)
        else:
            _training_text(w, scenario, spec, act_id, events, names)
        if events:
            w.bullet(
                _w("cost_label", lang)
                + vnd(sum(e.cost_vnd for e in events), lang)
                + pick(
                    lang,
                    f"; lịch chi tiết tại {appendix[act_id]}.",
                    f"; schedule in {appendix[act_id]}.",
                )
            )
        for reason, count in _left_out(plan, act_id, lang).items():
            w.bullet(
                pick(
                    lang,
                    f"Chưa xếp được lịch: {count} — ",
                    f"Not scheduled: {count} — ",
                )
                + _lower_first(reason)
                + pick(lang, f" (xem {left_label}).", f" (see {left_label}).")
            )


def _session_text(
    w: _Writer,
    scenario: Scenario,
    spec: ActivitySpec,
    act_id: str,
    events: list[Event],
    names: Names,
) -> None:
    lang = w.lang
    units = unit_words(scenario, lang)
    communes = len({e.commune_code for e in events})
    what = _lower_first(names.activity(act_id))
    w.bullet(
        pick(
            lang,
            f"Tổ chức {len(events)} buổi {what} tại {communes} {units}",
            f"{_en(len(events), 'session')} ({what}) in {_en(communes, 'commune')}",
        )
        + (f" ({_w('topic', lang)}: {names.topic(spec.topic)})." if spec.topic else ".")
    )
    staff = _roles(spec, names, lang)
    if staff or spec.attendees:
        parts = []
        if staff:
            parts.append(staff)
        if spec.attendees:
            parts.append(
                pick(
                    lang,
                    f"khoảng {spec.attendees} người dân",
                    f"about {spec.attendees} residents",
                )
            )
        w.bullet(_w("taking_part_in_each", lang) + "; ".join(parts) + ".")
    if events:
        c = scenario.calendar
        w.bullet(
            pick(
                lang,
                f"Thời gian: mỗi cuộc 1 buổi (sáng {c.morning.start:%H:%M}–{c.morning.end:%H:%M} "
                f"hoặc chiều {c.afternoon.start:%H:%M}–{c.afternoon.end:%H:%M}), "
                f"{_span(events, lang)}; địa điểm: hội trường tại {units}.",
                f"Time: one half-day each (morning {c.morning.start:%H:%M}–{c.morning.end:%H:%M} "
                f"or afternoon {c.afternoon.start:%H:%M}–{c.afternoon.end:%H:%M}), "
                f"{_span(events, lang)}; in a hall of each commune.",
            )
        )


def _broadcast_text(
    w: _Writer,
    scenario: Scenario,
    spec: ActivitySpec,
    act_id: str,
    events: list[Event],
    names: Names,
) -> None:
    lang = w.lang
    units = unit_words(scenario, lang)
    communes = len({e.commune_code for e in events})
    w.bullet(
        pick(
            lang,
            f"Phát {number(len(events))} tin, bài (mỗi lần {spec.minutes} phút) trên đài "
            f"truyền thanh của {communes} {units}; {spec.per_month} lần/tháng mỗi xã",
            f"{_en(len(events), 'item')} ({spec.minutes} minutes each) on the "
            f"loudspeaker stations of {_en(communes, 'commune')}; {spec.per_month} a month per commune",
        )
        + "".join(
            pick(lang, f", tháng {m[5:]}/{m[:4]}: {n} lần", f", {m}: {n}")
            for m, n in sorted(spec.per_month_override.items())
        )
        + "."
    )
    topics = [name_in(tp, lang) for tp in scenario.topics_for(act_id)]
    if topics:
        w.bullet(_w("topics_in_rotation", lang) + "; ".join(topics) + ".")


def _publication_text(
    w: _Writer, scenario: Scenario, spec: ActivitySpec, events: list[Event]
) -> None:
    lang = w.lang
    per_vi = "tháng" if spec.period == "month" else "quý"
    held = Counter(e.slot_id for e in events)
    for o in spec.outlets:
        quota = spec.per_period if o.per_period is None else o.per_period
        w.bullet(
            pick(
                lang,
                f"{o.name}: {quota} tin, bài mỗi {per_vi}; đã xếp {number(held[o.id])}.",
                f"{o.name}: {quota} item(s) a {spec.period}; "
                f"{_en(held[o.id], 'item')} planned.",
            )
        )
    if spec.owner:
        person = next((p for p in scenario.staff if p.staff_id == spec.owner), None)
        owner = person.name if person else scenario.role_name(spec.owner, lang)
        w.bullet(pick(lang, f"Đơn vị chủ trì: {owner}.", f"Responsible: {owner}."))
    if spec.deadline is not None:
        w.bullet(
            pick(
                lang,
                f"Hoàn thành trước ngày {spec.deadline:%d/%m/%Y}.",
                f"Due by {spec.deadline:%d %B %Y}.",
            )
        )


def _publication_appendix(
    w: _Writer, scenario: Scenario, plan: Plan, act_id: str, label: str
) -> None:
    lang = w.lang
    names = Names(scenario, lang)
    _appendix_title(
        w,
        label,
        pick(
            lang,
            f"Số tin, bài {names.activity(act_id)} theo cơ quan và tháng",
            f"{names.activity(act_id)}: items per outlet and month",
        ),
        scenario,
    )
    outlets = scenario.activities[act_id].outlets
    _monthly_table(
        w,
        plan,
        plan.by_activity(act_id),
        lambda e: e.slot_id,
        [(o.id, o.name) for o in outlets],
        _w("outlet", lang),
    )


def _training_text(
    w: _Writer,
    scenario: Scenario,
    spec: ActivitySpec,
    act_id: str,
    events: list[Event],
    names: Names,
) -> None:
    lang = w.lang
    units = unit_words(scenario, lang)
    communes = len({c for e in events for c in e.communes_served})
    trainees = sum(e.attendees for e in events)
    venues = sorted({venue_name(scenario, e) for e in events})
    w.bullet(
        pick(
            lang,
            f"Tổ chức {len(events)} lớp {_lower_first(names.activity(act_id))}, mỗi lớp "
            f"{spec.duration_days} ngày, cho {trainees} học viên của {communes} {units} "
            f"({spec.trainees_per_commune} người mỗi xã)",
            f"{_en(len(events), 'class')} ({_lower_first(names.activity(act_id))}) of "
            f"{_en(spec.duration_days, 'day')} for {_en(trainees, 'trainee')} from "
            f"{_en(communes, 'commune')} "
            f"({spec.trainees_per_commune} per commune)",
        )
        + (
            pick(lang, f", tại {', '.join(venues)}", f", at {', '.join(venues)}")
            if venues
            else ""
        )
        + "."
    )
    trainers = _roles(spec, names, lang)
    if trainers:
        w.bullet(_w("trainers_per_class", lang) + trainers + ".")
    if events:
        w.bullet(_w("dates", lang) + _span(events, lang) + ".")


def _funding(w: _Writer, scenario: Scenario, plan: Plan, appendix: str) -> None:
    lang = w.lang
    names = Names(scenario, lang)
    lines = budget_lines(scenario, plan)
    w.heading("s4")
    total = sum(b.planned for b in lines)
    w.para(_w("total_planned_cost", lang) + vnd(total, lang) + _w("of_which", lang))
    for f in scenario.funding:
        own = [b for b in lines if b.source == f.id and b.planned]
        detail = "; ".join(
            f"{quarter(b.quarter, lang)}: {vnd(b.planned, lang)}" for b in own
        )
        w.bullet(
            f"{names.source(f.id)}: {vnd(sum(b.planned for b in own), lang)}"
            + (f" ({detail})" if detail else "")
            + "."
        )
    w.para(
        pick(
            lang,
            f"Dự kiến chi so với mức được giao của từng nguồn theo quý tại {appendix}.",
            f"Planned spending against each source's quarterly allowance: {appendix}.",
        )
    )


def _organisation(w: _Writer, scenario: Scenario, appendix: dict[str, str]) -> None:
    lang = w.lang
    kinds = {spec.kind for spec in scenario.activities.values()}
    w.heading("s5")
    w.para(
        "1. ",
        Gap(_w("lead_office", lang)),
        _w("lead_duties", lang),
    )
    # in appendix order
    refs = ", ".join(
        label for a, label in appendix.items() if scenario.activities[a].roles
    )
    w.para(
        pick(
            lang,
            f"2. Cán bộ được phân công (danh sách theo từng buổi, từng lớp tại {refs}): "
            "bố trí thời gian tham gia theo lịch; khi vắng mặt báo trước để bố trí người thay.",
            f"2. The staff assigned ({refs}) keep the dates; anyone who cannot "
            "attend says so in advance so that someone else is assigned.",
        )
        if refs
        else _w("staff_keep_dates", lang),
    )
    duties = []
    if "session" in kinds:
        duties.append(_w("task_venue", lang))
    if "broadcast" in kinds:
        duties.append(_w("task_station", lang))
    if "training" in kinds:
        duties.append(_w("task_training", lang))
    w.para(
        pick(
            lang,
            f"3. {_committees(scenario, lang)}: ",
            f"3. {_committees(scenario, lang)}: ",
        )
        + "; ".join(duties)
        + "."
    )
    w.para(
        "4. ",
        Gap(_w("other_tasks", lang)),
    )
    w.para(
        pick(
            lang,
            f"Trên đây là Kế hoạch {_lower_first(_subject(scenario))} của {Issuer.of(scenario).name(lang)}./.",
            f"This is the plan “{scenario.title}” of {Issuer.of(scenario).name(lang)}./.",
        )
    )


def _signature(w: _Writer, scenario: Scenario) -> None:
    lang = w.lang
    table = _layout_table(w.doc, 1, [80, 85])
    left, right = table.cell(0, 0), table.cell(0, 1)
    p = left.paragraphs[0]
    run = p.add_run(_w("recipients", lang))
    run.bold, run.italic = True, True
    run.font.size = Pt(12)
    p.paragraph_format.space_after = Pt(0)
    for item in (
        Gap(_w("higher_authorities_to_report", lang)),
        _w("those_in_section_v", lang),
        f"{_committees(scenario, lang)};",
        _w("archive", lang),
    ):
        _list_line(left, item)
    _cell_text(right, _w("sign.for", lang), bold=True, size=14)
    _cell_text(right, _w("sign.as", lang), bold=True, size=14)
    for _ in range(4):
        _cell_text(right, "", size=14)
    _cell_text(right, Gap(_w("name", lang)), bold=True, size=14)


def _list_line(cell: _Cell, item: Part) -> None:
    p = cell.add_paragraph()
    p.paragraph_format.space_after = Pt(0)
    p.add_run("- ").font.size = Pt(11)
    run = p.add_run(str(item))
    run.font.size = Pt(11)
    if isinstance(item, Gap):
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW


# --------------------------------------------------------------- appendices


def _appendix_title(w: _Writer, label: str, title: str, scenario: Scenario) -> None:
    lang = w.lang
    w.para(label, bold=True, align="center", after=0)
    w.para(title.upper(), bold=True, align="center", after=0)
    w.para(
        _w("attached_to_plan_no", lang),
        Gap(),
        _w("kh_ubnd_of", lang),
        Gap(),
        pick(
            lang,
            f" của {Issuer.of(scenario).name(lang)})",
            f" of {Issuer.of(scenario).name(lang)})",
        ),
        italic=True,
        align="center",
    )


def _sessions_appendix(
    w: _Writer, scenario: Scenario, plan: Plan, act_id: str, label: str
) -> None:
    lang = w.lang
    names = Names(scenario, lang)
    _appendix_title(
        w,
        label,
        pick(
            lang,
            f"Lịch {names.activity(act_id)} theo xã",
            f"{names.activity(act_id)} by commune",
        ),
        scenario,
    )
    widths = [12.0, 38, 42, 30, 52, 68, 30]
    header = [
        _w(k, lang) if k != "commune" else _commune_header(scenario, lang)
        for k in ("no", "commune", "date", "half", "venue", "staff", "cost")
    ]
    table = w.table(widths, header)
    order = {c.commune_code: i for i, c in enumerate(scenario.communes)}
    events = sorted(
        plan.by_activity(act_id),
        key=lambda e: (order.get(e.commune_code or "", 0), e.start),
    )
    for n, e in enumerate(events, start=1):
        half = half_of(scenario, e)
        start, end = e.start.astimezone(TZ), e.end.astimezone(TZ)
        w.row(
            table,
            widths,
            [
                str(n),
                names.commune(e.commune_code),
                day_with_weekday(start.date(), lang),
                f"{t(f'half.{half}', lang) if half else ''} ({start:%H:%M}–{end:%H:%M})",
                venue_name(scenario, e),
                [names.person(a.staff_id, a.role) for a in e.staff],
                vnd(e.cost_vnd, lang),
            ],
            numeric=(6,),
        )
    total = sum(e.cost_vnd for e in events)
    w.row(
        table,
        widths,
        ["", _w("total", lang), f"{len(events)}", "", "", "", vnd(total, lang)],
        bold=True,
        numeric=(6,),
    )


def _training_appendix(
    w: _Writer, scenario: Scenario, plan: Plan, act_id: str, label: str
) -> None:
    lang = w.lang
    names = Names(scenario, lang)
    _appendix_title(
        w,
        label,
        pick(
            lang,
            f"Lịch các lớp {names.activity(act_id)}",
            f"Classes: {names.activity(act_id)}",
        ),
        scenario,
    )
    widths = [12.0, 18, 50, 42, 45, 60, 20, 25]
    header = [
        _w(k, lang)
        for k in (
            "no",
            "class",
            "period",
            "venue",
            "trainers",
            "trainee_communes",
            "trainees",
            "cost",
        )
    ]
    table = w.table(widths, header)
    events = plan.by_activity(act_id)
    for n, e in enumerate(events, start=1):
        first, last = local_day(e.start), local_day(e.end)
        w.row(
            table,
            widths,
            [
                str(n),
                e.event_id.rsplit("-", 1)[-1],
                [day_with_weekday(first, lang)]
                + (
                    [_w("to", lang) + day_with_weekday(last, lang)]
                    if last != first
                    else []
                ),
                venue_name(scenario, e),
                [names.person(a.staff_id, a.role) for a in e.staff],
                names.communes(e.communes_served),
                str(e.attendees),
                vnd(e.cost_vnd, lang),
            ],
            numeric=(6, 7),
        )
    w.row(
        table,
        widths,
        [
            "",
            _w("total", lang),
            "",
            "",
            "",
            "",
            str(sum(e.attendees for e in events)),
            vnd(sum(e.cost_vnd for e in events), lang),
        ],
        bold=True,
        numeric=(6, 7),
    )


def _broadcast_appendix(
    w: _Writer, scenario: Scenario, plan: Plan, act_id: str, label: str
) -> None:
    lang = w.lang
    names = Names(scenario, lang)
    _appendix_title(
        w,
        label,
        pick(
            lang,
            f"Số lần {names.activity(act_id)} theo xã và tháng",
            f"{names.activity(act_id)}: items per commune and month",
        ),
        scenario,
    )
    _monthly_table(
        w,
        plan,
        plan.by_activity(act_id),
        lambda e: e.commune_code,
        [(c.commune_code, c.commune_name) for c in scenario.communes_for(act_id)],
        _commune_header(scenario, lang),
    )


def _monthly_table(
    w: _Writer,
    plan: Plan,
    events: list[Event],
    key_of: Callable[[Event], str | None],
    rows: list[tuple[str, str]],
    row_header: str,
) -> None:
    """Write a table of events per row (commune, outlet) and month, with totals."""
    lang = w.lang
    months = _months(plan)
    counts = Counter((key_of(e), month_key(local_day(e.start))) for e in events)
    first, last = 12.0, 45.0
    month_w = max(12.0, min(22.0, (247 - first - last - 20) / max(1, len(months))))
    widths = [first, last] + [month_w] * len(months) + [20.0]
    header = (
        [_w("no", lang), row_header]
        + [f"{int(m[5:])}/{m[:4]}" for m in months]
        + [_w("total", lang)]
    )
    table = w.table(widths, header)
    numeric = tuple(range(2, len(months) + 3))
    for n, (key, name) in enumerate(rows, start=1):
        counted = [counts.get((key, m), 0) for m in months]
        w.row(
            table,
            widths,
            [str(n), name] + [str(v) for v in counted] + [str(sum(counted))],
            numeric=numeric,
        )
    totals = [sum(counts.get((key, m), 0) for key, _ in rows) for m in months]
    w.row(
        table,
        widths,
        ["", _w("total", lang)]
        + [number(v, lang) for v in totals]
        + [number(sum(totals), lang)],
        bold=True,
        numeric=numeric,
    )


def _months(plan: Plan) -> list[str]:
    out: list[str] = []
    d = plan.horizon_start.replace(day=1)
    while d <= plan.horizon_end:
        out.append(month_key(d))
        d = (
            d.replace(year=d.year + 1, month=1)
            if d.month == 12
            else d.replace(month=d.month + 1)
        )
    return out


def _budget_appendix(w: _Writer, scenario: Scenario, plan: Plan, label: str) -> None:
    lang = w.lang
    names = Names(scenario, lang)
    _appendix_title(
        w,
        label,
        _w("planned_spending_by_source", lang),
        scenario,
    )
    widths = [12.0, 85, 35, 40, 40, 40]
    header = [
        _w(k, lang) for k in ("no", "source", "quarter", "planned", "allowance", "left")
    ]
    table = w.table(widths, header)
    lines = budget_lines(scenario, plan)
    for n, b in enumerate(lines, start=1):
        w.row(
            table,
            widths,
            [
                str(n),
                names.source(b.source),
                quarter(b.quarter, lang),
                vnd(b.planned, lang),
                vnd(b.allowance, lang),
                vnd(b.left, lang),
            ],
            numeric=(3, 4, 5),
        )
    w.row(
        table,
        widths,
        [
            "",
            _w("total", lang),
            "",
            vnd(sum(b.planned for b in lines), lang),
            vnd(sum(b.allowance for b in lines), lang),
            vnd(sum(b.left for b in lines), lang),
        ],
        bold=True,
        numeric=(3, 4, 5),
    )


def _left_out_appendix(w: _Writer, scenario: Scenario, plan: Plan, label: str) -> None:
    lang = w.lang
    names = Names(scenario, lang)
    _appendix_title(
        w,
        label,
        _w("activities_not_scheduled", lang),
        scenario,
    )
    widths = [12.0, 70, 45, 20, 25, 75]
    header = [
        _w(k, lang) if k != "commune" else _commune_header(scenario, lang)
        for k in ("no", "activity", "commune", "count", "month", "reason")
    ]
    table = w.table(widths, header)
    for n, u in enumerate(plan.unscheduled, start=1):
        w.row(
            table,
            widths,
            [
                str(n),
                names.activity(u.activity),
                names.commune(u.commune_code),
                str(u.count),
                _month(u.period, lang),
                t(f"reason.{u.reason}", lang),
            ],
            numeric=(3,),
        )


_ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def _roman(n: int) -> str:
    return _ROMAN[n - 1] if n <= len(_ROMAN) else str(n)


def plan_docx(
    scenario: Scenario, plan: Plan, lang: str = "vi", today: dt.date | None = None
) -> bytes:
    """Return the plan document ``ke-hoach.docx``.

    Parameters
    ----------
    scenario
        The scenario the plan was made for: the area (issuing body, place),
        the title (subject), communes, activities, roles, funding sources.
    plan
        The plan: the events of the appendices and the figures of sections
        II–IV.
    lang
        ``"vi"`` (the official document) or ``"en"`` (the same layout in
        English words).
    today
        The date the file is written, given to its zip entries
        (:func:`scheduler.export.zipped.stamp`), so that the bytes depend on
        the arguments alone.

    Returns
    -------
    bytes
        The .docx file.
    """
    w = _Writer(lang)
    props = w.doc.core_properties
    props.title = scenario.title
    props.author = props.last_modified_by = Issuer.of(scenario).name(lang)
    props.comments = ""
    props.language = t("format.locale", lang)
    label = _w("appendix", lang)
    # appendix numbers: session activities, then training, then broadcasts, then money
    order = (
        [a for a, s in scenario.activities.items() if s.kind == "session"]
        + [a for a, s in scenario.activities.items() if s.kind == "training"]
        + [a for a, s in scenario.activities.items() if s.kind == "broadcast"]
        + [a for a, s in scenario.activities.items() if s.kind == "publication"]
    )
    appendix = {a: f"{label} {_roman(i)}" for i, a in enumerate(order, start=1)}
    budget_label = f"{label} {_roman(len(order) + 1)}"
    left_label = f"{label} {_roman(len(order) + 2)}"
    _heading_block(w, scenario, plan)
    _title(w, scenario)
    _purpose(w)
    _audience(w, scenario, plan)
    _content(w, scenario, plan, appendix, left_label)
    _funding(w, scenario, plan, budget_label)
    _organisation(w, scenario, appendix)
    _signature(w, scenario)
    for act_id in order:
        w.landscape_section()
        kind = scenario.activities[act_id].kind
        if kind == "session":
            _sessions_appendix(w, scenario, plan, act_id, appendix[act_id])
        elif kind == "training":
            _training_appendix(w, scenario, plan, act_id, appendix[act_id])
        elif kind == "publication":
            _publication_appendix(w, scenario, plan, act_id, appendix[act_id])
        else:
            _broadcast_appendix(w, scenario, plan, act_id, appendix[act_id])
    w.landscape_section()
    _budget_appendix(w, scenario, plan, budget_label)
    if plan.unscheduled:
        w.landscape_section()
        _left_out_appendix(w, scenario, plan, left_label)
    return stamp(w.bytes(), today)
