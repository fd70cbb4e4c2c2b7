"""`{% instant at zone %}`: an instant shown in a named time zone, long and ISO, e.g.
“Wednesday, December 13, 2017, 5:00 p.m. EST (2017-12-13 17:00 EST)”; `{% plain_instant at zone %}`:
the same in words only, for text (“Wednesday, December 13, 2017, 5:00 p.m. Eastern”)."""

import datetime
from zoneinfo import ZoneInfo

from django import template
from django.templatetags.tz import do_timezone
from django.utils import timezone

from elections.instants import in_words

register = template.Library()


@register.inclusion_tag("includes/instant.html")
def instant(at: datetime.datetime, zone: str = "") -> dict[str, datetime.datetime]:
    """`at` in `zone` (a rule's time zone), or in the current time zone when no zone is given."""
    return {"local": do_timezone(at, ZoneInfo(zone) if zone else timezone.get_current_timezone())}


@register.simple_tag
def plain_instant(at: datetime.datetime | str | None, zone: str = "") -> str:
    return in_words(at, zone) if at else "not set"
