"""Plain factory functions with explicit defaults, for tests of every app.

`make_*` build one row each (with the ORM; history as the ORM writes it). `build_race` builds a
whole contest from a table of votes; `build_atlanta_runoff` is the article's race.
"""

import datetime
import io
import time
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfWriter
from simple_history.utils import bulk_create_with_history

from accounts.enums import StaffRole
from accounts.models import StaffMembership
from accounts.roles import SECRETARY_OF_STATE_GROUP
from elections.enums import DeclaredStatus, ElectionKind, JurisdictionKind, Level, VoteType
from elections.models import (
    Candidate,
    Contest,
    Election,
    Jurisdiction,
    Result,
)
from elections.services import certification_record, contest_declare_from_votes

EASTERN = ZoneInfo("America/New_York")
ATLANTA_CERTIFIED_AT = datetime.datetime(2017, 12, 11, 16, 0, tzinfo=EASTERN)


def county(name: str) -> Jurisdiction:
    """A Georgia county by its name without “County” (“Fulton”); loaded by the data migration."""
    return Jurisdiction.objects.get(state="GA", kind=JurisdictionKind.COUNTY, name=name)


def georgia_counties(*names: str) -> list[Jurisdiction]:
    """The named counties in the order given, or (no names) all 159 by name."""
    counties = Jurisdiction.objects.filter(state="GA", kind=JurisdictionKind.COUNTY)
    if not names:
        return list(counties.order_by("name"))
    by_name = {place.name: place for place in counties.filter(name__in=names)}
    return [by_name[name] for name in names]


def make_user(*, username: str = "staff", password: str = "staff-password-1", **fields):
    return get_user_model().objects.create_user(username=username, password=password, **fields)


def make_election(
    *,
    name: str = "2017 General",
    slug: str = "2017-general",
    date: datetime.date = datetime.date(2017, 11, 7),
    kind: ElectionKind = ElectionKind.GENERAL,
) -> Election:
    return Election.objects.create(name=name, slug=slug, date=date, kind=kind)


def make_contest(
    *,
    election: Election | None = None,
    office: str = "Mayor",
    district: str = "",
    level: Level = Level.MUNICIPAL,
    counties: Sequence[str] = ("Fulton",),
    seats: int = 1,
    party: str = "",
    home_county: Jurisdiction | None = None,
) -> Contest:
    """A contest voted on in the named counties (names without “County”)."""
    contest = Contest.objects.create(
        election=election or make_election(),
        office=office,
        district=district,
        level=level,
        seats=seats,
        party=party,
        home_county=home_county,
    )
    contest.counties.set(georgia_counties(*counties))
    return contest


def make_candidate(
    *,
    contest: Contest | None = None,
    name: str = "Ada Able",
    party: str = "",
    ballot_order: int = 1,
    declared_status: DeclaredStatus = DeclaredStatus.NONE,
    write_in_aggregate: bool = False,
) -> Candidate:
    return Candidate.objects.create(
        contest=contest or make_contest(),
        name=name,
        party=party,
        ballot_order=ballot_order,
        declared_status=declared_status,
        write_in_aggregate=write_in_aggregate,
    )


def make_result(
    *,
    candidate: Candidate | None = None,
    county_name: str = "Fulton",
    precinct: str = "",
    votes: int = 0,
    **by_type: int,
) -> Result:
    """A line of returns: `votes` not broken down by type, or `by_type` (``election_day=…``) adding up."""
    return Result.objects.create(
        candidate=candidate or make_candidate(),
        county=county(county_name),
        precinct=precinct,
        **result_figures({VoteType(name): figure for name, figure in by_type.items()} or {VoteType.UNSPECIFIED: votes}),
    )


def result_figures(by_type: Mapping[VoteType, int]) -> dict[str, int]:
    """A Result's `votes` and type columns for {vote type: votes} (``UNSPECIFIED``: no breakdown)."""
    if VoteType.UNSPECIFIED in by_type:
        assert len(by_type) == 1, "a line is either broken down by type or not"
        return {"votes": by_type[VoteType.UNSPECIFIED]}
    return {"votes": sum(by_type.values())} | {vote_type.value: figure for vote_type, figure in by_type.items()}


