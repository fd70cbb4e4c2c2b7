import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from recounts.calendar import BusinessCalendar, ClosedDayOverride, filing_deadline
from recounts.enums import ClosedDayKind
from recounts.rules import RuleTerms

EASTERN = ZoneInfo("America/New_York")

# Every holiday fact below was checked against holidays 0.109, holidays.US(subdiv="GA").
GEORGIA = RuleTerms(
    name="Georgia 0.5%",
    threshold_percent=Decimal("0.5"),
    business_days=2,
    cutoff=time(17, 0),
    time_zone="America/New_York",
    effective_from=date(2019, 4, 2),
    effective_to=None,
)

GOVERNORS_CLOSURE = ClosedDayOverride(
    day=date(2017, 12, 12), kind=ClosedDayKind.CLOSED, name="State offices closed by the Governor"
)
GOOD_FRIDAY_2026_OPEN = ClosedDayOverride(day=date(2026, 4, 3), kind=ClosedDayKind.OPEN)


def eastern(*args: int) -> datetime:
    return datetime(*args, tzinfo=EASTERN)


@pytest.mark.parametrize(
    ("overrides", "certified_at", "expected_local", "expected_utc"),
    [
        pytest.param(
            (),
            eastern(2009, 12, 5, 15, 0),
            eastern(2009, 12, 8, 17, 0),
            datetime(2009, 12, 8, 22, 0, tzinfo=UTC),
            id="2009-saturday-to-tuesday",
        ),
        pytest.param(
            (),
            eastern(2017, 12, 11, 14, 0),
            eastern(2017, 12, 13, 17, 0),
            datetime(2017, 12, 13, 22, 0, tzinfo=UTC),
            id="2017-monday-to-wednesday-est",
        ),
        pytest.param(
            # Thanksgiving Thu 11-27 and the "State Holiday" Fri 11-28 are closed.
            (),
            eastern(2025, 11, 26, 10, 0),
            eastern(2025, 12, 2, 17, 0),
            datetime(2025, 12, 2, 22, 0, tzinfo=UTC),
            id="thanksgiving-week",
        ),
        pytest.param(
            (),
            eastern(2017, 12, 10, 12, 0),
            eastern(2017, 12, 12, 17, 0),
            datetime(2017, 12, 12, 22, 0, tzinfo=UTC),
            id="certified-on-sunday",
        ),
        pytest.param(
            # Georgia keeps Washington's Birthday after Christmas: Tue 2017-12-26 is closed too.
            (),
            eastern(2017, 12, 25, 9, 0),
            eastern(2017, 12, 28, 17, 0),
            datetime(2017, 12, 28, 22, 0, tzinfo=UTC),
            id="certified-on-christmas",
        ),
        pytest.param(
            (),
            eastern(2019, 7, 4, 11, 0),
            eastern(2019, 7, 8, 17, 0),
            datetime(2019, 7, 8, 21, 0, tzinfo=UTC),
            id="certified-on-july-4",
        ),
        pytest.param(
            # 23:30 EST on Monday is already Tuesday 04:30 in UTC: Monday counts.
            (),
            datetime(2017, 12, 12, 4, 30, tzinfo=UTC),
            eastern(2017, 12, 13, 17, 0),
            datetime(2017, 12, 13, 22, 0, tzinfo=UTC),
            id="late-evening-local-date-counts",
        ),
        pytest.param(
            (),
            eastern(2020, 6, 26, 16, 0),
            eastern(2020, 6, 30, 17, 0),
            datetime(2020, 6, 30, 21, 0, tzinfo=UTC),
            id="summer-edt",
        ),
        pytest.param(
            # DST starts Sun 2024-03-10: certified in EST, due in EDT.
            (),
            eastern(2024, 3, 8, 16, 0),
            eastern(2024, 3, 12, 17, 0),
            datetime(2024, 3, 12, 21, 0, tzinfo=UTC),
            id="across-dst-start",
        ),
        pytest.param(
            # DST ends Sun 2020-11-01: certified in EDT, due in EST.
            (),
            eastern(2020, 10, 29, 16, 0),
            eastern(2020, 11, 2, 17, 0),
            datetime(2020, 11, 2, 22, 0, tzinfo=UTC),
            id="across-dst-end",
        ),
        pytest.param(
            (GOVERNORS_CLOSURE,),
            eastern(2017, 12, 11, 14, 0),
            eastern(2017, 12, 14, 17, 0),
            datetime(2017, 12, 14, 22, 0, tzinfo=UTC),
            id="closed-override-pushes-deadline",
        ),
        pytest.param(
            # Georgia's April "State Holiday" is on Good Friday since 2020: Fri 2026-04-03.
            (),
            eastern(2026, 4, 2, 16, 0),
            eastern(2026, 4, 7, 17, 0),
            datetime(2026, 4, 7, 21, 0, tzinfo=UTC),
            id="good-friday-2026-closed",
        ),
        pytest.param(
            (GOOD_FRIDAY_2026_OPEN,),
            eastern(2026, 4, 2, 16, 0),
            eastern(2026, 4, 6, 17, 0),
            datetime(2026, 4, 6, 21, 0, tzinfo=UTC),
            id="open-override-removes-good-friday",
        ),
        pytest.param(
            # Before 2020 the April holiday was the 4th Monday (2019-04-22), not Good Friday.
            (),
            eastern(2019, 4, 18, 16, 0),
            eastern(2019, 4, 23, 17, 0),
            datetime(2019, 4, 23, 21, 0, tzinfo=UTC),
            id="2019-good-friday-open-4th-monday-closed",
        ),
    ],
)
def test_filing_deadline(
    overrides: tuple[ClosedDayOverride, ...],
    certified_at: datetime,
    expected_local: datetime,
    expected_utc: datetime,
) -> None:
    deadline = filing_deadline(certified_at, GEORGIA, BusinessCalendar(overrides))
    assert (deadline, deadline.tzinfo, deadline.astimezone(UTC)) == (expected_local, EASTERN, expected_utc)


