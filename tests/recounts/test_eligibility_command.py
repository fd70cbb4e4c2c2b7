import datetime
import io
import json
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from elections.enums import ElectionKind, Level, VoteType
from elections.importers.returns import import_openelections_csv
from elections.services import certification_record
from tests.factories import build_atlanta_runoff, build_race, georgia_counties

EASTERN = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


def eligibility(*args: str) -> str:
    out = StringIO()
    call_command("eligibility", *args, stdout=out)
    return out.getvalue()


def test_json_shape_for_the_2017_atlanta_runoff():
    contest = build_atlanta_runoff()

    output = json.loads(eligibility("--election", "atlanta-mayor-runoff-2017", "--json"))

    assert output == {
        "election": {
            "name": "Atlanta Mayoral Runoff 2017",
            "slug": "atlanta-mayor-runoff-2017",
            "date": "2017-12-05",
            "kind": "runoff",
            "state": "GA",
        },
        "contests": [
            {
                "id": contest.pk,
                "office": "Mayor",
                "district": "City of Atlanta",
                "party": "",
                "home_county": None,
                "level": "municipal",
                "question": False,
                "seats": 1,
                "counties": ["DeKalb", "Fulton"],
                "total_votes": 92_502,
                "margin": 832,
                "rule": {"name": "Georgia, O.C.G.A. § 21-2-495(c), 1 percent", "threshold_percent": 1.0},
                "certified_at": "2017-12-11T16:00:00-05:00",
                "filing_deadline": "2017-12-13T17:00:00-05:00",
                "route": "superintendent",
                "candidates": [
                    {
                        "name": "Keisha Lance Bottoms",
                        "party": "",
                        "votes": 46_667,
                        "declared": True,
                        "declared_status": "elected",
                        "write_in_aggregate": False,
                        "eligible": False,
                        "gap": None,
                        "gap_percent": None,
                        "against": None,
                    },
                    {
                        "name": "Mary Norwood",
                        "party": "",
                        "votes": 45_835,
                        "declared": False,
                        "declared_status": "none",
                        "write_in_aggregate": False,
                        "eligible": True,
                        "gap": 832,
                        "gap_percent": 0.899,
                        "against": "Keisha Lance Bottoms",
                    },
                ],
            }
        ],
    }


def test_json_names_the_party_and_home_county_of_a_county_office_in_a_primary():
    contest = build_race(
        slug="fulton-primary-2020",
        office="Sheriff",
        level=Level.COUNTY,
        date=datetime.date(2020, 6, 9),
        kind=ElectionKind.PRIMARY,
        counties=georgia_counties("Fulton"),
        votes={"Ann Able": [{VoteType.ELECTION_DAY: 1_000}], "Ben Baker": [{VoteType.ELECTION_DAY: 990}]},
        certified_at=None,
    )
    contest.party, contest.home_county = "REP", georgia_counties("Fulton")[0]
    contest.save()

    (shown,) = json.loads(eligibility("--election", "fulton-primary-2020", "--json"))["contests"]

    assert list(shown)[:6] == ["id", "office", "district", "party", "home_county", "level"]
    assert (shown["office"], shown["district"], shown["party"], shown["home_county"]) == (
        "Sheriff",
        "",
        "REP",
        "Fulton",
    )


def test_the_same_race_after_hb_316_is_not_eligible_at_half_a_percent():
    build_atlanta_runoff(
        slug="atlanta-2021",
        date=datetime.date(2021, 11, 30),
        certified_at=datetime.datetime(2021, 12, 6, 12, tzinfo=EASTERN),
    )

    (contest,) = json.loads(eligibility("--election", "atlanta-2021", "--json"))["contests"]

    assert contest["rule"] == {
        "name": "Georgia, O.C.G.A. § 21-2-495(c) as amended by HB 316 (2019), 0.5 percent",
        "threshold_percent": 0.5,
    }
    assert [(c["name"], c["eligible"], c["gap_percent"]) for c in contest["candidates"]] == [
        ("Keisha Lance Bottoms", False, None),
        ("Mary Norwood", False, 0.899),
    ]
    assert contest["filing_deadline"] == "2021-12-08T17:00:00-05:00"


