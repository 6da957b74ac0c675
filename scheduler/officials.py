"""Commune officials: people who take part only in their own commune's events.

Seed 004 §III.2.2.b lists who takes part in a commune's policy dialogue: beside
the district's (now the province's) staff, the commune's Party committee, its
chair or vice-chair, the Fatherland Front and the mass unions of *that*
commune. They are staff with a ``home_commune``:

- a role held by someone with a home commune is a *commune role*; every holder
  of a commune role has a home commune, and a person with a home commune holds
  only commune roles (so a role is wholly local or wholly provincial);
- a holder of a commune role serves only the sessions held in their commune
  (never a training class, which gathers several communes);
- commune officials do not travel: their roles count for no travel cost;
- every commune that gets a session needing a commune role has enough holders
  of it (a pre-check, :func:`officials_problems`).

The model's side is :mod:`scheduler.model.officials`; this module holds the
plain functions every other part (costs, greedy plan, naming, checker,
reasons) shares.
"""

from __future__ import annotations

from collections.abc import Callable

from scheduler.errors import InputProblem
from scheduler.scenario.schema import Scenario, Staff


def commune_roles(scenario: Scenario) -> frozenset[str]:
    """Return the roles held by commune officials (people with a home commune)."""
    return frozenset(r for p in scenario.staff if p.home_commune for r in p.roles)


def has_officials(scenario: Scenario) -> bool:
    """Return whether anyone in the scenario has a home commune."""
    return any(p.home_commune for p in scenario.staff)


def serves(person: Staff, commune: str | None) -> bool:
    """Return whether a person may serve an event held in a commune.

    ``commune`` is None for an event held in no commune (a training class):
    only people without a home commune serve those.
    """
    return person.home_commune is None or person.home_commune == commune


def serving(scenario: Scenario, role: str, commune: str | None) -> tuple[Staff, ...]:
    """Return the holders of a role who may serve an event in a commune."""
    return tuple(p for p in scenario.holders(role) if serves(p, commune))


def travelling_count(scenario: Scenario, activity: str) -> int:
    """Return how many people of an event travel to it: its roles but commune roles.

    Equal to the sum of the activity's role needs when the scenario has no
    commune officials.
    """
    roles = scenario.activities[activity].roles
    if not has_officials(scenario):
        return sum(roles.values())
    local = commune_roles(scenario)
    return sum(n for r, n in roles.items() if r not in local)


def session_commune(scenario: Scenario, place: str, is_session: bool) -> str | None:
    """Return the commune of an event's place: the venue's commune for a session.

    A session is always held at a venue of its commune
    (:func:`scheduler.costs.session_venue`); anything else (a class, a
    broadcast) has no commune an official could serve.
    """
    if not is_session:
        return None
    for v in scenario.venues:
        if v.venue_id == place:
            return v.commune_code
    return None


Locate = Callable[[str, int], tuple[str, int | None]]


def officials_problems(
    scenario: Scenario, toml_file: str, where: Locate
) -> list[InputProblem]:
    """Return the input problems of commune officials (empty without any).

    - a ``home_commune`` that is not in the commune table (staff row);
    - a role held both by someone with a home commune and someone without
      (staff row of the first person without one);
    - a commune role required by an activity that is not a session (TOML key);
    - a commune that gets sessions of an activity needing a commune role but
      has fewer holders of it than the activity needs (commune row).

    Parameters
    ----------
    scenario : Scenario
        A scenario whose records passed their own checks.
    toml_file : str
        How to name the scenario TOML file in messages.
    where : callable
        (table, record index) → (file, row) of that record.

    Returns
    -------
    list of InputProblem
        Each naming its file, row and field, in Vietnamese and English.
    """
    if not has_officials(scenario):
        return []
    out: list[InputProblem] = []
    codes = {c.commune_code: i for i, c in enumerate(scenario.communes)}
    local = commune_roles(scenario)
    mixed: set[str] = set()
    for i, p in enumerate(scenario.staff):
        if p.home_commune and p.home_commune not in codes:
            file, row = where("staff", i)
            out.append(
                InputProblem(
                    file,
                    row,
                    "home_commune",
                    f"mã xã '{p.home_commune}' không có trong bảng xã",
                    f"commune code '{p.home_commune}' is not in the commune table",
                )
            )
        shared = sorted(r for r in p.roles if r in local and r not in mixed)
        if p.home_commune is None and shared:
            mixed.update(shared)
            file, row = where("staff", i)
            out.append(
                InputProblem(
                    file,
                    row,
                    "roles",
                    f"vai trò '{shared[0]}' là vai trò của cán bộ xã (người giữ có "
                    f"home_commune) nhưng người này không có home_commune: một vai trò "
                    f"hoặc chỉ của cán bộ xã, hoặc chỉ của cán bộ cấp trên",
                    f"the role '{shared[0]}' is a commune role (its holders have a "
                    f"home_commune) but this person has none: a role is either "
                    f"commune officials' only or higher-level staff's only",
                )
            )
    for act_id, spec in scenario.activities.items():
        needed = {r: n for r, n in spec.roles.items() if n and r in local}
        if not needed:
            continue
        if spec.kind != "session":
            out.append(
                InputProblem(
                    toml_file,
                    None,
                    f"activities.{act_id}.roles",
                    f"vai trò cán bộ xã '{min(needed)}' chỉ dùng được cho buổi họp ở "
                    f"xã (kind = \"session\"), không cho '{spec.kind}'",
                    f"the commune role '{min(needed)}' can only be required by a "
                    f'session held in a commune (kind = "session"), not a '
                    f"'{spec.kind}'",
                )
            )
            continue
        out.extend(_short_communes(scenario, act_id, needed, codes, where))
    return out


def _short_communes(
    scenario: Scenario,
    act_id: str,
    needed: dict[str, int],
    codes: dict[str, int],
    where: Locate,
) -> list[InputProblem]:
    """Return a problem per commune with too few holders of a needed commune role."""
    spec = scenario.activities[act_id]
    have: dict[tuple[str, str], int] = {}
    for p in scenario.staff:
        if p.home_commune:
            for r in p.roles:
                have[(p.home_commune, r)] = have.get((p.home_commune, r), 0) + 1
    out = []
    for c in scenario.communes_for(act_id):
        if scenario.required_count(act_id, c.commune_code) == 0:
            continue
        for role, n in sorted(needed.items()):
            got = have.get((c.commune_code, role), 0)
            if got >= n:
                continue
            file, row = where("communes", codes[c.commune_code])
            out.append(
                InputProblem(
                    file,
                    row,
                    "commune_code",
                    f"xã {c.commune_name} ({c.commune_code}) có {got} người giữ vai "
                    f"trò cán bộ xã '{role}' nhưng {spec.name_vi} ({act_id}) cần {n}: "
                    f"thêm người có home_commune = {c.commune_code} và vai trò "
                    f"'{role}' vào bảng cán bộ",
                    f"commune {c.commune_name} ({c.commune_code}) has {got} holders "
                    f"of the commune role '{role}' but {spec.name_en} ({act_id}) "
                    f"needs {n}: add someone with home_commune = {c.commune_code} "
                    f"and the role '{role}' to the staff table",
                )
            )
    return out
