import re
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from elections.enums import Level
from recounts.enums import Route
from recounts.rules import (
    CandidateVotes,
    Eligibility,
    NoRuleInForce,
    RuleTerms,
    contest_certified_at,
    eligibility,
    route,
    rule_in_force,
    total_votes,
    within_threshold,
)

ONE = Decimal("1")
HALF = Decimal("0.5")


def won(key: str, votes: int) -> CandidateVotes:
    return CandidateVotes(key=key, votes=votes, declared=True)


def lost(key: str, votes: int) -> CandidateVotes:
    return CandidateVotes(key=key, votes=votes, declared=False)


def write_ins(votes: int) -> CandidateVotes:
    return CandidateVotes(key="Write-ins", votes=votes, declared=False, write_in_aggregate=True)


def not_asking(key: str, votes: int, *, declared: bool = True) -> Eligibility:
    """The row for a declared candidate, a write-in total, or anyone when nobody is declared."""
    return Eligibility(
        key=key, votes=votes, declared=declared, gap=None, gap_percent=None, eligible=False, against=None
    )


def asking(key: str, votes: int, gap: int, percent: str | None, eligible: bool, against: str) -> Eligibility:
    return Eligibility(
        key=key,
        votes=votes,
        declared=False,
        gap=gap,
        gap_percent=None if percent is None else Decimal(percent),
        eligible=eligible,
        against=against,
    )


ELIGIBILITY_CASES = [
    pytest.param(
        [won("Reed", 42_549), lost("Norwood", 41_834)],
        ONE,
        [not_asking("Reed", 42_549), asking("Norwood", 41_834, 715, "0.847", True, "Reed")],
        id="atlanta-2009-runoff-at-1pct",
    ),
    pytest.param(
        [won("Reed", 42_549), lost("Norwood", 41_834)],
        HALF,
        [not_asking("Reed", 42_549), asking("Norwood", 41_834, 715, "0.847", False, "Reed")],
        id="atlanta-2009-runoff-at-0.5pct",
    ),
    pytest.param(
        [won("Bottoms", 46_667), lost("Norwood", 45_835)],
        ONE,
        [not_asking("Bottoms", 46_667), asking("Norwood", 45_835, 832, "0.899", True, "Bottoms")],
        id="atlanta-2017-runoff-at-1pct",
    ),
    pytest.param(
        [won("Bottoms", 46_667), lost("Norwood", 45_835)],
        HALF,
        [not_asking("Bottoms", 46_667), asking("Norwood", 45_835, 832, "0.899", False, "Bottoms")],
        id="atlanta-2017-runoff-at-0.5pct",
    ),
    pytest.param(
        [won("A", 5_050), lost("B", 4_950)],
        ONE,
        [not_asking("A", 5_050), asking("B", 4_950, 100, "1.000", True, "A")],
        id="exactly-1pct-is-eligible",
    ),
    pytest.param(
        [won("A", 5_051), lost("B", 4_950)],
        ONE,
        [not_asking("A", 5_051), asking("B", 4_950, 101, "1.010", False, "A")],
        id="one-vote-over-1pct",
    ),
    pytest.param(
        [won("A", 5_025), lost("B", 4_975)],
        HALF,
        [not_asking("A", 5_025), asking("B", 4_975, 50, "0.500", True, "A")],
        id="exactly-0.5pct-is-eligible",
    ),
    pytest.param(
        [won("A", 5_026), lost("B", 4_975)],
        HALF,
        [not_asking("A", 5_026), asking("B", 4_975, 51, "0.510", False, "A")],
        id="one-vote-over-0.5pct",
    ),
    pytest.param(
        [won("A", 30_000), won("B", 25_000), lost("C", 24_900), lost("D", 10_000)],
        ONE,
        [
            not_asking("A", 30_000),
            not_asking("B", 25_000),
            asking("C", 24_900, 100, "0.111", True, "B"),
            asking("D", 10_000, 15_000, "16.685", False, "B"),
        ],
        id="two-seats-compared-with-lower-winner",
    ),
    pytest.param(
        [won("A", 40_000), won("B", 30_000), lost("C", 29_800), lost("D", 5_000)],
        HALF,
        [
            not_asking("A", 40_000),
            not_asking("B", 30_000),
            asking("C", 29_800, 200, "0.191", True, "B"),
            asking("D", 5_000, 25_000, "23.855", False, "B"),
        ],
        id="runoff-third-place-compared-with-second",
    ),
    pytest.param(
        [won("A", 5_000), lost("B", 4_960), lost("C", 1_000)],
        HALF,
        [
            not_asking("A", 5_000),
            asking("B", 4_960, 40, "0.365", True, "A"),
            asking("C", 1_000, 4_000, "36.496", False, "A"),
        ],
        id="three-way-one-winner",
    ),
    pytest.param(
        # Without the 15 write-ins the total is 1,990 and 10 votes would be 0.503%: too many.
        [won("A", 1_000), lost("B", 990), write_ins(15)],
        HALF,
        [
            not_asking("A", 1_000),
            asking("B", 990, 10, "0.499", True, "A"),
            not_asking("Write-ins", 15, declared=False),
        ],
        id="write-ins-count-in-total-but-may-not-ask",
    ),
    pytest.param(
        [lost("A", 600), lost("B", 400)],
        ONE,
        [not_asking("A", 600, declared=False), not_asking("B", 400, declared=False)],
        id="nobody-declared",
    ),
    pytest.param(
        [won("A", 0), lost("B", 0)],
        ONE,
        [not_asking("A", 0), asking("B", 0, 0, None, False, "A")],
        id="total-zero",
    ),
    pytest.param(
        [won("A", 500), lost("B", 500)],
        HALF,
        [not_asking("A", 500), asking("B", 500, 0, "0.000", True, "A")],
        id="tie",
    ),
    pytest.param(
        [won("A", 1_010), lost("B", 1_000), won("C", 990)],
        ONE,
        [not_asking("A", 1_010), asking("B", 1_000, 10, "0.333", True, "C"), not_asking("C", 990)],
        id="equally-close-winners-fewer-votes-reported",
    ),
    pytest.param(
        [won("A", 500), lost("B", 497), write_ins(3)],
        Decimal("0.3"),
        [
            not_asking("A", 500),
            asking("B", 497, 3, "0.300", True, "A"),
            not_asking("Write-ins", 3, declared=False),
        ],
        id="exactly-0.3pct-is-eligible",
    ),
    pytest.param(
        [won("A", 501), lost("B", 497), write_ins(3)],
        Decimal("0.3"),
        [
            not_asking("A", 501),
            asking("B", 497, 4, "0.400", False, "A"),
            not_asking("Write-ins", 3, declared=False),
        ],
        id="one-vote-over-0.3pct",
    ),
    pytest.param(
        # 57 of 10,000 is exactly 0.57%; every float formula (57/10000*100 <= 0.57,
        # 57*100 <= 10000*0.57, 57/10000 <= 0.57/100) says it is over.
        [won("A", 5_028), lost("B", 4_971), write_ins(1)],
        Decimal("0.57"),
        [
            not_asking("A", 5_028),
            asking("B", 4_971, 57, "0.570", True, "A"),
            not_asking("Write-ins", 1, declared=False),
        ],
        id="0.57pct-boundary-where-floats-fail",
    ),
]


