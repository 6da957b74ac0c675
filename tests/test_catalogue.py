"""One catalogue holds every word people read, in both languages, each once.

``scheduler/i18n/catalogue.py`` maps each key to its (Vietnamese, English)
words, or to the key of a word it shares. Modules look words up instead of
keeping their own (vi, en) tables or choosing with ``lang == "en"``.
"""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path

import pytest

from scheduler.i18n import both, name_in, pick, quarter, seconds, t, t_of, vnd
from scheduler.i18n.catalogue import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
SCHEDULER = ROOT / "scheduler"
CATALOGUE_FILE = SCHEDULER / "i18n" / "catalogue.py"

# (vi, en) tables that stay where they are, and why
TABLES_ELSEWHERE = {
    # owned by the province work; folded when it is split
    ("commands/province.py", "_STATUS"),
    ("commands/province.py", "_SOURCE"),
    ("commands/province.py", "BENCH_ROWS"),
    # data, not words: how a unit's Vietnamese prefix reads in English, when parsing names
    ("export/document.py", "_LEVELS"),
    # data: the usual topics a generated scenario gets, with their ids
    ("programme.py", "TOPICS"),
    # not words: tomllib's message prefixes → the catalogue's keys
    ("scenario/readers.py", "_TOML_REASONS"),
    # the workbook's schema: the headers the reader accepts in either language
    ("scenario/workbook.py", "SHEETS"),
    ("scenario/workbook.py", "LABELS"),
    ("scenario/workbook.py", "SETTING_LABELS"),
}
# ``lang == "en"`` left outside scheduler/i18n/: only in the province commands
# (commands/province.py 4, province/sweep.py 1), owned elsewhere; it may only go
# down
MAX_LANG_TESTS = 5


def _entries() -> list[tuple[str, ast.expr]]:
    tree = ast.parse(CATALOGUE_FILE.read_text(encoding="utf-8"))
    node = next(n for n in tree.body if isinstance(n, ast.AnnAssign))
    assert isinstance(node.value, ast.Dict)
    out = []
    for key, value in zip(node.value.keys, node.value.values, strict=True):
        assert isinstance(key, ast.Constant)
        assert isinstance(key.value, str)
        out.append((key.value, value))
    return out


def test_no_key_is_defined_twice() -> None:
    counts = Counter(key for key, _ in _entries())
    assert [key for key, n in counts.items() if n > 1] == []


def test_every_key_has_both_languages() -> None:
    for key, value in CATALOGUE.items():
        if isinstance(value, str):
            continue
        assert len(value) == 2, key
        vi, en = value
        assert vi.strip(), f"{key}: no Vietnamese"
        assert en.strip(), f"{key}: no English"


def test_no_words_are_defined_twice() -> None:
    pairs = Counter(v for v in CATALOGUE.values() if not isinstance(v, str))
    assert [p for p, n in pairs.items() if n > 1] == []


def test_shared_words_point_at_words() -> None:
    for key, value in CATALOGUE.items():
        if isinstance(value, str):
            assert isinstance(CATALOGUE.get(value), tuple), f"{key} → {value}"
            assert t(key, "vi") == CATALOGUE[value][0]


def _pair_tables(path: Path) -> list[str]:
    """Module-level dicts or tuples whose items are mostly (str, str, ...) tuples."""

    def is_pair(v: ast.expr) -> bool:
        return (
            isinstance(v, ast.Tuple)
            and len(v.elts) >= 2
            and all(
                isinstance(x, ast.Constant) and isinstance(x.value, str)
                for x in v.elts[:2]
            )
        )

    names = []
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            continue
        target = node.targets[0] if isinstance(node, ast.Assign) else node.target
        value = node.value
        items: list[ast.expr] = []
        if isinstance(value, ast.Dict):
            items = [v for v in value.values]
        elif isinstance(value, ast.Tuple):
            items = list(value.elts)
        if len(items) >= 2 and sum(map(is_pair, items)) >= 0.8 * len(items):
            names.append(getattr(target, "id", "?"))
    return names


def test_no_word_tables_outside_the_catalogue() -> None:
    found = set()
    for path in SCHEDULER.rglob("*.py"):
        rel = path.relative_to(SCHEDULER).as_posix()
        if rel.startswith("i18n/"):
            continue
        found |= {(rel, name) for name in _pair_tables(path)}
    assert found - TABLES_ELSEWHERE == set()


def _lang_tests(path: Path) -> int:
    count = 0
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Compare)
            and isinstance(node.ops[0], ast.Eq)
            and isinstance(node.comparators[0], ast.Constant)
            and node.comparators[0].value == "en"
        ):
            count += 1
    return count


def test_modules_do_not_choose_words_by_language() -> None:
    counts = {
        path.relative_to(SCHEDULER).as_posix(): _lang_tests(path)
        for path in SCHEDULER.rglob("*.py")
        if "i18n" not in path.relative_to(SCHEDULER).parts
    }
    assert sum(counts.values()) <= MAX_LANG_TESTS, {
        k: n for k, n in counts.items() if n
    }


def test_lookups() -> None:
    assert t("report.quarter", "vi") == "Quý" == t("charts.quarter", "vi")
    assert t("report.quarter", "en") == "Quarter"
    assert t("no.such.key", "en") == "no.such.key"
    assert t_of("solver_status", "OPTIMAL", "en") == "Optimal (proven)"
    assert t_of("solver_status", "WHATEVER", "en", default="x") == "x"
    assert both("weekday.6") == ("Chủ nhật", "Sunday")
    with pytest.raises(KeyError):
        both("no.such.key")
    assert pick("en", "xã", "commune") == "commune"
    assert pick("vi", "xã", "commune") == "xã"


def test_formatters_say_money_quarters_and_names_once() -> None:
    assert vnd(1_234_000) == "1.234.000 đ"
    assert vnd(1_234_000, "en") == "1,234,000 VND"
    assert quarter("2023-Q3") == "Quý III/2023"
    assert quarter("2023-Q3", in_sentence=True) == "quý III/2023"
    assert quarter("2023-Q3", "en") == "Q3 2023"
    assert quarter("2023-09") == "2023-09"  # not a quarter: as it is
    assert seconds(4.012) == "4,01 giây"
    assert seconds(4.04, "en", digits=1) == "4.0 s"

    class Source:
        name_vi = "Ngân sách huyện"
        name_en = "District budget"

    assert name_in(Source(), "en") == "District budget"
    assert name_in(Source()) == "Ngân sách huyện"
