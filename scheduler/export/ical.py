"""iCalendar feeds of a plan: one per plan, commune, radio station, staff member and activity.

The builder is pure. It reads a :class:`~scheduler.plan.Plan`, the names and
places of :class:`~scheduler.export.display.DisplayData` and the calendar
state of the previous publish (uid → SEQUENCE, content hash, last modified,
cancelled at), and returns the feeds and the next state. It never reads the
clock or a database: the caller passes ``now``, so the same inputs always give
the same bytes.

Every text is built with the ``icalendar`` library (escaping, parameters,
VTIMEZONE); only the folding of long lines is done here (:func:`fold`), byte
for byte as icalendar folds them, because icalendar's own was slow.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import json
import urllib.parse
import zoneinfo
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from icalendar import (
    Alarm,
    Calendar,
    Component,
    Timezone,
    vCalAddress,
    vDuration,
    vText,
)
from icalendar import Event as VEvent

from scheduler.export.display import DisplayData, Place
from scheduler.i18n import t, vnd
from scheduler.plan import Event

if TYPE_CHECKING:
    from scheduler.plan import Plan

TZID = "Asia/Ho_Chi_Minh"
ZONE = zoneinfo.ZoneInfo(TZID)
UTC = dt.UTC

#: Google Calendar stops reading a subscribed feed above about 1 MB; stay below
#: the smaller reading of "1 MB" (10^6 bytes rather than 2^20).
FEED_LIMIT_BYTES = 1_000_000
#: How long a removed event stays in the feeds as STATUS:CANCELLED.
DEFAULT_GRACE_DAYS = 14
#: How often clients are asked to refresh (REFRESH-INTERVAL, X-PUBLISHED-TTL).
DEFAULT_REFRESH = dt.timedelta(hours=6)

#: CSS3 colour names (RFC 7986 COLOR), one per feed kind.
COLORS = {
    "plan": "darkblue",
    "commune": "seagreen",
    "station": "firebrick",
    "staff": "darkorange",
    "activity": "slateblue",
}


def _w(key: str, lang: str) -> str:
    return t(f"ical.{key}", lang)


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class EventState:
    """What a feed remembers of one event between publishes.

    ``event`` is the last known content: the plan's event while it is planned,
    the last planned version once a re-plan dropped it (needed to show it as
    cancelled). ``last_modified`` is UTC and becomes DTSTAMP and LAST-MODIFIED.
    """

    uid: str
    sequence: int
    content_hash: str
    last_modified: dt.datetime
    cancelled_at: dt.datetime | None = None
    event: Event | None = None


CalendarState = Mapping[str, EventState]


@dataclass(frozen=True)
class PublishedCalendar:
    """The calendar state of a scenario's last publish, and when that was.

    The plan store gives it (:func:`scheduler.store.preview_state`); the files
    of ``scheduler plan`` continue it, so that events unchanged since keep
    their SEQUENCE and stamps.
    """

    state: CalendarState
    published_at: dt.datetime


def event_uid(scenario: str, event_id: str) -> str:
    """Return the iCalendar UID of an event: ``<event_id>@<scenario>.scheduler``."""
    return f"{event_id}@{scenario}.scheduler"


def default_stamp(plan: Plan) -> dt.datetime:
    """Return DTSTAMP for events with no stored state: 00:00 local on the horizon start.

    Derived from the plan alone, so files written without a store are
    reproducible; ``scheduler publish`` replaces it by the real publish time.
    """
    start = dt.datetime.combine(plan.horizon_start, dt.time(0, 0), tzinfo=ZONE)
    return start.astimezone(UTC)


def content_hash(event: Event, display: DisplayData) -> str:
    """Return a SHA-256 over everything a feed shows of an event, in both languages.

    The event's own fields and the names, places and offices it refers to are
    hashed, so renaming a venue or moving a session both count as a change;
    so do the scenario's publish settings (names shown or not, organizer).
    """
    # "pinned" (kept from an earlier plan) looks the same to a subscriber as "scheduled"
    shown = _plain(event)
    shown["status"] = _shown_status(event.status)
    resolved = {
        "event": shown,
        "venue": _plain(display.venues[event.venue_id])
        if event.venue_id in display.venues
        else None,
        "communes": [
            _plain(display.communes[c])
            for c in (event.commune_code, *event.communes_served)
            if c in display.communes
        ],
        "staff": [
            _plain(display.staff[a.staff_id])
            for a in event.staff
            if a.staff_id in display.staff
        ],
        "publish": [display.public_names, display.organizer_email],
        "labels": [
            _plain(x)
            for x in (
                display.activities.get(event.activity),
                display.topics.get(event.topic or ""),
                display.funding.get(event.funding_source or ""),
            )
            if x is not None
        ],
    }
    text = json.dumps(resolved, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


def _plain(value: Any) -> Any:
    """Return a dataclass as :func:`dataclasses.asdict` would, for JSON only.

    The same dicts and lists (so the same JSON and the same hashes as before),
    without ``asdict``'s deep copies of every value: they were a large part of
    the time of a plan's calendars.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            name: _plain(getattr(value, name)) for name in _field_names(type(value))
        }
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _shown_status(status: str) -> str:
    return "scheduled" if status == "pinned" else status


