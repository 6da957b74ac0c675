// Parse iCalendar files with Mozilla's ical.js and print what the tests check, as JSON.
// Usage: node parse.mjs FILE.ics [FILE.ics ...]
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function timeOf(prop) {
  if (!prop) return null;
  const value = prop.getFirstValue();
  return {
    text: value.toString(),
    isDate: value.isDate,
    tzid: prop.getParameter("tzid") ?? null,
    utc: value.zone === ICAL.Timezone.utcTimezone,
  };
}

const out = {};
for (const file of process.argv.slice(2)) {
  const root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
  const zones = root.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid"));
  const events = root.getAllSubcomponents("vevent").map((v) => {
    const event = new ICAL.Event(v);
    return {
      uid: event.uid,
      sequence: event.sequence,
      status: v.getFirstPropertyValue("status"),
      summary: event.summary,
      location: event.location,
      description: event.description,
      dtstart: timeOf(v.getFirstProperty("dtstart")),
      dtend: timeOf(v.getFirstProperty("dtend")),
      dtstamp: timeOf(v.getFirstProperty("dtstamp")),
      lastModified: timeOf(v.getFirstProperty("last-modified")),
      // seconds since the epoch as ical.js resolves the zone (VTIMEZONE)
      startEpoch: event.startDate.toUnixTime(),
      attendees: v.getAllProperties("attendee").map((p) => p.getFirstValue()),
      organizers: v.getAllProperties("organizer").map((p) => ({
        value: p.getFirstValue(),
        cn: p.getParameter("cn") ?? null,
      })),
    };
  });
  out[file] = {
    name: root.getFirstPropertyValue("name"),
    method: root.getFirstPropertyValue("method"),
    description: root.getFirstPropertyValue("description"),
    calname: root.getFirstPropertyValue("x-wr-calname"),
    refresh: root.getFirstPropertyValue("refresh-interval")?.toString() ?? null,
    ttl: root.getFirstPropertyValue("x-published-ttl"),
    color: root.getFirstPropertyValue("color"),
    zones,
    events,
  };
}
process.stdout.write(JSON.stringify(out));
