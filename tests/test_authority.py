"""Who may do what: every action of `recounts.permissions`, by every role, on objects of two counties.

For each action the object is put in a state where the action is possible for someone, then for each
role three answers must agree:
- the rule (`permissions.decide`) allows it exactly for the roles in the table;
- the page where the action lives offers it (its form or link is there) exactly then;
- the service (or, for the admin's own actions, the admin's enforcement) carries it out exactly then,
  and when it refuses, it says the rule's reason.
An action in `recounts.permissions` without a row here fails `test_every_action_has_a_row`.

Roles: anonymous; the candidate (Ben Baker, not declared, in a Fulton County race) and a second account
linked to him; another candidate (Ada Able, declared, in the same race); Fulton's clerk, superintendent
and the superintendent's designee; another county's superintendent (Cobb); the Secretary of State's
staff; an administrator with no office. The objects are Fulton's and DeKalb's (DeKalb's race, its
county's part of a recount, its office), and, on the Secretary of State's route, a state race voted
in both.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.enums import StaffRole
from accounts.models import StaffMembership
from elections.enums import Level, VoteType
from elections.importers.returns import ElectionDetails
from elections.models import Candidate
from elections.services import certification_record
from recounts import permissions
from recounts.enums import DenialReason, RequestChannel, TallyLine
from recounts.models import CountyRecount, RecountRequest, RecountRule
from recounts.permissions import Returns
from recounts.services.candidates import candidate_link
from recounts.services.cases import RecountError
from recounts.services.certifications import returns_certify
from recounts.services.decisions import county_count_schedule, recount_direct, recount_order, request_deny
from recounts.services.imports import import_job_start, upload_check
from recounts.services.offices import membership_change
from recounts.services.outcomes import case_finish, county_outcome_record
from recounts.services.requests import (
    Signature,
    letter_check,
    request_file,
    request_record_received,
    request_withdraw,
)
from recounts.services.worksheets import (
    LateBallots,
    TallyEntry,
    late_ballots_enter,
    scanner_test_correct,
    scanner_test_record,
    worksheet_reopen,
    worksheet_save,
    worksheet_sign_off,
    worksheet_submit,
)
from tests.factories import (
    EASTERN,
    build_race,
    county,
    georgia_counties,
    make_candidate_account,
    make_pdf_bytes,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    make_user,
    record_outcome,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)  # the day after the races were certified
CERTIFIED_AT = datetime.datetime(2017, 12, 11, 16, 0, tzinfo=EASTERN)

ROLES = (
    "anonymous",
    "candidate",
    "another_candidate",
    "linked_account",
    "clerk",
    "superintendent",
    "designee",
    "other_county",
    "secretary_of_state",
    "administrator",
)
OFFICE = {"clerk", "superintendent", "designee"}
CANDIDATE = {"candidate", "linked_account"}


@dataclass
class World:
    users: dict[str, object]
    officials: dict[str, dict[str, object]]  # county → role → user (Fulton's and DeKalb's offices)
    races: dict[str, object]  # "Fulton", "DeKalb", "state" → contest

    def loser(self, where: str) -> Candidate:
        return self.races[where].candidates.order_by("-ballot_order").first()

    def winner(self, where: str) -> Candidate:
        return self.races[where].candidates.order_by("ballot_order").first()


def race(*, slug: str, office: str, counties: list[str], names: tuple[str, str], level=Level.COUNTY):
    return build_race(
        slug=slug,
        name=f"{office} 2017",
        office=office,
        level=level,
        counties=georgia_counties(*counties),
        votes={
            names[0]: [{VoteType.UNSPECIFIED: 1_000}] * len(counties),
            names[1]: [{VoteType.UNSPECIFIED: 995}] * len(counties),
        },
        certified_at=CERTIFIED_AT,
    )


@pytest.fixture
def world(time_machine) -> World:
    time_machine.move_to(NOW, tick=False)
    races = {
        "Fulton": race(
            slug="fulton-commission",
            office="Fulton County Commission",
            counties=["Fulton"],
            names=("Ada Able", "Ben Baker"),
        ),
        "DeKalb": race(
            slug="dekalb-commission",
            office="DeKalb County Commission",
            counties=["DeKalb"],
            names=("Cara Cole", "Dan Dunn"),
        ),
        "state": race(
            slug="psc",
            office="Public Service Commission",
            counties=["Fulton", "DeKalb"],
            names=("Sam State", "Tess Trail"),
            level=Level.STATE,
        ),
    }
    certification_record(election=races["state"].election, jurisdiction=None, certified_at=CERTIFIED_AT, by=None)
    officials = {
        name: {
            "clerk": make_superintendent_staff(username=f"{name.lower()}-clerk", county_name=name),
            "superintendent": make_superintendent_staff(
                username=f"{name.lower()}-super", county_name=name, superintendent=True
            ),
            "designee": make_superintendent_staff(
                username=f"{name.lower()}-designee", county_name=name, role=StaffRole.DESIGNEE
            ),
        }
        for name in ("Fulton", "DeKalb")
    }
    baker, able = races["Fulton"].candidates.get(name="Ben Baker"), races["Fulton"].candidates.get(name="Ada Able")
    users = {
        "anonymous": AnonymousUser(),
        "candidate": make_candidate_account(baker, username="baker", first_name="Ben", last_name="Baker"),
        "another_candidate": make_candidate_account(able, username="able"),
        "linked_account": make_candidate_account(baker, username="baker-campaign"),
        **officials["Fulton"],
        "other_county": make_superintendent_staff(username="cobb-super", county_name="Cobb", superintendent=True),
        "secretary_of_state": make_secretary_of_state_staff(username="sos", is_staff=True),
        "administrator": make_user(username="admin", is_staff=True, is_superuser=True),
    }
    for candidate in (
        races["DeKalb"].candidates.get(name="Dan Dunn"),
        races["state"].candidates.get(name="Tess Trail"),
    ):
        make_candidate_account(candidate, username=candidate.name.split()[-1].lower())
    for candidate in Candidate.objects.all():
        candidate.email = f"{candidate.name.split()[-1].lower()}@example.test"
        candidate.save()
    return World(users=users, officials=officials, races=races)


# -- Putting objects in the state where an action is possible ---------------------------------------


def filed(world: World, where: str) -> RecountRequest:
    loser = world.loser(where)
    return request_file(candidate=loser, by=loser.accounts.order_by("pk").first(), signature=Signature(name=loser.name))


def ordered(world: World, where: str) -> CountyRecount:
    request = filed(world, where)
    return recount_order(
        request=request,
        county=county(where),
        by=world.officials[where]["superintendent"],
        count_place=f"{where} County Elections Hub",
        count_starts_at=NOW + datetime.timedelta(hours=4),
    )


def fresh(part: CountyRecount) -> CountyRecount:
    return CountyRecount.objects.select_related("county", "request").get(pk=part.pk)


def counted(part: CountyRecount, clerk) -> CountyRecount:
    """The clerk tests a scanner, enters every figure as certified and the tapes; not submitted."""
    part = fresh(part)
    scanner_test_record(
        county_recount=part, by=clerk, version=part.version, scanner="ICP-1",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    part = fresh(part)
    tallies = list(part.tallies.filter(line=TallyLine.RETURNS))
    worksheet_save(
        county_recount=part,
        by=clerk,
        version=part.version,
        entries={tally.pk: TallyEntry(recounted=tally.original) for tally in tallies},
        tabulator_tapes={tally.candidate_id: tally.original for tally in tallies},
    )
    return fresh(part)


def submitted(part: CountyRecount, clerk) -> CountyRecount:
    part = counted(part, clerk)
    worksheet_submit(county_recount=part, by=clerk, version=part.version)
    return fresh(part)


def signed(part: CountyRecount, officials: dict) -> CountyRecount:
    part = submitted(part, officials["clerk"])
    worksheet_sign_off(county_recount=part, by=officials["designee"], version=part.version, attested=True)
    return fresh(part)


def directed(world: World) -> RecountRequest:
    """The state race's request, directed by the Secretary of State (once per world)."""
    existing = RecountRequest.objects.filter(contest=world.races["state"]).first()
    if existing is not None:
        return existing
    request = filed(world, "state")
    recount_direct(
        request=request,
        by=world.users["secretary_of_state"],
        window_starts_at=NOW + datetime.timedelta(days=1),
        finish_by=NOW + datetime.timedelta(days=5),
    )
    return RecountRequest.objects.get(pk=request.pk)


