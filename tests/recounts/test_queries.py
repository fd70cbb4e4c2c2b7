import datetime
from decimal import Decimal

import pytest

from elections.enums import Level
from elections.models import Contest, Election, Jurisdiction
from elections.queries import elections_newest_first, votes_by_county_and_type
from elections.services import certification_record
from recounts.enums import ClosedDayKind, Route
from recounts.models import ClosedDay, RecountRule
from recounts.queries import (
    CertificationMissing,
    certification_missing,
    contest_standing,
    election_standings,
    standings_for,
    superintendents_of,
)
from tests.factories import (
    ATLANTA_CERTIFIED_AT,
    EASTERN,
    build_atlanta_runoff,
    build_spread_race,
    georgia_counties,
)

pytestmark = pytest.mark.django_db


def test_atlanta_standing_matches_the_article():
    contest = build_atlanta_runoff()

    standing = contest_standing(contest)

    assert (standing.total_votes, standing.margin, standing.margin_percent) == (92_502, 832, Decimal("0.899"))
    assert standing.rule.name == "Georgia, O.C.G.A. § 21-2-495(c), 1 percent"
    assert standing.route == Route.SUPERINTENDENT
    assert standing.certified_at == ATLANTA_CERTIFIED_AT
    assert standing.filing_deadline == datetime.datetime(2017, 12, 13, 17, 0, tzinfo=EASTERN)
    assert [(s.candidate.name, s.votes, s.eligible, s.against and s.against.name) for s in standing.candidates] == [
        ("Keisha Lance Bottoms", 46_667, False, None),
        ("Mary Norwood", 45_835, True, "Keisha Lance Bottoms"),
    ]


def test_election_standings_query_count_does_not_grow(django_assert_num_queries):
    contest = build_spread_race(slug="spread", county_count=20)
    # contests, counties, candidates with totals, rules, closed days, certifications
    with django_assert_num_queries(6):
        (standing,) = election_standings(contest.election)
    assert len(standing.counties) == 20


def make_alabama_rule() -> RecountRule:
    """A rule for another state whose dates overlap Georgia's 1 percent rule."""
    return RecountRule.objects.create(
        state="AL",
        name="Alabama (test), 0.5 percent",
        effective_from=datetime.date(2010, 1, 1),
        threshold_percent=Decimal("0.5"),
        business_days=2,
    )


def test_another_states_rule_does_not_apply_to_a_georgia_election(django_assert_num_queries):
    contest = build_atlanta_runoff()
    make_alabama_rule()

    # contests, counties, candidates with totals, rules, closed days, certifications
    with django_assert_num_queries(6):
        standing = contest_standing(contest)

    assert (standing.rule.name, standing.rule_problem, standing.filing_deadline) == (
        "Georgia, O.C.G.A. § 21-2-495(c), 1 percent",
        "",
        datetime.datetime(2017, 12, 13, 17, 0, tzinfo=EASTERN),
    )


def test_each_election_takes_its_own_states_rule_and_business_days(django_assert_num_queries):
    # Certified the day before Thanksgiving 2017: Georgia's offices are also closed on Friday the
    # 24th (its "State Holiday") and, by a recorded closure, on Monday the 27th; Alabama's are open.
    certified_at = datetime.datetime(2017, 11, 22, 16, 0, tzinfo=EASTERN)
    georgia = build_atlanta_runoff(slug="georgia", date=datetime.date(2017, 11, 21), certified_at=certified_at)
    alabama = build_atlanta_runoff(slug="alabama", date=datetime.date(2017, 11, 21), certified_at=certified_at)
    alabama.election.state = "AL"
    alabama.election.save()
    make_alabama_rule()
    ClosedDay.objects.create(day=datetime.date(2017, 11, 27), kind=ClosedDayKind.CLOSED, name="Closed by order")

    with django_assert_num_queries(6):
        standings = standings_for(Contest.objects.filter(pk__in=[georgia.pk, alabama.pk]).order_by("election__slug"))

    assert [(s.contest.election.slug, s.rule.name, s.filing_deadline) for s in standings] == [
        ("alabama", "Alabama (test), 0.5 percent", datetime.datetime(2017, 11, 27, 17, 0, tzinfo=EASTERN)),
        (
            "georgia",
            "Georgia, O.C.G.A. § 21-2-495(c), 1 percent",
            datetime.datetime(2017, 11, 29, 17, 0, tzinfo=EASTERN),
        ),
    ]


