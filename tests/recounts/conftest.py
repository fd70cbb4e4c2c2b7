"""Fixtures for the recount pages: the article's race, a logged-in client per role, and the clock pinned
the day after Atlanta's certification (uploads go to a temporary directory: tests/conftest.py)."""

import datetime

import pytest
from django.test import Client

from accounts.enums import StaffRole
from elections.enums import ElectionKind, Level, VoteType
from elections.models import Candidate, Contest
from elections.services import certification_record
from tests.factories import (
    EASTERN,
    at,
    build_atlanta_runoff,
    build_race,
    georgia_counties,
    make_candidate_account,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    make_user,
)

#: The day after Atlanta's runoff was certified (Monday 2017-12-11, 4 p.m.): the window is open.
DAY_AFTER_CERTIFICATION = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)
#: The filing deadline: two business days after certification, at 5 p.m. Eastern.
DEADLINE = datetime.datetime(2017, 12, 13, 17, 0, tzinfo=EASTERN)


@pytest.fixture
def clock(time_machine):
    """The server's clock, pinned; tests move it with `clock.move_to(...)`."""
    time_machine.move_to(DAY_AFTER_CERTIFICATION, tick=False)
    return time_machine


@pytest.fixture
def atlanta_runoff(db, clock) -> Contest:
    return build_atlanta_runoff()


@pytest.fixture
def norwood(atlanta_runoff) -> Candidate:
    return atlanta_runoff.candidates.get(name="Mary Norwood")


@pytest.fixture
def bottoms(atlanta_runoff) -> Candidate:
    return atlanta_runoff.candidates.get(name="Keisha Lance Bottoms")


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def norwood_user(norwood):
    return make_candidate_account(norwood, username="norwood", first_name="Mary", last_name="Norwood")


@pytest.fixture
def norwood_client(norwood_user) -> Client:
    return logged_in(norwood_user)


@pytest.fixture
def bottoms_client(bottoms) -> Client:
    """Another candidate: the declared one, in the same contest."""
    return logged_in(make_candidate_account(bottoms, username="bottoms"))


@pytest.fixture
def fulton_user(db):
    return make_superintendent_staff(username="fulton", county_name="Fulton")


@pytest.fixture
def fulton_client(fulton_user) -> Client:
    return logged_in(fulton_user)


@pytest.fixture
def dekalb_client(db) -> Client:
    return logged_in(make_superintendent_staff(username="dekalb", county_name="DeKalb"))


@pytest.fixture
def cobb_client(db) -> Client:
    """Another county's staff: Atlanta's requests are not addressed to them."""
    return logged_in(make_superintendent_staff(username="cobb", county_name="Cobb"))


@pytest.fixture
def sos_user(db):
    return make_secretary_of_state_staff(username="sos")


@pytest.fixture
def sos_client(sos_user) -> Client:
    return logged_in(sos_user)


@pytest.fixture
def nobody_client(db) -> Client:
    """Logged in, with no role at all."""
    return logged_in(make_user(username="nobody"))


@pytest.fixture
def state_race():
    """A Public Service Commission runoff voted in three counties, broken down by type."""
    counties = georgia_counties("Fulton", "Cobb", "Gwinnett")
    contest = build_race(
        slug="psc-runoff",
        office="Public Service Commission",
        district="District 5",
        level=Level.STATE,
        counties=counties,
        votes={
            "Ada Able": [{VoteType.ELECTION_DAY: 10_000, VoteType.PROVISIONAL: 20}] * 3,
            "Ben Baker": [{VoteType.ELECTION_DAY: 9_980, VoteType.PROVISIONAL: 10}] * 3,
        },
        kind=ElectionKind.RUNOFF,
        certified_at=None,
    )
    for county in counties:
        certification_record(
            election=contest.election, jurisdiction=county, certified_at=at(2017, 12, 8, 12, 0), by=None
        )
    certification_record(election=contest.election, jurisdiction=None, certified_at=at(2017, 12, 11, 16, 0), by=None)
    return contest


@pytest.fixture
def fulton_superintendent(db):
    """Fulton's superintendent themself (orders the recount, reopens a worksheet)."""
    return make_superintendent_staff(
        username="fulton-superintendent",
        county_name="Fulton",
        superintendent=True,
        first_name="Fay",
        last_name="Fulton",
    )


@pytest.fixture
def fulton_superintendent_client(fulton_superintendent) -> Client:
    return logged_in(fulton_superintendent)


@pytest.fixture
def dekalb_superintendent(db):
    return make_superintendent_staff(
        username="dekalb-superintendent", county_name="DeKalb", role=StaffRole.SUPERINTENDENT
    )


@pytest.fixture
def dekalb_superintendent_client(dekalb_superintendent) -> Client:
    return logged_in(dekalb_superintendent)
