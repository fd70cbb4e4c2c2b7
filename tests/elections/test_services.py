import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from elections.enums import CertificationScope, DeclaredStatus, ElectionKind, Level, VoteType
from elections.models import Certification
from elections.services import (
    ElectionsError,
    candidate_declare,
    certification_record,
    contest_declare_from_votes,
    county_by_name,
)
from tests.factories import build_atlanta_runoff, build_race, georgia_counties

EASTERN = ZoneInfo("America/New_York")
DEC_11 = datetime.datetime(2017, 12, 11, 16, 0, tzinfo=EASTERN)

pytestmark = pytest.mark.django_db


def statuses(contest) -> dict[str, str]:
    return {candidate.name: candidate.declared_status for candidate in contest.candidates.all()}


def race(votes: dict[str, int], *, seats: int = 1, kind: ElectionKind = ElectionKind.GENERAL):
    contest = build_race(
        slug="race",
        counties=georgia_counties("Cobb"),
        votes={name: [{VoteType.ELECTION_DAY: figure}] for name, figure in votes.items()},
        kind=kind,
        level=Level.COUNTY,
        declare=False,
        certified_at=None,
    )
    contest.seats = seats
    contest.save()
    return contest


@pytest.mark.parametrize(
    ("votes", "seats", "kind", "expected"),
    [
        pytest.param(
            {"Ann": 100, "Bob": 90, "Cal": 80},
            1,
            ElectionKind.GENERAL,
            {"Ann": "runoff", "Bob": "runoff", "Cal": "none"},
            id="no-majority-top-two-to-a-runoff",
        ),
        pytest.param(
            {"Ann": 101, "Bob": 60, "Cal": 40},
            1,
            ElectionKind.GENERAL,
            {"Ann": "elected", "Bob": "none", "Cal": "none"},
            id="majority-elects",
        ),
        pytest.param(
            {"Ann": 100, "Bob": 60, "Cal": 40},
            1,
            ElectionKind.SPECIAL,
            {"Ann": "runoff", "Bob": "runoff", "Cal": "none"},
            id="exactly-half-is-not-a-majority",
        ),
        pytest.param(
            {"Ann": 100, "Bob": 90, "Cal": 80},
            1,
            ElectionKind.RUNOFF,
            {"Ann": "elected", "Bob": "none", "Cal": "none"},
            id="a-runoff-is-won-by-the-most-votes",
        ),
        pytest.param(
            {"Ann": 100, "Bob": 90, "Cal": 90},
            1,
            ElectionKind.GENERAL,
            {"Ann": "runoff", "Bob": "none", "Cal": "none"},
            id="tie-for-the-second-runoff-place",
        ),
        pytest.param(
            {"Ann": 100, "Bob": 90, "Cal": 80},
            2,
            ElectionKind.GENERAL,
            {"Ann": "elected", "Bob": "elected", "Cal": "none"},
            id="two-seats",
        ),
        pytest.param(
            {"Ann": 300, "Bob": 90, "Cal": 80},
            1,
            ElectionKind.PRIMARY,
            {"Ann": "nominated", "Bob": "none", "Cal": "none"},
            id="primary-nominates",
        ),
        pytest.param(
            {"Ann": 100, "Bob": 90, "Cal": 90},
            2,
            ElectionKind.GENERAL,
            {"Ann": "elected", "Bob": "none", "Cal": "none"},
            id="tie-at-the-last-seat-declares-only-those-clear-of-it",
        ),
        pytest.param(
            {"Ann": 90, "Bob": 90},
            1,
            ElectionKind.RUNOFF,
            {"Ann": "none", "Bob": "none"},
            id="tie-for-the-only-seat",
        ),
        pytest.param(
            {"Ann": 10},
            2,
            ElectionKind.GENERAL,
            {"Ann": "elected"},
            id="fewer-candidates-than-seats",
        ),
        pytest.param({"Ann": 10}, 1, ElectionKind.GENERAL, {"Ann": "elected"}, id="unopposed"),
        pytest.param({"Ann": 0}, 1, ElectionKind.GENERAL, {"Ann": "none"}, id="no-votes-declares-nobody"),
    ],
)
def test_contest_declare_from_votes(votes, seats, kind, expected):
    contest = race(votes, seats=seats, kind=kind)

    contest_declare_from_votes(contest=contest, by=None, reason="From the returns")

    assert statuses(contest) == expected