@pytest.mark.parametrize(("candidates", "threshold", "expected"), ELIGIBILITY_CASES)
def test_eligibility(candidates: list[CandidateVotes], threshold: Decimal, expected: list[Eligibility]) -> None:
    assert eligibility(candidates, threshold) == expected


@pytest.mark.parametrize(
    ("candidates", "message"),
    [
        pytest.param([won("A", 10), lost("B", -1)], "Votes for B cannot be negative (got -1).", id="negative-votes"),
        pytest.param([won("A", 10), lost("A", 9)], "Candidate A appears more than once.", id="duplicate-key"),
        pytest.param(
            [won("A", 10), CandidateVotes(key="Write-ins", votes=1, declared=True, write_in_aggregate=True)],
            "Write-ins is a write-in total, not a candidate, and cannot be declared.",
            id="declared-write-ins",
        ),
    ],
)
def test_eligibility_rejects_bad_returns(candidates: list[CandidateVotes], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        eligibility(candidates, ONE)


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        pytest.param([], 0, id="no-candidates"),
        pytest.param([won("Bottoms", 46_667), lost("Norwood", 45_835)], 92_502, id="atlanta-2017"),
        pytest.param([won("A", 1_000), lost("B", 990), write_ins(15)], 2_005, id="write-ins-included"),
    ],
)
def test_total_votes(candidates: list[CandidateVotes], expected: int) -> None:
    assert total_votes(candidates) == expected


@pytest.mark.parametrize(
    ("gap", "total", "threshold", "expected"),
    [
        pytest.param(100, 10_000, ONE, True, id="exactly-1pct"),
        pytest.param(101, 10_000, ONE, False, id="just-over-1pct"),
        pytest.param(50, 10_000, HALF, True, id="exactly-0.5pct"),
        pytest.param(51, 10_000, HALF, False, id="just-over-0.5pct"),
        pytest.param(3, 1_000, Decimal("0.3"), True, id="exactly-0.3pct"),
        pytest.param(7, 1_000, Decimal("0.7"), True, id="exactly-0.7pct-floats-say-no"),
        pytest.param(57, 10_000, Decimal("0.57"), True, id="exactly-0.57pct-floats-say-no"),
        pytest.param(0, 0, ONE, False, id="no-votes-cast"),
        pytest.param(0, 10, Decimal("0"), True, id="zero-threshold-tie"),
        pytest.param(1, 10, Decimal("0"), False, id="zero-threshold-one-vote"),
    ],
)
def test_within_threshold(gap: int, total: int, threshold: Decimal, expected: bool) -> None:
    assert within_threshold(gap, total, threshold) is expected


