import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from elections.enums import CertificationScope, ElectionKind, JurisdictionKind, VoteType
from elections.models import Certification, Jurisdiction
from recounts.queries import contest_standing
from tests.factories import build_atlanta_runoff, build_race, georgia_counties

EASTERN = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db


def certify(*args: str) -> str:
    out = StringIO()
    call_command("certify", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def atlanta(db):
    return build_atlanta_runoff(certified_at=None).election


def recorded(election) -> list[tuple[str, int, datetime.datetime, str | None]]:
    return [
        (str(c.jurisdiction or "statewide"), c.version, c.certified_at, c.certified_by and c.certified_by.username)
        for c in Certification.objects.filter(election=election).order_by("pk")
    ]


def test_certify_a_county_with_an_offset_then_again_as_a_recertification(atlanta, django_user_model):
    django_user_model.objects.create_user("fulton-super")

    first = certify("--election", atlanta.slug, "--county", "fulton county", "--at", "2017-12-11T16:00-05:00")
    certify("--election", atlanta.slug, "--county", "FULTON", "--at", "2017-12-20T10:30", "--by", "fulton-super")

    assert first == (
        "Recorded: Atlanta Mayoral Runoff 2017 (2017-12-05) — Fulton County, version 1 at 2017-12-11T16:00:00-05:00.\n"
    )
    assert recorded(atlanta) == [
        ("Fulton County", 1, datetime.datetime(2017, 12, 11, 16, 0, tzinfo=EASTERN), None),
        ("Fulton County", 2, datetime.datetime(2017, 12, 20, 10, 30, tzinfo=EASTERN), "fulton-super"),
    ]


@time_machine.travel(datetime.datetime(2017, 12, 11, 18, 5, tzinfo=EASTERN), tick=False)
def test_certify_statewide_defaults_to_now(atlanta):
    certify("--election", atlanta.slug, "--statewide")

    assert recorded(atlanta) == [("statewide", 1, datetime.datetime(2017, 12, 11, 18, 5, tzinfo=EASTERN), None)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--election", "nope", "--county", "Fulton"], "No election has the slug “nope”."),
        (["--county", "Atlantis"], "“Atlantis” is not a GA county."),
        (["--county", "Cobb"], "Cobb County has no returns in Atlanta Mayoral Runoff 2017 (2017-12-05)."),
        (
            ["--county", "Fulton", "--at", "yesterday"],
            "--at “yesterday” is not an ISO 8601 date and time (e.g. 2017-12-11T16:00-05:00).",
        ),
        (["--county", "Fulton", "--by", "ghost"], "No user is named “ghost”."),
    ],
)
def test_certify_refuses_with_a_clear_message(atlanta, args, message):
    if args[0] != "--election":
        args = ["--election", atlanta.slug, *args]

    with pytest.raises(CommandError) as raised:
        certify(*args)

    assert str(raised.value) == message
    assert recorded(atlanta) == []


def test_a_city_that_runs_its_own_election_certifies_and_starts_the_clock():
    milton = Jurisdiction.objects.create(kind=JurisdictionKind.MUNICIPALITY, name="Milton")
    contest = build_race(
        slug="milton-2021",
        name="Milton General 2021",
        office="City Council",
        district="District 1",
        counties=georgia_counties("Fulton"),
        votes={"Ann Able": [{VoteType.UNSPECIFIED: 1_000}], "Ben Baker": [{VoteType.UNSPECIFIED: 996}]},
        date=datetime.date(2021, 11, 2),
        kind=ElectionKind.GENERAL,
        certified_at=datetime.datetime(2021, 11, 8, 12, 0, tzinfo=EASTERN),
    )
    contest.superintendent_jurisdiction = milton
    contest.save()
    before = contest_standing(contest)

    output = certify("--election", "milton-2021", "--municipality", "MILTON", "--at", "2021-11-09T17:30-05:00")

    after = contest_standing(contest)
    assert output == "Recorded: Milton General 2021 (2021-11-02) — Milton, version 1 at 2021-11-09T17:30:00-05:00.\n"
    assert (before.certified_at, before.filing_deadline) == (None, None)
    assert (after.certified_at, after.filing_deadline) == (
        datetime.datetime(2021, 11, 9, 17, 30, tzinfo=EASTERN),
        datetime.datetime(2021, 11, 12, 17, 0, tzinfo=EASTERN),
    )
    assert Certification.objects.get(jurisdiction=milton).scope == CertificationScope.MUNICIPALITY


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Atlantis", "“Atlantis” is not a GA municipality known here (add it in the admin)."),
        ("Milton", "Milton runs no contest of Atlanta Mayoral Runoff 2017 (2017-12-05)."),
    ],
)
def test_certify_a_municipality_refused(atlanta, name, message):
    Jurisdiction.objects.create(kind=JurisdictionKind.MUNICIPALITY, name="Milton")

    with pytest.raises(CommandError) as raised:
        certify("--election", atlanta.slug, "--municipality", name)

    assert str(raised.value) == message