def test_filing_deadline_other_zone_and_cutoff() -> None:
    terms = RuleTerms(
        name="Elsewhere",
        threshold_percent=Decimal("0.5"),
        business_days=3,
        cutoff=time(12, 0),
        time_zone="America/Chicago",
        effective_from=date(2020, 1, 1),
        effective_to=None,
    )
    certified_at = datetime(2021, 3, 1, 9, 0, tzinfo=timezone(timedelta(hours=-6)))
    deadline = filing_deadline(certified_at, terms, BusinessCalendar())
    assert (deadline, deadline.astimezone(UTC)) == (
        datetime(2021, 3, 4, 12, 0, tzinfo=ZoneInfo("America/Chicago")),
        datetime(2021, 3, 4, 18, 0, tzinfo=UTC),
    )


def test_filing_deadline_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match=r"^The certification time must be timezone-aware\.$"):
        filing_deadline(datetime(2017, 12, 11, 14, 0), GEORGIA, BusinessCalendar())


@pytest.mark.parametrize(
    ("overrides", "day", "expected"),
    [
        pytest.param((), date(2017, 12, 13), None, id="ordinary-wednesday"),
        pytest.param((), date(2009, 12, 5), "Saturday", id="saturday"),
        pytest.param((), date(2017, 12, 10), "Sunday", id="sunday"),
        pytest.param((), date(2025, 11, 27), "Thanksgiving Day", id="thanksgiving"),
        pytest.param((), date(2025, 11, 28), "State Holiday", id="day-after-thanksgiving"),
        pytest.param((), date(2017, 12, 26), "Washington's Birthday", id="washingtons-birthday-in-december"),
        pytest.param((), date(2017, 2, 20), None, id="no-washingtons-birthday-in-february"),
        pytest.param((), date(2009, 1, 19), "Robert E. Lee's Birthday", id="3rd-monday-jan-before-2012"),
        pytest.param((), date(2017, 1, 16), "Martin Luther King Jr. Day", id="mlk-day"),
        pytest.param((), date(2026, 4, 3), "State Holiday", id="good-friday-2026"),
        pytest.param((), date(2019, 4, 19), None, id="good-friday-2019-open"),
        pytest.param((), date(2019, 4, 22), "State Holiday", id="4th-monday-april-2019"),
        pytest.param((), date(2026, 7, 3), "Independence Day (observed)", id="observed-july-4"),
        pytest.param((), date(2026, 7, 4), "Saturday", id="july-4-on-saturday"),
        pytest.param((GOVERNORS_CLOSURE,), date(2017, 12, 12), "State offices closed by the Governor", id="closed"),
        pytest.param(
            (ClosedDayOverride(day=date(2017, 12, 12), kind=ClosedDayKind.CLOSED),),
            date(2017, 12, 12),
            "Closed",
            id="closed-without-name",
        ),
        pytest.param(
            (ClosedDayOverride(day=date(2017, 12, 16), kind=ClosedDayKind.CLOSED, name="Storm"),),
            date(2017, 12, 16),
            "Storm",
            id="closed-beats-saturday",
        ),
        pytest.param((GOOD_FRIDAY_2026_OPEN,), date(2026, 4, 3), None, id="open-beats-package"),
        pytest.param(
            (ClosedDayOverride(day=date(2026, 7, 4), kind=ClosedDayKind.OPEN),),
            date(2026, 7, 4),
            "Saturday",
            id="open-does-not-open-a-weekend",
        ),
    ],
)
def test_closed_reason_and_business_day(
    overrides: tuple[ClosedDayOverride, ...], day: date, expected: str | None
) -> None:
    calendar = BusinessCalendar(overrides)
    assert (calendar.closed_reason(day), calendar.is_business_day(day)) == (expected, expected is None)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param(date(2017, 12, 11), 0, date(2017, 12, 11), id="zero-days"),
        pytest.param(date(2017, 12, 11), 1, date(2017, 12, 12), id="monday-plus-1"),
        pytest.param(date(2017, 12, 15), 1, date(2017, 12, 18), id="friday-plus-1-skips-weekend"),
        pytest.param(date(2017, 12, 22), 2, date(2017, 12, 28), id="christmas-and-washingtons-birthday"),
        pytest.param(date(2025, 11, 26), 2, date(2025, 12, 2), id="thanksgiving"),
        pytest.param(date(2009, 12, 5), 2, date(2009, 12, 8), id="from-saturday"),
    ],
)
def test_add_business_days(start: date, n: int, expected: date) -> None:
    assert BusinessCalendar().add_business_days(start, n) == expected


def test_add_business_days_rejects_negative() -> None:
    with pytest.raises(ValueError, match=r"^Cannot count a negative number of business days \(got -1\)\.$"):
        BusinessCalendar().add_business_days(date(2017, 12, 11), -1)


def test_overrides_must_not_repeat_a_day() -> None:
    message = "More than one override for 2017-12-12."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        BusinessCalendar([GOVERNORS_CLOSURE, ClosedDayOverride(day=date(2017, 12, 12), kind=ClosedDayKind.OPEN)])