def directed_part(world: World, where: str) -> CountyRecount:
    return fresh(directed(world).county_recounts.get(county__name=where))


def every_county_recorded(world: World) -> RecountRequest:
    request = directed(world)
    for where in ("Fulton", "DeKalb"):
        officials = world.officials[where]
        part = fresh(request.county_recounts.get(county__name=where))
        county_count_schedule(
            county_recount=part,
            by=officials["superintendent"],
            count_place="Hall",
            count_starts_at=request.window_starts_at,
        )
        signed(part, officials)
    for where in ("Fulton", "DeKalb"):
        part = fresh(request.county_recounts.get(county__name=where))
        record_outcome(part, by=world.officials[where]["superintendent"])
    return RecountRequest.objects.get(pk=request.pk)


def another_clerk(world: World, where: str) -> StaffMembership:
    user = make_superintendent_staff(username=f"{where.lower()}-clerk-2", county_name=where)
    return user.memberships.get()


def account_to_keep(world: World, which: str):
    """A new account (no office, no candidacy, never signed in), or a clerk's (the Fulton office's)."""
    return make_user(username="new-account") if which == "a new account" else another_clerk(world, "Fulton").user


def scan():
    return letter_check(SimpleUploadedFile("scan.pdf", make_pdf_bytes(), content_type="application/pdf"))