def test_superintendents_are_the_counties_where_the_contest_is_voted():
    standing = contest_standing(build_atlanta_runoff())
    assert [str(j) for j in superintendents_of(standing)] == ["DeKalb County", "Fulton County"]


def test_superintendent_of_a_city_that_runs_its_own_election():
    contest = build_atlanta_runoff()
    city = Jurisdiction.objects.create(kind="municipality", name="City of Atlanta")
    contest.superintendent_jurisdiction = city
    contest.save()
    assert superintendents_of(contest_standing(contest)) == [city]


def test_no_superintendents_on_the_secretary_of_state_route():
    standing = contest_standing(build_atlanta_runoff(office="U.S. House", district="5", level=Level.FEDERAL))
    assert standing.route == Route.SECRETARY_OF_STATE
    assert superintendents_of(standing) == []


def test_certification_missing_names_the_counties_still_to_certify():
    contest = build_atlanta_runoff(certified_at=None)
    fulton, dekalb = georgia_counties("Fulton", "DeKalb")
    certification_record(election=contest.election, jurisdiction=fulton, certified_at=ATLANTA_CERTIFIED_AT, by=None)
    standing = contest_standing(contest)
    certifications = list(contest.election.certifications.all())

    assert certification_missing(standing, certifications) == CertificationMissing(statewide=False, counties=[dekalb])


def test_a_city_running_its_own_election_must_certify_even_when_its_counties_have():
    contest = build_atlanta_runoff()
    city = Jurisdiction.objects.create(kind="municipality", name="Atlanta")
    contest.superintendent_jurisdiction = city
    contest.save()
    standing = contest_standing(contest)

    assert (standing.certified_at, superintendents_of(standing)) == (None, [city])
    assert certification_missing(standing, list(contest.election.certifications.all())) == CertificationMissing(
        statewide=False, counties=[city]
    )


def test_certification_missing_statewide_for_a_multi_county_state_office():
    contest = build_atlanta_runoff(office="State Senate", district="39", level=Level.STATE)
    standing = contest_standing(contest)
    certifications = list(contest.election.certifications.all())

    assert certification_missing(standing, certifications) == CertificationMissing(statewide=True, counties=[])


def test_certification_missing_is_none_once_certified():
    contest = build_atlanta_runoff()
    assert certification_missing(contest_standing(contest), list(contest.election.certifications.all())) is None


def test_votes_by_county_and_type_is_one_grouped_query(django_assert_num_queries):
    contest = build_spread_race(slug="spread", county_count=20)
    candidate_ids = list(contest.candidates.order_by("ballot_order").values_list("pk", flat=True))
    with django_assert_num_queries(1):
        rows = votes_by_county_and_type(contest_id=contest.pk, candidate_ids=candidate_ids)
    assert len(rows) == 40
    assert (rows[0].county, rows[0].vote_type, rows[0].votes) == ("Appling", "Election day", (1000, 990, 5))
    assert sum(row.votes[0] for row in rows) == contest_standing(contest).candidates[0].votes


def test_elections_newest_first_with_contest_counts():
    build_atlanta_runoff()
    Election.objects.create(name="Later", slug="later", date=datetime.date(2020, 11, 3), kind="general")
    assert [(e.slug, e.contest_count) for e in elections_newest_first()] == [
        ("later", 0),
        ("atlanta-mayor-runoff-2017", 1),
    ]