def test_declare_from_votes_never_declares_a_write_in_total_and_records_the_reason(django_user_model):
    contest = race({"Write-ins": 50, "Ann": 100, "Bob": 40})
    contest.candidates.filter(name="Write-ins").update(write_in_aggregate=True)
    official = django_user_model.objects.create_user("official")

    changed = contest_declare_from_votes(contest=contest, by=official, reason="From the returns")

    assert statuses(contest) == {"Write-ins": "none", "Ann": "elected", "Bob": "none"}
    assert [candidate.name for candidate in changed] == ["Ann"]
    ann = contest.candidates.get(name="Ann")
    assert [(h.history_change_reason, h.history_user) for h in ann.history.all()[:1]] == [
        ("From the returns", official)
    ]


def test_candidate_declare_sends_two_to_a_runoff_with_history():
    contest = race({"Ann": 40, "Bob": 35, "Cal": 25}, kind=ElectionKind.PRIMARY)
    for name in ("Ann", "Bob"):
        candidate_declare(
            candidate=contest.candidates.get(name=name),
            status=DeclaredStatus.RUNOFF,
            by=None,
            reason="No majority: top two to the runoff",
        )

    assert statuses(contest) == {"Ann": "runoff", "Bob": "runoff", "Cal": "none"}
    assert contest.candidates.get(name="Bob").history.first().history_change_reason == (
        "No majority: top two to the runoff"
    )


@pytest.mark.parametrize(
    ("status", "reason", "write_in", "message"),
    [
        ("runoff", "  ", False, "Give a reason for the change of declared status; it is kept in the history."),
        ("winner", "x", False, "“winner” is not a declared status; use one of elected, nominated, runoff, none."),
        ("elected", "x", True, "“Ann” is a write-in total, not a candidate; it cannot be declared."),
    ],
)
def test_candidate_declare_refuses_bad_requests(status, reason, write_in, message):
    contest = race({"Ann": 40})
    candidate = contest.candidates.get()
    candidate.write_in_aggregate = write_in
    candidate.save()

    with pytest.raises(ElectionsError) as raised:
        candidate_declare(candidate=candidate, status=status, by=None, reason=reason)

    assert str(raised.value) == message
    candidate.refresh_from_db()
    assert candidate.declared_status == "none"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Fulton", "Fulton"),
        ("fulton county", "Fulton"),
        ("DEKALB", "DeKalb"),
        ("  Ben   Hill County ", "Ben Hill"),
        ("McDuffie", "McDuffie"),
    ],
)
def test_county_by_name(written, expected):
    assert county_by_name(written).name == expected


def test_county_by_name_unknown():
    with pytest.raises(ElectionsError) as raised:
        county_by_name("Atlantis County")
    assert str(raised.value) == "“Atlantis County” is not a GA county."


def test_all_159_georgia_counties_are_loaded_with_fips_codes():
    counties = georgia_counties()
    assert len(counties) == 159
    assert {county.name: county.fips for county in counties if county.name in {"Appling", "Fulton", "Worth"}} == {
        "Appling": "13001",
        "Fulton": "13121",
        "Worth": "13321",
    }


def test_certification_versions_count_up_per_scope(django_user_model):
    contest = build_atlanta_runoff(certified_at=None)
    election = contest.election
    fulton, dekalb = georgia_counties("Fulton", "DeKalb")
    official = django_user_model.objects.create_user("official")

    first = certification_record(election=election, jurisdiction=fulton, certified_at=DEC_11, by=official)
    other = certification_record(election=election, jurisdiction=dekalb, certified_at=DEC_11, by=None)
    again = certification_record(
        election=election, jurisdiction=fulton, certified_at=DEC_11 + datetime.timedelta(days=9), by=official
    )
    statewide = certification_record(election=election, jurisdiction=None, certified_at=DEC_11, by=None)

    assert [(c.scope, c.jurisdiction, c.version) for c in (first, other, again, statewide)] == [
        (CertificationScope.COUNTY, fulton, 1),
        (CertificationScope.COUNTY, dekalb, 1),
        (CertificationScope.COUNTY, fulton, 2),
        (CertificationScope.STATEWIDE, None, 1),
    ]
    assert [(h.history_user, h.history_change_reason) for h in again.history.all()] == [
        (official, "Recertified (version 2)")
    ]


