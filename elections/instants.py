"""Instants in words, the one way the desk writes a time for people: “Wednesday, December 13, 2017,
5:00 p.m. Eastern”. Pages (`{% plain_instant %}`), messages, notices and history reasons use it."""

import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

#: Time zones as people in them name them; others go by their abbreviation (“EST”).
ZONE_NAMES = {
    "America/New_York": "Eastern",
    "America/Chicago": "Central",
    "America/Denver": "Mountain",
    "America/Phoenix": "Mountain",
    "America/Los_Angeles": "Pacific",
}


def in_words(at: datetime.datetime | str, zone: str = "") -> str:
    """“Wednesday, December 13, 2017, 5:00 p.m. Eastern”: `at` (or its ISO 8601 text) in `zone`.

    The two hours that “12:00 a.m.” and “12:00 p.m.” leave in doubt are written out: “midnight at the
    end of Wednesday, December 13, 2017 Eastern” (the instant a day ends, as deadlines are), and
    “Thursday, December 14, 2017, noon Eastern”.
    """
    if isinstance(at, str):
        at = datetime.datetime.fromisoformat(at)
    tz = ZoneInfo(zone) if zone else timezone.get_current_timezone()
    local = at.astimezone(tz)
    name = ZONE_NAMES.get(getattr(tz, "key", ""), local.tzname())
    if (local.hour, local.minute) == (0, 0):
        ending = local - datetime.timedelta(days=1)
        return f"midnight at the end of {ending:%A, %B} {ending.day}, {ending.year} {name}"
    if (local.hour, local.minute) == (12, 0):
        return f"{local:%A, %B} {local.day}, {local.year}, noon {name}"
    hour = local.hour % 12 or 12
    noon = "a.m." if local.hour < 12 else "p.m."
    return f"{local:%A, %B} {local.day}, {local.year}, {hour}:{local:%M} {noon} {name}"