def _utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()}: a zone is required")
    return value.astimezone(UTC).replace(microsecond=0)


def advance_state(
    plan: Plan,
    display: DisplayData,
    previous: CalendarState,
    now: dt.datetime,
    grace: dt.timedelta = dt.timedelta(days=DEFAULT_GRACE_DAYS),
) -> dict[str, EventState]:
    """Return the calendar state after publishing ``plan`` at ``now``.

    Rules, per UID:

    - new event: SEQUENCE 0, last modified ``now``;
    - same content hash as before: state unchanged (so the bytes are unchanged);
    - changed content (moved, re-staffed, renamed …) or back after a
      cancellation: SEQUENCE + 1, last modified ``now``;
    - in ``previous`` but not in the plan: cancelled at ``now`` with
      SEQUENCE + 1 (once; an already cancelled event keeps its state);
    - cancelled at or before ``now - grace``: gone from the state and the feeds.

    Parameters
    ----------
    plan, display
        The plan being published and its names and places.
    previous
        State of the last publish (empty for the first).
    now
        The publish time (any zone; stored as UTC, whole seconds).
    grace
        How long a cancelled event stays in the feeds.

    Returns
    -------
    dict[str, EventState]
        The new state, by UID.
    """
    now = _utc(now)
    state: dict[str, EventState] = {}
    for event in plan.events:
        uid = event_uid(plan.scenario, event.event_id)
        digest = content_hash(event, display)
        old = previous.get(uid)
        if old is None:
            state[uid] = EventState(uid, 0, digest, now, None, event)
        elif old.content_hash == digest and old.cancelled_at is None:
            state[uid] = replace(old, event=event)
        else:
            state[uid] = EventState(uid, old.sequence + 1, digest, now, None, event)
    for uid, old in previous.items():
        if uid in state:
            continue
        if old.cancelled_at is None:  # removed by this plan: cancel it, once
            old = replace(
                old, sequence=old.sequence + 1, last_modified=now, cancelled_at=now
            )
        cancelled_at = old.cancelled_at or now
        if _utc(cancelled_at) + grace > now:
            state[uid] = old
    return dict(sorted(state.items()))


# --------------------------------------------------------------------------- feeds


@dataclass(frozen=True)
class Feed:
    """One rendered calendar.

    ``last_modified`` is the latest LAST-MODIFIED of its events (``None`` for
    an empty feed; a split feed takes its parts'). ``dropped`` counts past
    events left out to stay under the size limit; ``parts`` names the feeds a
    feed too large was split into (it then holds no event itself);
    ``oversize`` marks a feed still over the limit.
    """

    name: str
    kind: str
    subject: str | None
    title: str
    body: bytes
    last_modified: dt.datetime | None
    uids: tuple[str, ...] = ()
    dropped: int = 0
    parts: tuple[str, ...] = ()
    oversize: bool = False

    @property
    def filename(self) -> str:
        """Return the file name under ``calendars/``."""
        return f"{self.name}.ics"


