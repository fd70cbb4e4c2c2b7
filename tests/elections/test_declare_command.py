import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from elections.enums import DeclaredStatus, ElectionKind, Level
from tests.factories import county, make_candidate, make_contest, make_election, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def race():
    """A 2017 general with a two-seat council race and a write-in line."""
    election = make_election(name="2017 General", slug="2017-general")
    council = make_contest(election=election, office="City Council", district="Post 1", level=Level.MUNICIPAL)
    make_contest(election=election, office="Mayor", level=Level.MUNICIPAL)
    return {
        "ada": make_candidate(contest=council, name="Ada Able", ballot_order=1),
        "ben": make_candidate(contest=council, name="Ben Baker", ballot_order=2),
        "write_ins": make_candidate(contest=council, name="Write-ins", ballot_order=3, write_in_aggregate=True),
    }


def declare(*arguments: str) -> str:
    out = StringIO()
    call_command("declare", *arguments, stdout=out)
    return out.getvalue()


def test_declares_with_the_reason_and_who(race):
    clerk = make_user(username="clerk")

    out = declare(
        "--election", "2017-general", "--office", "city council", "--district", "post 1",
        "--candidate", "ben  baker", "--status", "runoff", "--reason", "Runoff ordered", "--by", "clerk",
    )  # fmt: skip

    ben = race["ben"]
    ben.refresh_from_db()
    assert (out, ben.declared_status) == ("Ben Baker (City Council, Post 1): In the runoff\n", DeclaredStatus.RUNOFF)
    assert list(ben.history.values_list("declared_status", "history_change_reason", "history_user")[:1]) == [
        ("runoff", "Runoff ordered", clerk.pk)
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"--election": "2016-general"},
            "No election with the slug “2016-general”.",
        ),
        (
            {"--office": "Sheriff"},
            "2017 General (2017-11-07) has no contest “Sheriff”, district “Post 1”. Its contests: "
            "City Council, Post 1; Mayor.",
        ),
        (
            {"--district": "Post 2"},
            "2017 General (2017-11-07) has no contest “City Council”, district “Post 2”. Its contests: "
            "City Council, Post 1; Mayor.",
        ),
        (
            {"--candidate": "Cy Carter"},
            "City Council, Post 1 has no candidate “Cy Carter”. Its candidates: Ada Able; Ben Baker; Write-ins.",
        ),
        (
            {"--candidate": "Write-ins"},
            "“Write-ins” is a write-in total, not a candidate; it cannot be declared.",
        ),
        (
            {"--reason": " "},
            "Give a reason for the change of declared status; it is kept in the history.",
        ),
        (
            {"--status": "won"},
            "Error: argument --status: invalid choice: 'won' (choose from 'elected', 'nominated', 'runoff', 'none')",
        ),
        (
            {"--by": "nobody"},
            "No user “nobody”; give the username of an existing account.",
        ),
    ],
)
def test_command_errors_change_nothing(race, change, message):
    arguments = {
        "--election": "2017-general",
        "--office": "City Council",
        "--district": "Post 1",
        "--candidate": "Ada Able",
        "--status": "elected",
        "--reason": "Certified returns",
    } | change

    with pytest.raises(CommandError) as error:
        declare(*[part for pair in arguments.items() for part in pair])

    assert str(error.value) == message
    assert {name: candidate.history.count() for name, candidate in race.items()} == {"ada": 1, "ben": 1, "write_ins": 1}


@pytest.fixture
def primary():
    """A 2018 primary: each party's Governor race, and Sheriff in two counties (two parties in Fulton)."""
    election = make_election(
        name="2018 Primary", slug="2018-primary", date=datetime.date(2018, 5, 22), kind=ElectionKind.PRIMARY
    )
    candidates = {}
    for party in ("REP", "DEM"):
        governor = make_contest(election=election, office="Governor", level=Level.STATE, party=party)
        candidates["governor", party] = make_candidate(contest=governor, name=f"{party} Hopeful")
    for party, home in [("REP", "Fulton"), ("DEM", "Fulton"), ("REP", "DeKalb")]:
        sheriff = make_contest(
            election=election,
            office="Sheriff",
            level=Level.COUNTY,
            counties=[home],
            party=party,
            home_county=county(home),
        )
        candidates["sheriff", party, home] = make_candidate(contest=sheriff, name="Sam Shield")
    return candidates


def test_declares_in_a_county_office_of_one_party(primary):
    out = declare(
        "--election", "2018-primary", "--office", "sheriff", "--party", "rep", "--county", "fulton county",
        "--candidate", "Sam Shield", "--status", "nominated", "--reason", "Certified returns",
    )  # fmt: skip

    for candidate in primary.values():
        candidate.refresh_from_db()
    assert out == "Sam Shield (Sheriff (REP primary, Fulton County)): Nominated\n"
    assert {key: candidate.declared_status for key, candidate in primary.items()} == dict.fromkeys(
        primary, DeclaredStatus.NONE
    ) | {("sheriff", "REP", "Fulton"): DeclaredStatus.NOMINATED}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {},
            "2018 Primary (2018-05-22) has 3 contests “Sheriff”: Sheriff (DEM primary, Fulton County); "
            "Sheriff (REP primary, DeKalb County); Sheriff (REP primary, Fulton County). "
            "Add --party and --county to say which.",
        ),
        (
            {"--party": "REP"},
            "2018 Primary (2018-05-22) has 2 contests “Sheriff”, party “REP”: Sheriff (REP primary, DeKalb County); "
            "Sheriff (REP primary, Fulton County). Add --county to say which.",
        ),
        (
            {"--county": "Fulton"},
            "2018 Primary (2018-05-22) has 2 contests “Sheriff”, county Fulton County: "
            "Sheriff (DEM primary, Fulton County); Sheriff (REP primary, Fulton County). Add --party to say which.",
        ),
        (
            {"--office": "Governor"},
            "2018 Primary (2018-05-22) has 2 contests “Governor”: Governor (DEM primary); Governor (REP primary). "
            "Add --party to say which.",
        ),
        (
            {"--party": "DEM", "--county": "DeKalb"},
            "2018 Primary (2018-05-22) has no contest “Sheriff”, party “DEM”, county DeKalb County. Its contests: "
            "Governor (DEM primary); Governor (REP primary); Sheriff (DEM primary, Fulton County); "
            "Sheriff (REP primary, DeKalb County); Sheriff (REP primary, Fulton County).",
        ),
        (
            {"--county": "Nowhere"},
            "“Nowhere” is not a GA county.",
        ),
    ],
)
def test_a_contest_not_named_exactly_is_refused(primary, change, message):
    arguments = {
        "--election": "2018-primary",
        "--office": "Sheriff",
        "--candidate": "Sam Shield",
        "--status": "nominated",
        "--reason": "Certified returns",
    } | change

    with pytest.raises(CommandError) as error:
        declare(*[part for pair in arguments.items() for part in pair])

    assert str(error.value) == message
    assert {key: candidate.history.count() for key, candidate in primary.items()} == dict.fromkeys(primary, 1)