def test_a_state_office_in_three_counties_goes_to_the_secretary_of_state_and_waits_for_the_statewide_certification():
    counties = georgia_counties("Cobb", "Fulton", "Gwinnett")
    contest = build_race(
        slug="psc-2020",
        office="Public Service Commission",
        district="District 1",
        level=Level.STATE,
        date=datetime.date(2020, 11, 3),
        kind=ElectionKind.GENERAL,
        counties=counties,
        votes={
            "Ann Able": [{VoteType.ELECTION_DAY: 10_000}] * 3,
            "Ben Baker": [{VoteType.ELECTION_DAY: 9_950}] * 3,
        },
        certified_at=datetime.datetime(2020, 11, 13, 17, tzinfo=EASTERN),
    )

    before = json.loads(eligibility("--election", "psc-2020", "--json"))["contests"][0]
    certification_record(
        election=contest.election,
        jurisdiction=None,
        certified_at=datetime.datetime(2020, 11, 20, 17, tzinfo=EASTERN),
        by=None,
    )
    after = json.loads(eligibility("--election", str(contest.election.pk), "--json"))["contests"][0]

    assert (before["route"], before["certified_at"], before["filing_deadline"]) == ("secretary_of_state", None, None)
    assert (after["certified_at"], after["filing_deadline"]) == (
        "2020-11-20T17:00:00-05:00",
        "2020-11-24T17:00:00-05:00",
    )
    assert [(c["name"], c["gap"], c["gap_percent"], c["eligible"]) for c in after["candidates"]] == [
        ("Ann Able", None, None, False),
        ("Ben Baker", 150, 0.251, True),
    ]


def test_readable_table():
    build_atlanta_runoff()

    output = eligibility("--election", "atlanta-mayor-runoff-2017")

    assert output.splitlines() == [
        "Atlanta Mayoral Runoff 2017 — Tuesday, December 5, 2017 (Runoff)",
        "",
        "Mayor, City of Atlanta [Municipal] — DeKalb County, Fulton County",
        "  Rule: Georgia, O.C.G.A. § 21-2-495(c), 1 percent (threshold 1%)",
        "  Total votes: 92,502",
        "  Certified: 2017-12-11 16:00 EST    Filing deadline: 2017-12-13 17:00 EST",
        "  Route: Superintendent",
        "  Candidate                  Votes  Declared        Gap   Percent  May ask",
        "  Keisha Lance Bottoms      46,667  Elected           —         —  no",
        "  Mary Norwood              45,835  no              832    0.899%  yes",
    ]


def test_unknown_election():
    with pytest.raises(CommandError) as raised:
        eligibility("--election", "nope")
    assert str(raised.value) == "No election has the slug or id “nope”."


def test_2020_presidential_race_in_georgia_plurality_winner_and_the_losers_right_to_ask():
    """Georgia's 2020 presidential returns as certified (Biden 2,473,633; Trump 2,461,854; Jorgensen
    62,229), split between two counties. Presidential electors need no majority, so Biden is elected
    with 49.5%; Trump is 11,779 votes (0.236%) behind: within HB 316's 0.5%."""
    returns = "\n".join(
        [
            "county,precinct,office,district,party,candidate,votes",
            "Fulton,,President,,DEM,Joseph R. Biden,2000000",
            "Fulton,,President,,REP,Donald J. Trump,2000000",
            "Fulton,,President,,LIB,Jo Jorgensen,60000",
            "Cobb,,President,,DEM,Joseph R. Biden,473633",
            "Cobb,,President,,REP,Donald J. Trump,461854",
            "Cobb,,President,,LIB,Jo Jorgensen,2229",
        ]
    )
    summary = import_openelections_csv(
        source=io.BytesIO(returns.encode()),
        file_name="20201103__ga__general.csv",
        election_name="2020 General",
        date=datetime.date(2020, 11, 3),
        kind="general",
    )
    certification_record(
        election=summary.election,
        jurisdiction=None,
        certified_at=datetime.datetime(2020, 11, 20, 17, 0, tzinfo=EASTERN),
        by=None,
    )

    (contest,) = json.loads(eligibility("--election", "2020-general", "--json"))["contests"]

    assert (contest["level"], contest["route"], contest["total_votes"], contest["margin"]) == (
        "federal",
        "secretary_of_state",
        4_997_716,
        11_779,
    )
    assert (contest["certified_at"], contest["filing_deadline"]) == (
        "2020-11-20T17:00:00-05:00",
        "2020-11-24T17:00:00-05:00",
    )
    assert [
        (c["name"], c["declared_status"], c["gap"], c["gap_percent"], c["eligible"]) for c in contest["candidates"]
    ] == [
        ("Joseph R. Biden", "elected", None, None, False),
        ("Donald J. Trump", "none", 11_779, 0.236, True),
        ("Jo Jorgensen", "none", 2_411_404, 48.25, False),
    ]