@dataclass(frozen=True)
class FeedSpec:
    """One feed before rendering: its name, kind, subject, label and which events it shows."""

    name: str
    kind: str
    subject: str | None
    label: str
    wants: Callable[[Event], bool] = field(compare=False)


def _safe(ident: str) -> str:
    """Keep ids readable in file names and URLs; escape anything else (``/``, spaces)."""
    return urllib.parse.quote(ident, safe="")


def _in_commune(code: str) -> Callable[[Event], bool]:
    return lambda e: e.commune_code == code or code in e.communes_served


def _on_station(code: str) -> Callable[[Event], bool]:
    return lambda e: e.kind == "broadcast" and e.commune_code == code


def _worked_by(staff_id: str) -> Callable[[Event], bool]:
    return lambda e: staff_id in e.staff_ids


def _of_activity(activity: str) -> Callable[[Event], bool]:
    return lambda e: e.activity == activity


def feed_specs(display: DisplayData, lang: str = "vi") -> list[FeedSpec]:
    """Return every feed a plan has, in a fixed order: all, communes, stations, staff, activities.

    A station feed (broadcasts only, for the radio operator) exists for each
    commune with station slots, unless every activity is a broadcast: then it
    would equal the commune feed.
    """
    specs = [FeedSpec("all", "plan", None, _w("all", lang), lambda e: True)]
    for code, place in display.communes.items():
        specs.append(
            FeedSpec(
                f"commune-{_safe(code)}",
                "commune",
                code,
                place.name,
                _in_commune(code),
            )
        )
    only_broadcasts = all(a.kind == "broadcast" for a in display.activities.values())
    if not only_broadcasts:
        for code in display.stations:
            specs.append(
                FeedSpec(
                    f"station-{_safe(code)}",
                    "station",
                    code,
                    _w("station", lang).format(display.commune_name(code)),
                    _on_station(code),
                )
            )
    for sid, person in display.staff.items():
        specs.append(
            FeedSpec(
                f"staff-{_safe(sid)}",
                "staff",
                sid,
                person.name,
                _worked_by(sid),
            )
        )
    for aid, label in display.activities.items():
        specs.append(
            FeedSpec(
                f"activity-{_safe(aid)}",
                "activity",
                aid,
                label.text(lang),
                _of_activity(aid),
            )
        )
    return specs


def _location(
    event: Event, display: DisplayData, lang: str
) -> tuple[str, Place | None]:
    """Return the LOCATION text and the place whose coordinates GEO may use."""
    commune = display.communes.get(event.commune_code or "")
    if event.venue_id:
        venue = display.venues.get(event.venue_id)
        if venue is None:
            return event.venue_id, None
        where = display.communes.get(venue.commune_code or event.commune_code or "")
        parts = [venue.name, where.name if where else display.area_name]
        if venue.lat is None and where is not None:
            return ", ".join(parts), where
        return ", ".join(parts), venue
    if event.kind == "broadcast" and event.commune_code:
        name = display.commune_name(event.commune_code)
        return _w("station", lang).format(name) + f", {name}", commune
    if event.kind == "publication" and event.slot_id:
        return display.outlets.get(event.slot_id, event.slot_id), None
    return (commune.name if commune else display.area_name), commune


def _summary(event: Event, display: DisplayData, lang: str, cancelled: bool) -> str:
    name = display.activity_name(event.activity, lang)
    if event.kind == "broadcast" and event.topic and event.topic in display.topics:
        name = f"{name}: {display.topics[event.topic].text(lang)}"
    if event.commune_code:
        text = f"{name} — {display.commune_name(event.commune_code)}"
    elif event.kind == "publication" and event.slot_id:
        text = f"{name} — {display.outlets.get(event.slot_id, event.slot_id)}"
    else:
        text = f"{name} ({_w('classes', lang).format(len(event.communes_served))})"
    return (_w("cancelled", lang) if cancelled else "") + text