@pytest.mark.parametrize(
    ("county", "certified_at", "message"),
    [
        pytest.param(
            "Fulton",
            DEC_11,
            "Atlanta Mayoral Runoff 2017 (2017-12-05) — Fulton County, version 1 at 2017-12-11T16:00:00-05:00 "
            "is already recorded.",
            id="the-same-certification-again",
        ),
        pytest.param(
            "DeKalb",
            datetime.datetime(2017, 12, 5, 23, 0, tzinfo=EASTERN),
            "The certification time 2017-12-05T23:00:00-05:00 is not after election day (2017-12-05).",
            id="on-election-day",
        ),
        pytest.param(
            "DeKalb",
            datetime.datetime(2017, 12, 11, 16, 6, tzinfo=EASTERN),
            "The certification time 2017-12-11T16:06:00-05:00 is in the future.",
            id="in-the-future",
        ),
    ],
)
@time_machine.travel(datetime.datetime(2017, 12, 11, 16, 0, tzinfo=EASTERN), tick=False)
def test_certification_that_cannot_be_right_is_refused(county, certified_at, message):
    contest = build_atlanta_runoff(certified_at=None)
    certification_record(
        election=contest.election, jurisdiction=georgia_counties("Fulton")[0], certified_at=DEC_11, by=None
    )

    with pytest.raises(ElectionsError) as raised:
        certification_record(
            election=contest.election, jurisdiction=georgia_counties(county)[0], certified_at=certified_at, by=None
        )

    assert str(raised.value) == message
    assert Certification.objects.count() == 1


@pytest.mark.parametrize(
    ("certified_at", "county", "message"),
    [
        (
            datetime.datetime(2017, 12, 11, 16, 0),
            "Fulton",
            "The certification time needs a time zone (e.g. 2017-12-11T16:00-05:00).",
        ),
        (
            DEC_11 - datetime.timedelta(days=1),
            "Fulton",
            "The certification time 2017-12-10T16:00:00-05:00 is before version 1's (2017-12-11T16:00:00-05:00); "
            "a recertification comes after the one it replaces.",
        ),
    ],
)
def test_certification_refused(certified_at, county, message):
    contest = build_atlanta_runoff(certified_at=None)
    (fulton,) = georgia_counties(county)
    certification_record(election=contest.election, jurisdiction=fulton, certified_at=DEC_11, by=None)

    with pytest.raises(ElectionsError) as raised:
        certification_record(election=contest.election, jurisdiction=fulton, certified_at=certified_at, by=None)

    assert str(raised.value) == message
    assert Certification.objects.count() == 1


@pytest.mark.parametrize(
    ("office", "kind", "expected"),
    [
        ("President of the United States", ElectionKind.GENERAL, {"Ann": "elected", "Bob": "none", "Cal": "none"}),
        ("U.S. Senate", ElectionKind.GENERAL, {"Ann": "runoff", "Bob": "runoff", "Cal": "none"}),
        ("President", ElectionKind.PRIMARY, {"Ann": "runoff", "Bob": "runoff", "Cal": "none"}),
    ],
)
def test_presidential_electors_need_no_majority_in_a_general_election(office, kind, expected):
    contest = race({"Ann": 495, "Bob": 490, "Cal": 15}, kind=kind)
    contest.office = office
    contest.save()

    contest_declare_from_votes(contest=contest, by=None, reason="From the returns")

    assert statuses(contest) == expected


def test_a_lone_candidate_outpolled_by_write_ins_is_not_declared():
    contest = race({"Write-ins": 60, "Ann": 40})
    contest.candidates.filter(name="Write-ins").update(write_in_aggregate=True)

    contest_declare_from_votes(contest=contest, by=None, reason="From the returns")

    assert statuses(contest) == {"Write-ins": "none", "Ann": "none"}