def build_race(
    *,
    slug: str,
    counties: Sequence[Jurisdiction],
    votes: Mapping[str, Sequence[Mapping[str, int]]],
    name: str = "Test Election",
    office: str = "Mayor",
    district: str = "",
    level: Level = Level.MUNICIPAL,
    date: datetime.date = datetime.date(2017, 12, 5),
    kind: ElectionKind = ElectionKind.RUNOFF,
    certified_at: datetime.datetime | None = ATLANTA_CERTIFIED_AT,
    declare: bool = True,
) -> Contest:
    """One election with one contest. `votes[candidate]` has one {vote type: votes} per county, in
    the order of `counties`. Declared from the votes and certified in every county unless told not."""
    election = Election.objects.create(name=name, slug=slug, date=date, kind=kind)
    contest = Contest.objects.create(election=election, office=office, district=district, level=level)
    contest.counties.set(counties)
    for order, (candidate_name, per_county) in enumerate(votes.items(), start=1):
        candidate = Candidate.objects.create(contest=contest, name=candidate_name, ballot_order=order)
        bulk_create_with_history(
            [
                Result(candidate=candidate, county=place, **result_figures(by_type))
                for place, by_type in zip(counties, per_county, strict=True)
            ],
            Result,
        )
    if declare:
        contest_declare_from_votes(contest=contest, by=None, reason="Declared from the returns (test)")
    if certified_at is not None:
        for place in counties:
            certification_record(election=election, jurisdiction=place, certified_at=certified_at, by=None)
    return contest


def build_atlanta_runoff(**overrides) -> Contest:
    """Atlanta's 2017 mayoral runoff, as the article tells it: Bottoms by 832 of 92,502."""
    fields = {
        "slug": "atlanta-mayor-runoff-2017",
        "name": "Atlanta Mayoral Runoff 2017",
        "district": "City of Atlanta",
        "counties": georgia_counties("Fulton", "DeKalb"),
        "votes": {
            "Keisha Lance Bottoms": [{VoteType.UNSPECIFIED: 42_887}, {VoteType.UNSPECIFIED: 3_780}],
            "Mary Norwood": [{VoteType.UNSPECIFIED: 40_668}, {VoteType.UNSPECIFIED: 5_167}],
        },
    }
    return build_race(**(fields | overrides))


