"""Business days and the filing deadline of O.C.G.A. § 21-2-495(c).

A request is due "within two business days following the certification". A business day is
neither a Saturday, a Sunday nor a Georgia state holiday. The holidays come from the `holidays`
package, corrected by overrides staff keep (a Governor's closure, a day the package gets wrong).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays

from recounts.enums import ClosedDayKind
from recounts.rules import RuleTerms

WEEKEND = {5: "Saturday", 6: "Sunday"}


@dataclass(frozen=True, slots=True)
class ClosedDayOverride:
    """A correction to the holiday list: CLOSED adds a closed day, OPEN removes a holiday."""

    day: date
    kind: ClosedDayKind
    name: str = ""


class BusinessCalendar:
    """Which days state offices are open, for one state (Georgia by default)."""

    def __init__(self, overrides: Iterable[ClosedDayOverride] = (), *, subdiv: str = "GA") -> None:
        self.subdiv = subdiv
        self._overrides: dict[date, ClosedDayOverride] = {}
        for override in overrides:
            if override.day in self._overrides:
                raise ValueError(f"More than one override for {override.day.isoformat()}.")
            self._overrides[override.day] = override
        # Built now so an unknown subdivision fails here; years are added as they are asked for.
        self._holidays = holidays.US(subdiv=subdiv, years=())

    def _holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)  # populates day.year on first use, observed days included

    def closed_reason(self, day: date) -> str | None:
        """Why offices are closed on `day` ("Saturday", a holiday's name...), or None if open."""
        override = self._overrides.get(day)
        if override is not None and override.kind == ClosedDayKind.CLOSED:
            return override.name or "Closed"
        if day.weekday() in WEEKEND:
            return WEEKEND[day.weekday()]
        if override is not None and override.kind == ClosedDayKind.OPEN:
            return None
        return self._holiday_name(day)

    def is_business_day(self, day: date) -> bool:
        """Not a weekend, not a state holiday; an OPEN override beats the package, a CLOSED one
        beats everything."""
        return self.closed_reason(day) is None

    def add_business_days(self, start: date, n: int) -> date:
        """The `n`-th business day after `start`; `start` itself never counts (0 gives `start`)."""
        if n < 0:
            raise ValueError(f"Cannot count a negative number of business days (got {n}).")
        day = start
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
        return day


def filing_deadline(certified_at: datetime, terms: RuleTerms, calendar: BusinessCalendar) -> datetime:
    """The last instant to file: the cut-off time on the last business day after certification.

    Days are counted from the day after the certification's local date in the rule's time zone;
    the result is aware, in that zone (so EST or EDT as the date requires).
    """
    if certified_at.tzinfo is None or certified_at.utcoffset() is None:
        raise ValueError("The certification time must be timezone-aware.")
    zone = ZoneInfo(terms.time_zone)
    certified_on = certified_at.astimezone(zone).date()
    last_day = calendar.add_business_days(certified_on, terms.business_days)
    return datetime.combine(last_day, terms.cutoff.replace(tzinfo=None), tzinfo=zone)
