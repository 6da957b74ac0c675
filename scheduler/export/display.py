"""What a plan's outputs show of its scenario: names, places, offices, publish settings.

:class:`DisplayData` is taken from a validated scenario and written as
``display.json`` beside ``plan.json``, so that the feeds can be built again from
an out folder alone (``scheduler publish``, ``scheduler export ics``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from scheduler.i18n import pick

if TYPE_CHECKING:
    from scheduler.scenario.schema import Scenario

DISPLAY_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Place:
    """A commune or venue as people see it: name, commune, coordinates."""

    name: str
    commune_code: str | None = None
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Person:
    """A staff member as the feeds show them.

    Private feeds show the name, public ones the role and office. E-mail
    addresses and phone numbers are not kept: no feed shows them.
    """

    name: str
    roles: tuple[str, ...] = ()
    organisation: str | None = None


@dataclass(frozen=True)
class Label:
    """A name in both languages (activities also keep their kind)."""

    vi: str
    en: str
    kind: str = ""

    def text(self, lang: str) -> str:
        """Return the name in ``lang``."""
        return pick(lang, self.vi, self.en)


@dataclass(frozen=True)
class DisplayData:
    """What the feeds need from a scenario, and nothing else.

    ``scheduler plan`` writes it as ``display.json`` beside ``plan.json``, so
    ``scheduler publish out/<scenario>`` can build the feeds from the out folder
    alone, even when the scenario files have moved or changed since.
    Dicts keep the scenario's table order.
    """

    scenario: str
    title: str
    area_name: str
    communes: dict[str, Place]
    venues: dict[str, Place]
    staff: dict[str, Person]
    topics: dict[str, Label]
    funding: dict[str, Label]
    activities: dict[str, Label]
    stations: tuple[str, ...] = ()
    public_names: bool = False
    organizer_email: str | None = None
    schema_version: int = DISPLAY_SCHEMA_VERSION
    # publications' outlets: id -> name (the place of an item with no commune)
    outlets: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> DisplayData:
        """Take the names, places and contacts of a validated scenario."""
        return cls(
            scenario=scenario.name,
            title=scenario.title,
            area_name=scenario.area.name,
            communes={
                c.commune_code: Place(c.commune_name, c.commune_code, c.lat, c.lon)
                for c in scenario.communes
            },
            venues={
                v.venue_id: Place(v.name, v.commune_code, v.lat, v.lon)
                for v in scenario.venues
            },
            staff={
                s.staff_id: Person(s.name, tuple(s.roles), s.organisation)
                for s in scenario.staff
            },
            topics={x.topic_id: Label(x.name_vi, x.name_en) for x in scenario.topics},
            funding={f.id: Label(f.name_vi, f.name_en) for f in scenario.funding},
            activities={
                a: Label(spec.name_vi, spec.name_en, spec.kind)
                for a, spec in scenario.activities.items()
            },
            stations=tuple(dict.fromkeys(s.commune_code for s in scenario.stations)),
            public_names=scenario.publish.public_names,
            organizer_email=scenario.publish.organizer_email,
            outlets={
                o.id: o.name
                for spec in scenario.activities.values()
                for o in spec.outlets
            },
        )

    def to_json(self) -> str:
        """Return ``display.json`` text (sorted keys are not used: order matters)."""
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> DisplayData:
        """Read :meth:`to_json` output.

        Raises
        ------
        ValueError
            When the text is not a display.json of a version this code reads.
        """
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("display.json must hold a JSON object")
        version = data.get("schema_version")
        if version != DISPLAY_SCHEMA_VERSION:
            raise ValueError(
                f"display.json schema_version {version!r}, expected {DISPLAY_SCHEMA_VERSION}"
            )
        try:
            return cls(
                scenario=data["scenario"],
                title=data["title"],
                area_name=data["area_name"],
                communes={k: Place(**v) for k, v in data["communes"].items()},
                venues={k: Place(**v) for k, v in data["venues"].items()},
                staff={
                    # an older file's "email" is ignored: no feed shows it
                    k: Person(v["name"], tuple(v["roles"]), v.get("organisation"))
                    for k, v in data["staff"].items()
                },
                topics={k: Label(**v) for k, v in data["topics"].items()},
                funding={k: Label(**v) for k, v in data["funding"].items()},
                activities={k: Label(**v) for k, v in data["activities"].items()},
                stations=tuple(data.get("stations", ())),
                public_names=bool(data.get("public_names", False)),
                organizer_email=data.get("organizer_email"),
                outlets=dict(data.get("outlets", {})),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"display.json: missing or malformed field {exc}") from exc

    def commune_name(self, code: str | None) -> str:
        """Return a commune's name (its code when unknown)."""
        if code is None:
            return ""
        place = self.communes.get(code)
        return place.name if place else code

    def activity_name(self, activity: str, lang: str) -> str:
        """Return an activity's name (its id when unknown)."""
        label = self.activities.get(activity)
        return label.text(lang) if label else activity
