import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from recounts.calendar import ClosedDayOverride
from recounts.enums import ClosedDayKind
from recounts.models import ClosedDay, RecountRule
from recounts.queries import closed_day_overrides, rule_terms_by_state, state_calendar
from recounts.rules import RuleTerms, rule_in_force

pytestmark = pytest.mark.django_db


def test_georgia_rules_shipped_by_migration():
    assert rule_terms_by_state()["GA"] == [
        RuleTerms(
            name="Georgia, O.C.G.A. § 21-2-495(c), 1 percent",
            threshold_percent=Decimal("1.000"),
            business_days=2,
            cutoff=datetime.time(17, 0),
            time_zone="America/New_York",
            effective_from=datetime.date(1964, 1, 1),
            effective_to=datetime.date(2019, 4, 1),
        ),
        RuleTerms(
            name="Georgia, O.C.G.A. § 21-2-495(c) as amended by HB 316 (2019), 0.5 percent",
            threshold_percent=Decimal("0.500"),
            business_days=2,
            cutoff=datetime.time(17, 0),
            time_zone="America/New_York",
            effective_from=datetime.date(2019, 4, 2),
            effective_to=None,
        ),
    ]


@pytest.mark.parametrize(
    ("election_date", "threshold"),
    [
        (datetime.date(2009, 12, 1), Decimal("1.000")),
        (datetime.date(2017, 12, 5), Decimal("1.000")),
        (datetime.date(2019, 4, 1), Decimal("1.000")),
        (datetime.date(2019, 4, 2), Decimal("0.500")),
        (datetime.date(2020, 11, 3), Decimal("0.500")),
    ],
)
def test_the_shipped_rules_cover_every_date_without_overlap(election_date, threshold):
    assert rule_in_force(rule_terms_by_state()["GA"], election_date).threshold_percent == threshold


def test_a_rule_with_an_unknown_time_zone_is_invalid():
    rule = RecountRule(
        name="Bad", effective_from=datetime.date(2030, 1, 1), threshold_percent=Decimal(1), time_zone="Mars/Olympus"
    )
    with pytest.raises(ValidationError) as raised:
        rule.full_clean()
    assert raised.value.message_dict == {"time_zone": ["“Mars/Olympus” is not a known time zone."]}


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({"threshold_percent": Decimal(0)}, id="zero-threshold"),
        pytest.param({"threshold_percent": Decimal(101)}, id="threshold-over-100"),
        pytest.param({"effective_to": datetime.date(2029, 1, 1)}, id="ends-before-it-starts"),
        pytest.param({"business_days": 0}, id="no-business-days"),
    ],
)
def test_rule_constraints_in_the_database(fields):
    with pytest.raises(IntegrityError):
        RecountRule.objects.create(
            **{
                "name": "Future",
                "effective_from": datetime.date(2030, 1, 1),
                "threshold_percent": Decimal(1),
                **fields,
            }
        )


def test_closed_days_feed_the_business_calendar():
    ClosedDay.objects.create(day=datetime.date(2017, 12, 12), kind=ClosedDayKind.CLOSED, name="Ice storm closure")
    ClosedDay.objects.create(day=datetime.date(2017, 12, 26), kind=ClosedDayKind.OPEN, name="Offices open")

    calendar = state_calendar("GA", closed_day_overrides())

    assert ClosedDay.objects.get(day=datetime.date(2017, 12, 12)).override == ClosedDayOverride(
        day=datetime.date(2017, 12, 12), kind=ClosedDayKind.CLOSED, name="Ice storm closure"
    )
    assert [calendar.is_business_day(datetime.date(2017, 12, d)) for d in (11, 12, 26)] == [True, False, True]