def build_spread_race(*, slug: str, county_count: int, level: Level = Level.MUNICIPAL) -> Contest:
    """A contest voted in `county_count` counties, two vote types per county, three candidates."""
    counties = georgia_counties()[:county_count]
    votes = {
        candidate: [
            {VoteType.ELECTION_DAY: base + index, VoteType.ABSENTEE_BY_MAIL: base // 10 + index}
            for index in range(county_count)
        ]
        for candidate, base in [("Ada Able", 1_000), ("Ben Baker", 990), ("Cy Write-in", 5)]
    }
    return build_race(slug=slug, counties=counties, votes=votes, level=level)


def make_pdf_bytes(pages: int = 1) -> bytes:
    """A small, valid PDF document of blank pages (a stand-in for a signed letter or a scan)."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_superintendent_staff(
    *, username: str, county_name: str, superintendent: bool = False, role: StaffRole = StaffRole.CLERK, **fields
):
    """A user working in the superintendent's office of a Georgia county (name without “County”), in
    `role`; with `superintendent`, the superintendent themself. Named after the username unless names
    are given (a sign-off is made under the name on record)."""
    fields.setdefault("first_name", username.split("-")[0].capitalize())
    fields.setdefault("last_name", "Official")
    user = make_user(username=username, email=f"{username}@example.test", **fields)
    StaffMembership.objects.create(
        user=user,
        jurisdiction=county(county_name),
        title="Elections director",
        role=StaffRole.SUPERINTENDENT if superintendent else role,
    )
    return user


def make_secretary_of_state_staff(*, username: str = "sos", **fields):
    user = make_user(username=username, email=f"{username}@example.test", **fields)
    user.groups.add(Group.objects.get(name=SECRETARY_OF_STATE_GROUP))
    return user


def make_candidate_account(candidate: Candidate, *, username: str, **fields):
    """An account linked to `candidate`, as an invitation leaves it (with a password, for tests)."""
    user = make_user(username=username, email=f"{username}@example.test", **fields)
    candidate.accounts.add(user)
    return user


def make_authenticator(user) -> TOTPDevice:
    """A confirmed authenticator app for the account, as the setup page leaves it."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def authenticator_code(key: str, *, used_step: int = -1) -> str:
    """What an authenticator app shows now for the secret `key` (hex, as django-otp stores it). When the
    code of this time step was used (`used_step`, a device's `last_t`), the next step's: django-otp
    accepts one step either side of its clock."""
    totp = TOTP(bytes.fromhex(key))
    totp.time = time.time()
    now = totp.t()
    totp.drift = max(now, used_step + 1) - now
    if totp.drift > 1:
        raise AssertionError("The codes of this time step and the next were used; a test must wait 30 seconds.")
    return f"{totp.token():06d}"


def device_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return authenticator_code(device.key, used_step=device.last_t)


def make_ordered_request(
    candidate: Candidate,
    *,
    filed_at: datetime.datetime,
    decided_by,
    decided_at: datetime.datetime,
    ruling: str = "",
):
    """A written request filed online by the candidate's own account at `filed_at`, then granted.

    Filed through the service (snapshot, receipt number, authorities); the decision is written here
    directly, for tests of what is read from a case rather than of the service that decides it.
    """
    from recounts.enums import RequestStatus
    from recounts.services.requests import Signature, request_file

    account = make_candidate_account(candidate, username=f"candidate-{candidate.pk}")
    request = request_file(candidate=candidate, by=account, signature=Signature(name=candidate.name), now=filed_at)
    request.status = RequestStatus.ORDERED
    request.decided_at, request.decided_by, request.ruling = decided_at, decided_by, ruling
    request.save()
    return request


def make_county_recount(*, request, county_name: str, ordered_by, ordered_at: datetime.datetime, **fields):
    """One county's part of a case (name without “County”), ordered; `fields` set the rest."""
    from recounts.models import CountyRecount

    return CountyRecount.objects.create(
        request=request, county=county(county_name), ordered_by=ordered_by, ordered_at=ordered_at, **fields
    )


def make_tally(
    *,
    county_recount,
    candidate: Candidate,
    original: int,
    recounted: int | None = None,
    vote_type: VoteType = VoteType.UNSPECIFIED,
    line: str = "returns",
    reason: str = "",
    note: str = "",
):
    """A line of a county's worksheet: the certified figure and the recounted one (None: not entered)."""
    from recounts.models import RecountTally

    return RecountTally.objects.create(
        county_recount=county_recount,
        candidate=candidate,
        vote_type=vote_type,
        line=line,
        original=original,
        recounted=recounted,
        reason=reason,
        note=note,
    )


def at(*when: int) -> datetime.datetime:
    """An instant on Eastern time: `at(2017, 12, 12, 10, 0)`."""
    return datetime.datetime(*when, tzinfo=EASTERN)


def file_online(candidate: Candidate, when: datetime.datetime):
    """The candidate's written request, filed online at `when` (an account is made if it has none)."""
    from recounts.services.requests import Signature, request_file

    user = candidate.accounts.first() or make_candidate_account(candidate, username=candidate.name.split()[-1].lower())
    with time_machine.travel(when, tick=False):
        return request_file(candidate=candidate, by=user, signature=Signature(name=candidate.name))


def withdraw_in_writing(request, *, by, reason: str = ""):
    """The candidate's withdrawal, signed with the candidate's name and attested, as the page sends it."""
    from recounts.services.requests import Signature, request_withdraw

    return request_withdraw(
        request=request, by=by, signature=Signature(name=request.candidate.name), attested=True, reason=reason
    )


def record_outcome(county_recount, *, by, now: datetime.datetime | None = None):
    """The county's superintendent records its outcome, on the worksheet as it is stored now."""
    from recounts.models import CountyRecount
    from recounts.services.outcomes import county_outcome_record

    version = CountyRecount.objects.values_list("version", flat=True).get(pk=county_recount.pk)
    return county_outcome_record(county_recount=county_recount, by=by, version=version, now=now)