def staff_text(event: Event, display: DisplayData, named: bool) -> str:
    """Return who works an event: ``Name (role)`` each, or without names ``role — office``.

    Parameters
    ----------
    event
        The event.
    display
        Names, roles and offices of the staff.
    named
        Show names (private feeds, or a scenario with ``public_names``); else
        only each person's role in the event and their office, so a public
        text names nobody.
    """
    people = []
    for a in event.staff:
        person = display.staff.get(a.staff_id)
        if named:
            people.append(f"{person.name if person else a.staff_id} ({a.role})")
        elif person is not None and person.organisation:
            people.append(f"{a.role} — {person.organisation}")
        else:
            people.append(a.role)
    return ("; " if not named else ", ").join(people)


def _description(
    event: Event, display: DisplayData, lang: str, status: str, named: bool
) -> str:
    lines = [f"{_w('activity', lang)}: {display.activity_name(event.activity, lang)}"]
    if event.topic:
        topic = display.topics.get(event.topic)
        lines.append(
            f"{_w('topic', lang)}: {topic.text(lang) if topic else event.topic}"
        )
    if event.communes_served:
        names = ", ".join(display.commune_name(c) for c in event.communes_served)
        lines.append(f"{_w('communes_served', lang)}: {names}")
    if event.staff:
        lines.append(f"{_w('staff', lang)}: {staff_text(event, display, named)}")
    if event.attendees:
        lines.append(f"{_w('attendees', lang)}: {event.attendees}")
    lines.append(f"{_w('cost', lang)}: {vnd(event.cost_vnd, lang)}")
    if event.funding_source:
        source = display.funding.get(event.funding_source)
        shown = source.text(lang) if source else event.funding_source
        lines.append(f"{_w('funding', lang)}: {shown}")
    if status == "cancelled":  # STATUS says it too, but not every client shows it
        lines.append(f"{_w('status', lang)}: {_w('status.cancelled', lang)}")
    lines.append(f"{_w('event_id', lang)}: {event.event_id}")
    return "\n".join(lines)


def organizer(display: DisplayData) -> vCalAddress:
    """Return the ORGANIZER of every event: the planning office, never a person.

    RFC 5546 wants one ORGANIZER in each event of a ``METHOD:PUBLISH``
    calendar. It is the scenario's ``[publish] organizer_email`` (an office
    mailbox) when given, else a URN naming the scenario; ``CN`` is the area.
    """
    if display.organizer_email:
        address = vCalAddress(f"mailto:{display.organizer_email}")
    else:
        address = vCalAddress(f"urn:x-scheduler:{_safe(display.scenario)}")
    address.params["CN"] = display.area_name
    return address


def _vevent(
    st: EventState,
    display: DisplayData,
    lang: str,
    alarm: dt.timedelta | None,
    named: bool,
) -> VEvent:
    event = st.event
    assert event is not None
    cancelled = st.cancelled_at is not None or event.status == "cancelled"
    status = "cancelled" if cancelled else event.status
    text = {"LANGUAGE": lang}
    ve = VEvent()
    ve.add("uid", st.uid)
    ve.add("dtstamp", _utc(st.last_modified))
    ve.add("last-modified", _utc(st.last_modified))
    ve.add("sequence", st.sequence)
    if event.all_day:
        # DATE values; DTEND is exclusive: the day after the last class day
        ve.add("dtstart", event.start.astimezone(ZONE).date())
        ve.add("dtend", event.end.astimezone(ZONE).date() + dt.timedelta(days=1))
    else:
        ve.add("dtstart", event.start.astimezone(ZONE))
        ve.add("dtend", event.end.astimezone(ZONE))
    ve.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    summary = _summary(event, display, lang, cancelled)
    ve.add("summary", summary, parameters=text)
    location, place = _location(event, display, lang)
    if location:
        ve.add("location", location, parameters=text)
    if place is not None and place.lat is not None and place.lon is not None:
        ve.add("geo", (place.lat, place.lon))
    description = _description(event, display, lang, status, named)
    ve.add("description", description, parameters=text)
    ve.add("categories", [display.activity_name(event.activity, lang)])
    # RFC 5546 PUBLISH: exactly one ORGANIZER and no ATTENDEE, in every feed
    ve.add("organizer", organizer(display))
    if alarm is not None and not cancelled:
        valarm = Alarm()
        valarm.add("action", "DISPLAY")
        valarm.add("description", summary)
        valarm.add("trigger", -alarm)
        ve.add_component(valarm)
    return ve


