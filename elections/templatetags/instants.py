"""`{% instant at zone %}`: an instant shown in a named time zone, long and ISO, e.g.
“Wednesday, December 13, 2017, 5:00 p.m. EST (2017-12-13 17:00 EST)”."""

import datetime
from zoneinfo import ZoneInfo

from django import template
from django.templatetags.tz import do_timezone
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("includes/instant.html")
def instant(at: datetime.datetime, zone: str = "") -> dict[str, datetime.datetime]:
    """`at` in `zone` (a rule's time zone), or in the current time zone when no zone is given."""
    return {"local": do_timezone(at, ZoneInfo(zone) if zone else timezone.get_current_timezone())}