@pytest.mark.parametrize(
    ("gap", "total", "threshold", "message"),
    [
        pytest.param(-1, 10, ONE, "The gap cannot be negative (got -1).", id="negative-gap"),
        pytest.param(1, -10, ONE, "The total cannot be negative (got -10).", id="negative-total"),
        pytest.param(1, 10, Decimal("-1"), "The threshold cannot be negative (got -1%).", id="negative-threshold"),
    ],
)
def test_within_threshold_rejects_negatives(gap: int, total: int, threshold: Decimal, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        within_threshold(gap, total, threshold)


GEORGIA_1PCT = RuleTerms(
    name="Georgia 1%",
    threshold_percent=ONE,
    business_days=2,
    cutoff=time(17, 0),
    time_zone="America/New_York",
    effective_from=date(1994, 1, 1),
    effective_to=date(2019, 4, 1),
)
GEORGIA_HALF_PCT = RuleTerms(
    name="Georgia 0.5%",
    threshold_percent=HALF,
    business_days=2,
    cutoff=time(17, 0),
    time_zone="America/New_York",
    effective_from=date(2019, 4, 2),
    effective_to=None,
)
OVERLAPPING = RuleTerms(
    name="Draft",
    threshold_percent=HALF,
    business_days=2,
    cutoff=time(17, 0),
    time_zone="America/New_York",
    effective_from=date(2019, 1, 1),
    effective_to=date(2019, 12, 31),
)
ENDED_EARLY = RuleTerms(
    name="Georgia 1% (ended early)",
    threshold_percent=ONE,
    business_days=2,
    cutoff=time(17, 0),
    time_zone="America/New_York",
    effective_from=date(1994, 1, 1),
    effective_to=date(2019, 3, 1),
)


@pytest.mark.parametrize(
    ("rules", "election_date", "expected"),
    [
        pytest.param([GEORGIA_1PCT, GEORGIA_HALF_PCT], date(2017, 12, 5), GEORGIA_1PCT, id="2017-atlanta-runoff"),
        pytest.param([GEORGIA_1PCT, GEORGIA_HALF_PCT], date(2019, 4, 1), GEORGIA_1PCT, id="last-day-of-1pct"),
        pytest.param([GEORGIA_1PCT, GEORGIA_HALF_PCT], date(2019, 4, 2), GEORGIA_HALF_PCT, id="first-day-of-0.5pct"),
        pytest.param([GEORGIA_1PCT, GEORGIA_HALF_PCT], date(2020, 11, 3), GEORGIA_HALF_PCT, id="2020-general"),
        pytest.param([GEORGIA_1PCT, GEORGIA_HALF_PCT], date(1994, 1, 1), GEORGIA_1PCT, id="first-day-of-1pct"),
    ],
)
def test_rule_in_force(rules: list[RuleTerms], election_date: date, expected: RuleTerms) -> None:
    assert rule_in_force(rules, election_date) == expected


@pytest.mark.parametrize(
    ("rules", "election_date", "message"),
    [
        pytest.param(
            [GEORGIA_1PCT, GEORGIA_HALF_PCT],
            date(1993, 12, 31),
            "No recount rule is in force on 1993-12-31.",
            id="day-before-first-rule",
        ),
        pytest.param([], date(2020, 11, 3), "No recount rule is in force on 2020-11-03.", id="no-rules"),
        pytest.param(
            [ENDED_EARLY, GEORGIA_HALF_PCT],
            date(2019, 3, 15),
            "No recount rule is in force on 2019-03-15.",
            id="gap-between-rules",
        ),
        pytest.param(
            [GEORGIA_1PCT, GEORGIA_HALF_PCT, OVERLAPPING],
            date(2019, 4, 2),
            "2 recount rules are in force on 2019-04-02 (Georgia 0.5%, Draft); their dates must not overlap.",
            id="overlap",
        ),
    ],
)
def test_rule_in_force_errors(rules: list[RuleTerms], election_date: date, message: str) -> None:
    with pytest.raises(NoRuleInForce, match=f"^{re.escape(message)}$") as excinfo:
        rule_in_force(rules, election_date)
    assert excinfo.value.election_date == election_date
    assert isinstance(excinfo.value, ValueError)


@pytest.mark.parametrize(
    ("level", "county_count", "expected"),
    [
        pytest.param(Level.FEDERAL, 1, Route.SUPERINTENDENT, id="federal-1-county"),
        pytest.param(Level.FEDERAL, 159, Route.SECRETARY_OF_STATE, id="federal-statewide"),
        pytest.param(Level.STATE, 2, Route.SECRETARY_OF_STATE, id="state-2-counties"),
        pytest.param(Level.STATE, 1, Route.SUPERINTENDENT, id="state-house-1-county"),
        pytest.param(Level.COUNTY, 1, Route.SUPERINTENDENT, id="county"),
        pytest.param(Level.MUNICIPAL, 2, Route.SUPERINTENDENT, id="atlanta-municipal-2-counties"),
        pytest.param("state", 3, Route.SECRETARY_OF_STATE, id="level-as-string"),
    ],
)
def test_route(level: Level | str, county_count: int, expected: Route) -> None:
    assert route(level, county_count) == expected


@pytest.mark.parametrize(
    ("level", "county_count", "message"),
    [
        pytest.param(Level.STATE, 0, "A contest is voted on in at least one county (got 0).", id="no-counties"),
        pytest.param("school", 1, "'school' is not a valid Level", id="unknown-level"),
    ],
)
def test_route_errors(level: str, county_count: int, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        route(level, county_count)


FULTON_AT = datetime(2017, 12, 11, 16, 0, tzinfo=UTC)
DEKALB_AT = datetime(2017, 12, 11, 19, 30, tzinfo=UTC)
STATEWIDE_AT = datetime(2020, 11, 20, 21, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("level", "counties", "county_certified_at", "statewide_certified_at", "expected"),
    [
        pytest.param(Level.COUNTY, {"Fulton"}, {"Fulton": FULTON_AT}, None, FULTON_AT, id="one-county"),
        pytest.param(Level.COUNTY, {"Fulton"}, {}, None, None, id="one-county-not-certified"),
        pytest.param(
            Level.STATE,
            {"Fulton"},
            {"Fulton": FULTON_AT},
            STATEWIDE_AT,
            FULTON_AT,
            id="state-office-in-one-county-uses-county",
        ),
        pytest.param(
            Level.MUNICIPAL,
            {"Fulton", "DeKalb"},
            {"Fulton": FULTON_AT, "DeKalb": DEKALB_AT},
            None,
            DEKALB_AT,
            id="local-several-counties-last-county",
        ),
        pytest.param(
            Level.MUNICIPAL,
            {"Fulton", "DeKalb"},
            {"Fulton": FULTON_AT, "Cobb": DEKALB_AT},
            None,
            None,
            id="local-several-counties-one-missing",
        ),
        pytest.param(
            Level.STATE,
            {"Fulton", "DeKalb"},
            {"Fulton": FULTON_AT, "DeKalb": DEKALB_AT},
            STATEWIDE_AT,
            STATEWIDE_AT,
            id="state-several-counties-statewide",
        ),
        pytest.param(
            Level.FEDERAL,
            {"Fulton", "DeKalb"},
            {"Fulton": FULTON_AT, "DeKalb": DEKALB_AT},
            None,
            None,
            id="federal-several-counties-no-statewide-yet",
        ),
    ],
)
def test_contest_certified_at(
    level: Level,
    counties: set[str],
    county_certified_at: dict[str, datetime],
    statewide_certified_at: datetime | None,
    expected: datetime | None,
) -> None:
    assert (
        contest_certified_at(
            level=level,
            counties=counties,
            county_certified_at=county_certified_at,
            statewide_certified_at=statewide_certified_at,
        )
        == expected
    )


def test_contest_certified_at_needs_a_county() -> None:
    message = "A contest is voted on in at least one county (got none)."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        contest_certified_at(level=Level.COUNTY, counties=set(), county_certified_at={}, statewide_certified_at=None)


CITY_CERTIFIED = datetime(2021, 11, 12, 15, 0, tzinfo=UTC)
COUNTY_CERTIFIED = datetime(2021, 11, 10, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("level", "own_superintendent_certified_at", "expected"),
    [
        pytest.param(Level.MUNICIPAL, CITY_CERTIFIED, CITY_CERTIFIED, id="city-runs-its-own-election"),
        pytest.param(Level.MUNICIPAL, None, None, id="city-has-not-certified-though-counties-have"),
        pytest.param(Level.STATE, CITY_CERTIFIED, COUNTY_CERTIFIED, id="a-state-office-is-never-the-citys"),
    ],
)
def test_contest_certified_at_by_its_own_superintendent(
    level: Level, own_superintendent_certified_at: datetime | None, expected: datetime | None
) -> None:
    assert (
        contest_certified_at(
            level=level,
            counties={"Fulton"},
            county_certified_at={"Fulton": COUNTY_CERTIFIED},
            statewide_certified_at=None,
            own_superintendent=True,
            own_superintendent_certified_at=own_superintendent_certified_at,
        )
        == expected
    )