def _calendar(
    spec: FeedSpec,
    plan: Plan,
    display: DisplayData,
    lang: str,
    refresh: dt.timedelta,
    note: str | None,
) -> Calendar:
    cal = Calendar()
    cal.add("prodid", f"-//scheduler//{display.scenario}//{lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    title = f"{spec.label} — {display.area_name}"
    cal.add("name", title)
    cal.add("x-wr-calname", vText(title))
    about = [plan.title, _w(f"feed.{spec.kind}", lang), _w("feed.footer", lang)]
    if note:
        about.append(note)
    description = "\n".join(about)
    cal.add("description", description)
    cal.add("x-wr-caldesc", vText(description))
    cal.add("x-wr-timezone", TZID)
    cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", vDuration(refresh))
    cal.add("color", COLORS[spec.kind])
    cal.add_component(_vtimezone(plan.horizon_start, plan.horizon_end))
    return cal


@functools.lru_cache(maxsize=8)
def _vtimezone(first: dt.date, last: dt.date) -> Timezone:
    """Return the zone's rules over the horizon (Vietnam has kept UTC+7 since 1975).

    Built once per horizon: it is the slowest part of a calendar to make, and
    every feed carries the same one.
    """
    return Timezone.from_tzinfo(
        ZONE, TZID, first_date=first, last_date=last + dt.timedelta(days=1)
    )


Rendered = list[tuple[EventState, VEvent]]

# RFC 5545 folding as icalendar does it: at most 74 octets of a line before a
# fold, never inside a UTF-8 character, and an escape (backslash, or the caret
# of RFC 6868) not left at the end of a folded line
_FOLD_OCTETS = 74
_FOLD = b"\r\n "
_ESCAPES = frozenset(b"\\^")


def fold(line: str) -> bytes:
    """Return one content line folded exactly as icalendar folds it, as UTF-8.

    icalendar's own folding weighs every character in Python, which was most
    of the time of writing a plan's calendars; this cuts the encoded line at
    character boundaries instead (a byte that is not a UTF-8 continuation
    byte), giving the same bytes (``tests/test_exports_fast.py`` compares them).
    """
    data = line.encode("utf-8")
    if len(data) <= _FOLD_OCTETS:
        return data
    pieces = []
    start = 0
    while len(data) - start > _FOLD_OCTETS:
        end = start + _FOLD_OCTETS
        while data[end] & 0xC0 == 0x80:  # inside a character: cut before it
            end -= 1
        if data[end - 1] in _ESCAPES and end - 1 > start:
            end -= 1  # the escape starts the next line
        pieces.append(data[start:end])
        start = end
    pieces.append(data[start:])
    return _FOLD.join(pieces)


def to_ical(component: Component) -> bytes:
    """Return a component serialised as ``component.to_ical()`` does, faster.

    The content lines (escaping, parameters, sorted properties) come from
    icalendar; only the folding is :func:`fold`.
    """
    lines = component.content_lines()
    return b"\r\n".join(fold(line) for line in lines if line) + b"\r\n"


@dataclass(frozen=True)
class _Context:
    """What every feed of one build shares."""

    plan: Plan
    display: DisplayData
    lang: str
    refresh: dt.timedelta
    limit: int
    past_before: dt.datetime | None

    # each event serialised once, though it sits in several feeds (the whole
    # plan, its commune, its station, its activity): serialising was most of
    # the time of a build (icalendar folds every line character by character)
    serialised: dict[int, bytes] = field(default_factory=dict)

    def event_bytes(self, ve: VEvent) -> bytes:
        """Return an event serialised, once per build."""
        body = self.serialised.get(id(ve))
        if body is None:
            body = self.serialised[id(ve)] = to_ical(ve)
        return body

    def render(self, spec: FeedSpec, rendered: Rendered, note: str | None) -> bytes:
        """Return a feed's bytes: its calendar with the events, as icalendar writes it.

        The calendar's own lines and its time zone come from icalendar; the
        events, already serialised, go where icalendar puts subcomponents, after
        the time zone and before the calendar's END line.
        """
        cal = _calendar(spec, self.plan, self.display, self.lang, self.refresh, note)
        head = to_ical(cal)
        end = b"END:VCALENDAR\r\n"
        if not head.endswith(end):  # not what icalendar writes: serialise whole
            for _, ve in rendered:
                cal.add_component(ve)
            whole: bytes = cal.to_ical()
            return whole
        events = b"".join(self.event_bytes(ve) for _, ve in rendered)
        return head[: -len(end)] + events + end

    def feed(
        self,
        spec: FeedSpec,
        body: bytes,
        rendered: Rendered,
        *,
        dropped: int = 0,
        parts: tuple[str, ...] = (),
        stamps: Iterable[dt.datetime] = (),
    ) -> Feed:
        seen = [_utc(st.last_modified) for st, _ in rendered] + list(stamps)
        return Feed(
            name=spec.name,
            kind=spec.kind,
            subject=spec.subject,
            title=f"{spec.label} — {self.display.area_name}",
            body=body,
            last_modified=max(seen) if seen else None,
            uids=tuple(st.uid for st, _ in rendered),
            dropped=dropped,
            parts=parts,
            oversize=len(body) > self.limit,
        )


def build_feeds(
    plan: Plan,
    display: DisplayData,
    state: CalendarState,
    *,
    lang: str = "vi",
    refresh: dt.timedelta = DEFAULT_REFRESH,
    alarm: dt.timedelta | None = None,
    limit_bytes: int | None = None,
    now: dt.datetime | None = None,
) -> list[Feed]:
    """Render every feed of a plan from the calendar state.

    Public feeds (whole plan, communes, stations, activities) name no one
    unless ``display.public_names``: staff appear by role and office. Staff
    feeds, private, give names. No feed has an e-mail address or ATTENDEE.

    Parameters
    ----------
    plan
        The plan (title and horizon; the events themselves come from ``state``).
    display
        Names, places, offices and the publish settings.
    state
        The state returned by :func:`advance_state`: every planned event and
        every cancelled one still in its grace period. Entries without known
        content are skipped.
    lang
        ``"vi"`` or ``"en"`` for SUMMARY, LOCATION, DESCRIPTION and names.
    refresh
        REFRESH-INTERVAL and X-PUBLISHED-TTL.
    alarm
        Add a VALARM this long before each event that is not cancelled
        (Google and Outlook ignore alarms in subscribed calendars).
    limit_bytes
        Largest feed size (default :data:`FEED_LIMIT_BYTES`). A larger feed
        first loses events that ended before ``now``, earliest first
        (``Feed.dropped``; its DESCRIPTION says so). If it is still too large, a public feed is split into one feed
        per quarter (a quarter still too large: per month), and the feed
        itself keeps no event, only a DESCRIPTION naming its parts
        (``Feed.parts``). Events still to come are never left out: a staff
        feed (one private link per person) is kept whole even when too large
        (``Feed.oversize``).
    now
        The time before which an event is past; ``None``: none is.

    Returns
    -------
    list[Feed]
        In the order of :func:`feed_specs`, each split feed followed by its
        parts; events sorted by start then UID.
    """
    known = sorted(
        ((st, st.event) for st in state.values() if st.event is not None),
        key=lambda pair: (_utc(pair[1].start), pair[0].uid),
    )
    # one VEVENT per event and audience, shared by every feed that shows it
    public = {
        st.uid: _vevent(st, display, lang, alarm, display.public_names)
        for st, _ in known
    }
    # an event nobody works (a broadcast) reads the same with or without names
    private = {
        st.uid: public[st.uid]
        if display.public_names or not event.staff
        else _vevent(st, display, lang, alarm, True)
        for st, event in known
    }
    ctx = _Context(
        plan,
        display,
        lang,
        refresh,
        FEED_LIMIT_BYTES if limit_bytes is None else limit_bytes,
        _utc(now) if now is not None else None,
    )
    feeds: list[Feed] = []
    for spec in feed_specs(display, lang):
        chosen = private if spec.kind == "staff" else public
        rendered = [(st, chosen[st.uid]) for st, e in known if spec.wants(e)]
        feeds.extend(_fit(ctx, spec, rendered))
    return feeds


def _fit(ctx: _Context, spec: FeedSpec, rendered: Rendered) -> list[Feed]:
    """Return a feed under the size limit: whole, without past events, or split."""
    body = ctx.render(spec, rendered, None)
    if len(body) <= ctx.limit:
        return [ctx.feed(spec, body, rendered)]
    body, kept = _without_past(ctx, spec, rendered, body)
    dropped = len(rendered) - len(kept)
    if len(body) <= ctx.limit or spec.kind == "staff":
        return [ctx.feed(spec, body, kept, dropped=dropped)]
    return _split(ctx, spec, rendered)


def _without_past(
    ctx: _Context, spec: FeedSpec, rendered: Rendered, body: bytes
) -> tuple[bytes, Rendered]:
    """Leave out events that ended before ``ctx.past_before``, earliest first, until the feed fits."""
    cutoff = ctx.past_before
    if cutoff is None:
        return body, rendered
    past = [
        i
        for i, (st, _) in enumerate(rendered)
        if st.event is not None and _utc(st.event.end) <= cutoff
    ]
    gone: set[int] = set()
    excess = len(body) - ctx.limit
    for i in past:  # a first guess from the sizes of the events …
        if excess <= 0:
            break
        gone.add(i)
        excess -= len(ctx.event_bytes(rendered[i][1]))
    while gone:  # … then the note lengthens the header: check, and go on if needed
        kept = [pair for i, pair in enumerate(rendered) if i not in gone]
        note = _w("feed.dropped", ctx.lang).format(len(gone))
        body = ctx.render(spec, kept, note)
        if len(body) <= ctx.limit or len(gone) == len(past):
            return body, kept
        gone.add(next(i for i in past if i not in gone))
    return body, rendered


def _period_of(st: EventState, period: str) -> tuple[int, int]:
    """Return an event's (year, quarter), (year, month) or (ISO year, ISO week)."""
    assert st.event is not None
    day = st.event.start.astimezone(ZONE).date()
    if period == "week":
        iso = day.isocalendar()
        return (iso.year, iso.week)
    return (day.year, day.month if period == "month" else (day.month - 1) // 3 + 1)


def _split(ctx: _Context, spec: FeedSpec, rendered: Rendered) -> list[Feed]:
    """Split a feed by quarter, a quarter still too large by month, then by week.

    The feed names its parts. A province of 130 communes has 1.1-1.4 MB of
    events a month in its whole-plan feed: its months go by ISO week.
    """
    parts: list[Feed] = []
    for (year, quarter), chunk in _groups(rendered, "quarter"):
        part = _part(
            ctx, spec, f"{year}-q{quarter}", _w("quarter", ctx.lang), (quarter, year)
        )
        body = ctx.render(part, chunk, None)
        if len(body) <= ctx.limit:
            parts.append(ctx.feed(part, body, chunk))
            continue
        for (_, month), days in _groups(chunk, "month"):
            part = _part(
                ctx, spec, f"{year}-{month:02d}", _w("month", ctx.lang), (month, year)
            )
            body = ctx.render(part, days, None)
            if len(body) <= ctx.limit:
                parts.append(ctx.feed(part, body, days))
                continue
            for (iso_year, week), few in _groups(days, "week"):
                part = _part(
                    ctx,
                    spec,
                    f"{year}-{month:02d}-w{week:02d}",
                    _w("week", ctx.lang),
                    (week, iso_year),
                )
                parts.append(ctx.feed(part, ctx.render(part, few, None), few))
    names = tuple(p.name for p in parts)
    note = _w("feed.split", ctx.lang).format(", ".join(f"{n}.ics" for n in names))
    stamps = [p.last_modified for p in parts if p.last_modified is not None]
    index = ctx.feed(spec, ctx.render(spec, [], note), [], parts=names, stamps=stamps)
    return [index, *parts]


def _groups(rendered: Rendered, period: str) -> list[tuple[tuple[int, int], Rendered]]:
    groups: dict[tuple[int, int], Rendered] = {}
    for pair in rendered:
        groups.setdefault(_period_of(pair[0], period), []).append(pair)
    return sorted(groups.items())


def _part(
    ctx: _Context, spec: FeedSpec, suffix: str, period: str, args: tuple[int, int]
) -> FeedSpec:
    label = _w("feed.part", ctx.lang).format(spec.label, period.format(*args))
    return replace(spec, name=f"{spec.name}-{suffix}", label=label)


def feed_notes(feeds: Iterable[Feed], lang: str = "vi") -> list[str]:
    """Return one line for each feed the size limit changed, for the planner to read.

    Parameters
    ----------
    feeds
        The feeds of :func:`build_feeds`.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    list[str]
        Split feeds (with their parts), feeds that left past events out, and
        feeds still over the limit.
    """
    notes = []
    for f in feeds:
        if f.parts:
            names = ", ".join(f"{n}.ics" for n in f.parts)
            notes.append(
                _w("note.split", lang).format(
                    f.filename, len(f.parts), names, f.filename
                )
            )
        if f.dropped:
            notes.append(_w("note.dropped", lang).format(f.filename, f.dropped))
        if f.oversize:
            notes.append(
                _w("note.oversize", lang).format(f.filename, len(f.body) // 1000)
            )
    return notes


def calendar_feeds(
    plan: Plan,
    display: DisplayData,
    stored: CalendarState | None = None,
    *,
    now: dt.datetime | None = None,
    lang: str = "vi",
    grace: dt.timedelta = dt.timedelta(days=DEFAULT_GRACE_DAYS),
) -> list[Feed]:
    """Return the feeds ``scheduler plan`` and ``export ics`` write.

    Without ``stored`` state every event has SEQUENCE 0 and DTSTAMP
    :func:`default_stamp`. With the store's state (read, never written),
    unchanged events keep their published SEQUENCE and stamps, and changes are
    stamped ``now`` (the caller passes the last publish time, so the files
    stay reproducible). Events that ended before that time count as past for
    the size limit; without a store none does.
    """
    when = now if now is not None else default_stamp(plan)
    if stored:
        state = advance_state(plan, display, stored, when, grace)
    else:
        # never published: every event is new. The content hashes are only
        # kept for the next publish to compare, and these files are no
        # publish, so none is computed (the feeds are the same without them)
        stamp = _utc(when)
        state = {
            uid: EventState(uid, 0, "", stamp, None, event)
            for uid, event in sorted(
                (event_uid(plan.scenario, e.event_id), e) for e in plan.events
            )
        }
    return build_feeds(plan, display, state, lang=lang, now=when)


def plan_feeds(
    plan: Plan,
    display: DisplayData,
    lang: str = "vi",
    calendar_state: PublishedCalendar | None = None,
) -> list[Feed]:
    """Return the feeds of ``calendars/*.ics``, continuing a published state if given.

    With the state of the last publish, events unchanged since keep their
    SEQUENCE and stamps, and changes are stamped with the publish time;
    without it the deterministic defaults apply. Either way the same
    arguments give the same bytes.
    """
    if calendar_state is None:
        return calendar_feeds(plan, display, lang=lang)
    return calendar_feeds(
        plan,
        display,
        calendar_state.state,
        now=calendar_state.published_at,
        lang=lang,
    )


def calendar_files(
    plan: Plan,
    display: DisplayData,
    stored: CalendarState | None = None,
    *,
    now: dt.datetime | None = None,
    lang: str = "vi",
    grace: dt.timedelta = dt.timedelta(days=DEFAULT_GRACE_DAYS),
) -> dict[str, bytes]:
    """Return ``calendars/<feed>.ics`` files: :func:`calendar_feeds` by path."""
    feeds = calendar_feeds(plan, display, stored, now=now, lang=lang, grace=grace)
    return {f"calendars/{f.filename}": f.body for f in feeds}
