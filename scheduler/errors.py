"""Errors the library raises, each carrying what a planner needs to fix the input."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.i18n import pick


@dataclass(frozen=True)
class InputProblem:
    """One problem found in the scenario files.

    Parameters
    ----------
    file : str
        The file the problem is in, as the planner named it (relative path).
    row : int or None
        The row in that file (the header is row 1, so the first data row is 2);
        ``None`` for a TOML file or a whole-file problem.
    field : str
        The column or TOML key (dotted) that is wrong.
    message : str
        What was expected, in plain Vietnamese words.
    message_en : str
        The same in English (``--lang en``); empty means same as ``message``.
    """

    file: str
    row: int | None
    field: str
    message: str
    message_en: str = ""

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}, dòng {self.row}"
        return f"{where}, trường '{self.field}': {self.message}"

    def english(self) -> str:
        """Return the problem located in English words."""
        where = self.file if self.row is None else f"{self.file}, row {self.row}"
        return f"{where}, field '{self.field}': {self.message_en or self.message}"

    def render(self, lang: str = "vi") -> str:
        """Return the problem in the given language (``vi`` or ``en``)."""
        return pick(lang, str(self), self.english())


class BilingualValueError(ValueError):
    """A value a validator rejects, said in Vietnamese and in English.

    Raised inside pydantic validators; :mod:`scheduler.scenario.load` turns it
    into an :class:`InputProblem` with both texts, so no English reaches a
    Vietnamese message.

    Parameters
    ----------
    vi : str
        The reason in Vietnamese.
    en : str
        The same in English.
    """

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en


class SolverGaveUp(RuntimeError):
    """The solver stopped without an answer (time limit), said in both languages.

    Parameters
    ----------
    vi : str
        What happened, in Vietnamese.
    en : str
        The same in English.
    """

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en

    def render(self, lang: str = "vi") -> str:
        """Return the message in one language."""
        return pick(lang, self.vi, self.en)


def say(exc: BaseException, lang: str = "vi") -> str:
    """Return an exception's message in a language when it carries both."""
    if isinstance(exc, SolverGaveUp):
        return exc.render(lang)
    return str(exc)


class ScenarioError(Exception):
    """The scenario files are invalid; carries every problem found at once."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class InfeasibleScenario(Exception):
    """A hard rule cannot hold even when optional activities are left out.

    Parameters
    ----------
    reasons : list of (str, str)
        Conflicting rules in the planner's words, with the numbers involved,
        each in Vietnamese and in English.
    explained : bool
        False when the reasons only say that no plan exists: the solver proves
        infeasibility and leaves naming the conflicting rules to
        :func:`scheduler.explain.explained`, which the commands wrap it in.
    """

    def __init__(
        self, reasons: list[tuple[str, str]], *, explained: bool = True
    ) -> None:
        self.reasons = list(reasons)
        self.explained = explained
        super().__init__("\n".join(vi for vi, _ in self.reasons))

    def render(self, lang: str = "vi") -> list[str]:
        """Return the reasons in one language."""
        return [pick(lang, vi, en) for vi, en in self.reasons]