def admin_request(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def registered(model):
    return admin.site._registry[model]


def page_answer(client: Client, url: str) -> bool:
    """Whether the page opens (200), for the page-level rules."""
    return client.get(url).status_code == 200


# -- The table -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One action: how to reach its state (per object), the page that offers it, the text that is its
    offer there, how to carry it out, and who may, by object."""

    build: Callable[[World, str], object]
    page: Callable[[World, object], str]
    offer: Callable[[World, object], str]
    perform: Callable[[World, object, object], object]
    allowed: dict[str, set[str]] = field(default_factory=dict)


#: A worksheet whose figures Fulton's superintendent entered and submitted (in a race of its own).
COUNTED_BY = {"Fulton, counted by its superintendent"}


def counted_by_its_superintendent(world: World) -> CountyRecount:
    where = "Fulton, counted by its superintendent"
    world.races[where] = race(
        slug="fulton-school-board",
        office="Fulton County Board of Education",
        counties=["Fulton"],
        names=("Eve Early", "Finn Fox"),
    )
    loser = world.loser(where)
    account = make_candidate_account(loser, username="fox")
    request = request_file(candidate=loser, by=account, signature=Signature(name=loser.name))
    superintendent = world.officials["Fulton"]["superintendent"]
    part = recount_order(
        request=request,
        county=county("Fulton"),
        by=superintendent,
        count_place="Fulton County Elections Hub",
        count_starts_at=NOW + datetime.timedelta(hours=4),
    )
    return submitted(part, superintendent)


def request_page(world, request):
    return reverse("recounts:request", args=[request.pk])


def worksheet_page(world, part):
    return reverse("recounts:worksheet", args=[part.pk])


def step_page(name: str) -> Callable[[World, CountyRecount], str]:
    """A step of the worksheet, on its own page."""
    return lambda world, part: reverse(f"recounts:{name}", args=[part.pk])


def scanner_tested(world: World, where: str) -> CountyRecount:
    """Ordered, and a scanner tested by the county's clerk (its figures may be corrected)."""
    part = ordered(world, where)
    scanner_test_record(
        county_recount=part, by=world.officials[where]["clerk"], version=part.version, scanner="ICP-1",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=10,
    )  # fmt: skip
    return fresh(part)


def form_to(name: str) -> Callable[[World, object], str]:
    return lambda world, target: f'action="{reverse(f"recounts:{name}", args=[target.pk])}"'


SAVE = lambda world, target: 'name="_save"'  # noqa: E731 (the admin's save button)

TABLE: dict[str, Row] = {
    "file": Row(
        build=lambda world, where: world.loser(where),
        page=lambda world, candidate: reverse("recounts:mine"),
        offer=lambda world, candidate: f'href="{reverse("recounts:file", args=[candidate.pk])}"',
        perform=lambda world, user, candidate: request_file(
            candidate=candidate, by=user, signature=Signature(name=candidate.name)
        ),
        allowed={"Fulton": CANDIDATE, "DeKalb": set()},
    ),
    "record": Row(
        build=lambda world, where: world.loser(where),
        page=lambda world, candidate: f"{reverse('recounts:record')}?contest={candidate.contest_id}",
        offer=lambda world, candidate: f'<option value="{candidate.pk}"',
        perform=lambda world, user, candidate: request_record_received(
            candidate=candidate,
            by=user,
            channel=RequestChannel.PAPER,
            received_at=NOW,
            signature=Signature(name=candidate.name),
            scan=scan(),
            now=NOW,
        ),
        allowed={"Fulton": OFFICE, "DeKalb": set()},
    ),
    "withdraw": Row(
        build=filed,
        page=request_page,
        offer=form_to("withdraw"),
        perform=lambda world, user, request: request_withdraw(
            request=request, by=user, signature=Signature(name=request.candidate.name), attested=True
        ),
        allowed={"Fulton": CANDIDATE, "DeKalb": set()},
    ),
    "link": Row(
        build=lambda world, where: world.loser(where),
        page=lambda world, candidate: reverse(
            "recounts:contest", args=[candidate.contest.election.slug, candidate.contest_id]
        ),
        offer=form_to("link"),
        perform=lambda world, user, candidate: candidate_link(
            candidate=candidate, by=user, link_for=lambda account: "/"
        ),
        allowed={"Fulton": {"superintendent"}, "DeKalb": set()},
    ),
    "order": Row(
        build=lambda world, where: filed(world, where).authorities.get(),
        page=lambda world, authority: request_page(world, authority.request),
        offer=lambda world, authority: (
            f'action="{reverse("recounts:order", args=[authority.request_id, authority.jurisdiction_id])}"'
        ),
        perform=lambda world, user, authority: recount_order(
            request=authority.request,
            county=authority.jurisdiction,
            by=user,
            count_place="Hall",
            count_starts_at=NOW + datetime.timedelta(hours=4),
        ),
        allowed={"Fulton": {"superintendent"}, "DeKalb": set()},
    ),
    "deny": Row(
        build=filed,
        page=request_page,
        offer=form_to("deny"),
        perform=lambda world, user, request: request_deny(request=request, by=user, reason=DenialReason.NOT_ELIGIBLE),
        allowed={"Fulton": {"superintendent"}, "DeKalb": set()},
    ),
    "direct": Row(
        build=lambda world, where: filed(world, "state"),
        page=request_page,
        offer=form_to("direct"),
        perform=lambda world, user, request: recount_direct(
            request=request,
            by=user,
            window_starts_at=NOW + datetime.timedelta(days=1),
            finish_by=NOW + datetime.timedelta(days=5),
        ),
        allowed={"state": {"secretary_of_state"}},
    ),
    "schedule": Row(
        build=directed_part,
        page=worksheet_page,
        offer=form_to("schedule"),
        perform=lambda world, user, part: county_count_schedule(
            county_recount=part, by=user, count_place="Civic Center", count_starts_at=part.request.window_starts_at
        ),
        allowed={"Fulton": {"superintendent"}, "DeKalb": set()},
    ),
    "test_scanner": Row(
        build=ordered,
        page=step_page("scanner_test"),
        offer=form_to("scanner_test"),
        perform=lambda world, user, part: scanner_test_record(
            county_recount=part,
            by=user,
            version=part.version,
            scanner="ICP-9",
            machine_marked=75,
            hand_marked=25,
            precincts=3,
            hand_count=100,
            machine_count=100,
        ),
        allowed={"Fulton": OFFICE, "DeKalb": set()},
    ),
    "correct_scanner_test": Row(
        build=scanner_tested,
        page=step_page("scanner_test"),
        offer=lambda world, part: (
            f'href="{reverse("recounts:scanner_test_change", args=[part.pk, part.scanner_tests.get().pk])}"'
        ),
        perform=lambda world, user, part: scanner_test_correct(
            scanner_test=part.scanner_tests.get(),
            by=user,
            version=part.version,
            reason="The machine count was mistyped",
            scanner="ICP-1",
            machine_marked=75,
            hand_marked=25,
            precincts=3,
            hand_count=100,
            machine_count=100,
        ),
        allowed={"Fulton": OFFICE, "DeKalb": set()},
    ),
    "enter_figures": Row(
        build=ordered,
        page=step_page("tallies"),
        offer=form_to("tallies"),
        perform=lambda world, user, part: worksheet_save(
            county_recount=part, by=user, version=part.version, entries={}
        ),
        allowed={"Fulton": OFFICE, "DeKalb": set()},
    ),
    "enter_late_ballots": Row(
        build=ordered,
        page=step_page("late_ballots"),
        offer=form_to("late_ballots"),
        perform=lambda world, user, part: late_ballots_enter(
            county_recount=part,
            by=user,
            version=part.version,
            late_ballots=[
                LateBallots(candidate=part.request.candidate, line=TallyLine.PROVISIONAL_ADJUDICATED, votes=1)
            ],
        ),
        allowed={"Fulton": OFFICE, "DeKalb": set()},
    ),
    "submit": Row(
        build=lambda world, where: counted(ordered(world, where), world.officials[where]["clerk"]),
        page=step_page("submit"),
        offer=form_to("submit"),
        perform=lambda world, user, part: worksheet_submit(county_recount=part, by=user, version=part.version),
        allowed={"Fulton": OFFICE, "DeKalb": set()},
    ),
    "sign_off": Row(
        build=lambda world, where: (
            counted_by_its_superintendent(world)
            if where in COUNTED_BY
            else submitted(ordered(world, where), world.officials[where]["clerk"])
        ),
        page=worksheet_page,
        offer=form_to("sign_off"),
        perform=lambda world, user, part: worksheet_sign_off(
            county_recount=part, by=user, version=part.version, attested=True
        ),
        # Never whoever entered and submitted the figures: the clerk, or the superintendent who counted.
        allowed={
            "Fulton": {"superintendent", "designee"},
            "DeKalb": set(),
            "Fulton, counted by its superintendent": {"designee"},
        },
    ),
    "reopen": Row(
        build=lambda world, where: signed(ordered(world, where), world.officials[where]),
        page=worksheet_page,
        offer=form_to("reopen"),
        perform=lambda world, user, part: worksheet_reopen(county_recount=part, by=user, reason="A box was found"),
        allowed={"Fulton": {"superintendent"}, "DeKalb": set()},
    ),
    "recertify": Row(
        build=lambda world, where: signed(ordered(world, where), world.officials[where]),
        page=worksheet_page,
        offer=form_to("recertify"),
        perform=lambda world, user, part: county_outcome_record(county_recount=part, by=user, version=part.version),
        allowed={"Fulton": {"superintendent"}, "DeKalb": set()},
    ),
    "finish": Row(
        build=lambda world, where: every_county_recorded(world),
        page=request_page,
        offer=form_to("finish"),
        perform=lambda world, user, request: case_finish(request=request, by=user),
        allowed={"state": {"secretary_of_state"}},
    ),
    "certify": Row(
        build=lambda world, where: Returns(
            world.races["state" if where == "statewide" else where].election,
            None if where == "statewide" else county(where),
        ),
        page=lambda world, returns: reverse("recounts:election", args=[returns.election.slug]),
        offer=lambda world, returns: (
            f'<option value="{returns.jurisdiction.pk if returns.jurisdiction else "statewide"}"'
        ),
        perform=lambda world, user, returns: returns_certify(
            returns=returns, by=user, certified_at=NOW - datetime.timedelta(hours=1)
        ),
        allowed={"Fulton": {"superintendent"}, "DeKalb": set(), "statewide": {"secretary_of_state"}},
    ),
    "manage_staff": Row(
        build=lambda world, where: another_clerk(world, where),
        page=lambda world, membership: reverse("admin:accounts_staffmembership_change", args=[membership.pk]),
        offer=SAVE,
        perform=lambda world, user, membership: membership_change(
            membership=StaffMembership(user=make_user(username="new-clerk"), jurisdiction=membership.jurisdiction),
            by=user,
            reason="New clerk",
            before=None,
        ),
        allowed={"Fulton": {"secretary_of_state", "administrator"}, "DeKalb": {"secretary_of_state", "administrator"}},
    ),
    "appoint_superintendent": Row(
        build=lambda world, where: another_clerk(world, where),
        page=lambda world, membership: reverse("admin:accounts_staffmembership_change", args=[membership.pk]),
        offer=lambda world, membership: '<option value="superintendent"',
        perform=lambda world, user, membership: membership_change(
            membership=_with_role(membership, StaffRole.SUPERINTENDENT),
            by=user,
            reason="Appointed",
            before=StaffRole.CLERK,
        ),
        allowed={"Fulton": {"administrator"}, "DeKalb": {"administrator"}},
    ),
    "name_designee": Row(
        build=lambda world, where: another_clerk(world, where),
        page=lambda world, membership: reverse("recounts:office"),
        offer=form_to("designee"),
        perform=lambda world, user, membership: membership_change(
            membership=_with_role(membership, StaffRole.DESIGNEE), by=user, reason="Named", before=StaffRole.CLERK
        ),
        allowed={"Fulton": {"superintendent"}, "DeKalb": set()},
    ),
    "manage_rules": Row(
        build=lambda world, where: None,
        page=lambda world, target: reverse("admin:recounts_recountrule_changelist"),
        offer=lambda world, target: f'href="{reverse("admin:recounts_recountrule_add")}"',
        perform=lambda world, user, target: (
            registered(RecountRule).has_add_permission(admin_request(user)) or _refused("manage_rules", user, target)
        ),
        allowed={"-": {"secretary_of_state", "administrator"}},
    ),
    "office_pages": Row(
        build=lambda world, where: None,
        page=lambda world, target: reverse("recounts:notices"),
        offer=lambda world, target: f'href="{reverse("recounts:inbox")}"',
        perform=lambda world, user, target: _page(user, reverse("recounts:inbox"), "office_pages"),
        allowed={"-": OFFICE | {"other_county", "secretary_of_state"}},
    ),
    "office_page": Row(
        build=lambda world, where: None,
        page=lambda world, target: reverse("recounts:notices"),
        offer=lambda world, target: f'href="{reverse("recounts:office")}"',
        perform=lambda world, user, target: _page(user, reverse("recounts:office"), "office_page"),
        allowed={"-": OFFICE | {"other_county"}},
    ),
    "statewide_pages": Row(
        build=lambda world, where: None,
        page=lambda world, target: reverse("recounts:notices"),
        offer=lambda world, target: f'href="{reverse("recounts:dashboard")}"',
        perform=lambda world, user, target: _page(user, reverse("recounts:dashboard"), "statewide_pages"),
        allowed={"-": {"secretary_of_state"}},
    ),
    "returns_import": Row(
        build=lambda world, where: None,
        page=lambda world, target: reverse("recounts:notices"),
        offer=lambda world, target: f'href="{reverse("recounts:returns_import")}"',
        perform=lambda world, user, target: import_job_start(
            upload=upload_check(SimpleUploadedFile("returns.csv", b"county,office,candidate,votes\n")),
            details=ElectionDetails(name="2017 Runoff", date=datetime.date(2017, 12, 5), kind="runoff"),
            replace=False,
            by=user,
        ),
        allowed={"-": {"secretary_of_state", "administrator"}},
    ),
    "change_candidate": Row(
        build=lambda world, where: world.winner(where),
        page=lambda world, candidate: reverse("admin:elections_candidate_change", args=[candidate.pk]),
        offer=SAVE,
        perform=lambda world, user, candidate: (
            registered(Candidate).has_change_permission(admin_request(user), candidate)
            or _refused("change_candidate", user, candidate)
        ),
        allowed={"Fulton": {"secretary_of_state", "administrator"}, "DeKalb": {"secretary_of_state", "administrator"}},
    ),
    "reset_two_factor": Row(
        build=lambda world, where: another_clerk(world, where).user,
        page=lambda world, account: reverse("admin:auth_user_changelist"),
        offer=lambda world, account: 'value="reset_two_factor"',
        perform=lambda world, user, account: (
            registered(get_user_model()).has_reset_two_factor_permission(admin_request(user))
            or _refused("reset_two_factor", user, account)
        ),
        allowed={"Fulton": {"administrator"}, "DeKalb": {"administrator"}},
    ),
    "change_account": Row(
        build=account_to_keep,
        page=lambda world, account: reverse("admin:auth_user_change", args=[account.pk]),
        offer=SAVE,
        perform=lambda world, user, account: (
            registered(get_user_model()).has_change_permission(admin_request(user), account)
            or _refused("change_account", user, account)
        ),
        allowed={"a new account": {"secretary_of_state", "administrator"}, "a clerk's": {"administrator"}},
    ),
    "set_sign_in": Row(
        build=account_to_keep,  # has never signed in
        page=lambda world, account: reverse("admin:auth_user_change", args=[account.pk]),
        offer=lambda world, account: 'name="email"',
        perform=lambda world, user, account: _page(
            user, reverse("admin:auth_user_password_change", args=[account.pk]), "set_sign_in", account
        ),
        allowed={"a new account": {"secretary_of_state", "administrator"}, "a clerk's": {"administrator"}},
    ),
    "grant_privileges": Row(
        build=lambda world, where: another_clerk(world, where).user,
        page=lambda world, account: reverse("admin:auth_user_change", args=[account.pk]),
        offer=lambda world, account: 'name="is_superuser"',
        perform=lambda world, user, account: (
            ("is_superuser" not in registered(get_user_model()).get_readonly_fields(admin_request(user), account))
            or _refused("grant_privileges", user, account)
        ),
        allowed={"Fulton": {"administrator"}, "DeKalb": {"administrator"}},
    ),
}


def _with_role(membership: StaffMembership, role: StaffRole) -> StaffMembership:
    """A copy of the membership in another role (the row in the table stays as it was)."""
    changed = StaffMembership.objects.select_related("jurisdiction", "user").get(pk=membership.pk)
    changed.role = role
    return changed


class Refused(Exception):
    """The admin or a page refused, as the rule says (its reason is the rule's)."""


def _refused(action: str, user, target) -> None:
    raise Refused(permissions.decide(user, action, target).reason)


def _page(user, url: str, action: str, target=None) -> bool:
    client = Client()
    if user.is_authenticated:
        client.force_login(user)
    if client.get(url).status_code != 200:
        _refused(action, user, target)
    return True


# -- The tests -------------------------------------------------------------------------------------


def test_every_action_has_a_row():
    assert sorted(TABLE) == sorted(permissions.ACTIONS)


def clients(world: World) -> dict[str, Client]:
    signed_in = {"anonymous": Client()}
    for role in ROLES[1:]:
        signed_in[role] = Client()
        signed_in[role].force_login(world.users[role])
    return signed_in


@pytest.mark.parametrize("action", sorted(TABLE))
def test_offered_if_and_only_if_allowed_and_the_service_agrees(world, action):
    row = TABLE[action]
    browsers = clients(world)
    wrong = []
    for where, allowed in row.allowed.items():
        assert allowed <= set(ROLES), allowed - set(ROLES)
        target = row.build(world, where)
        for role in ROLES:
            user = world.users[role]
            expected = role in allowed
            decision = permissions.decide(user, action, target)
            offered = row.offer(world, target) in browsers[role].get(row.page(world, target)).content.decode()
            with transaction.atomic():
                try:
                    row.perform(world, user, target)
                except (RecountError, Refused) as refusal:
                    done, message = False, str(refusal)
                else:
                    done, message = True, ""
                transaction.set_rollback(True)
            if bool(decision) != expected:
                wrong.append(f"{action} on {where} by {role}: the rule says {bool(decision)} ({decision.reason})")
            if offered != expected:
                wrong.append(f"{action} on {where} by {role}: the page {'offers' if offered else 'does not offer'} it")
            if done != expected:
                wrong.append(
                    f"{action} on {where} by {role}: the service {'did it' if done else f'refused: {message}'}"
                )
            elif not done and message != decision.reason:
                wrong.append(
                    f"{action} on {where} by {role}: the service said {message!r}, the rule {decision.reason!r}"
                )
    assert wrong == []
