"""Who may do what to which object: every action of the recount desk, as one named rule.

A rule is a list of requirements, in the order a person would check them; each is a `rules`
predicate over `(user, object)` and the sentence that says why not when it fails. `decide(user,
action, object)` answers "allowed", or the first reason why not. The services enforce the rules
(`recounts.services.cases.require` raises `RecountError` with the reason); the pages and the admin
only offer what a rule allows and show its reason where a person would otherwise wonder. Nothing
else decides a permission.

The duties are kept apart as election offices keep them (README, "Who may do what"): county staff
enter figures; the superintendent, or a designee the superintendent named, signs off, never the
person who entered or submitted the figures; each county's superintendent orders, reopens and
recertifies their own county's part; the Secretary of State's staff direct and finish what goes to
the Secretary of State; an administrator appoints superintendents and keeps the system, and holds no
election official's duty by being an administrator.

Each rule is also registered with the `rules` package as `desk.<action>` (`rules.has_perm("desk.reset_two_factor",
user, account)`), so that the accounts app, below this one, asks a rule by its name. They are not
installed as a Django permission backend: Django gives a superuser every permission, and here an
administrator must not sign off a county's count.
"""

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce

import rules
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.db.models import Q

from accounts import roles
from accounts.enums import StaffRole
from accounts.models import StaffMembership
from elections.enums import CertificationScope, DeclaredStatus
from elections.models import Candidate, Contest, Election, Jurisdiction
from elections.services import certification_scope
from recounts.enums import AuthorityKind, CountyRecountStatus, RequestStatus, Route, TallyLine
from recounts.models import CountyRecount, RecountRequest, RecountTally, RequestAuthority, ScannerTest
from recounts.queries import contest_route, contest_standing, receiving_jurisdictions

type Refusal = str | Callable[[roles.User, object], str]


#: Requirements about the object and its state, not about who asks (`state`): when one of these fails,
#: the person may do this kind of thing, but not to this object now; the pages say why instead of
#: refusing outright.
_STATE: set[rules.Predicate] = set()


def state(predicate: rules.Predicate) -> rules.Predicate:
    _STATE.add(predicate)
    return predicate


@dataclass(frozen=True)
class Requirement:
    holds: rules.Predicate
    refusal: Refusal

    def reason(self, user: roles.User, target: object) -> str:
        return self.refusal(user, target) if callable(self.refusal) else self.refusal


@dataclass(frozen=True)
class Decision:
    """Allowed, or not with the reason why (falsy when not allowed). `forbidden`: refused because of
    who asks (as opposed to the object's state: a step not possible now)."""

    allowed: bool
    reason: str = ""
    forbidden: bool = False

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class Action:
    name: str
    label: str  # what the action is, in the words of the office
    requirements: tuple[Requirement, ...]

    def decide(self, user: roles.User, target: object) -> Decision:
        for requirement in self.requirements:
            if not requirement.holds.test(user, target):
                return Decision(False, requirement.reason(user, target), forbidden=requirement.holds not in _STATE)
        return Decision(True)


#: Every rule, by name; each also in `rules`' shared set as `desk.<name>`.
ACTIONS: dict[str, Action] = {}


def action(name: str, label: str, *requirements: tuple[rules.Predicate, Refusal]) -> None:
    listed = tuple(Requirement(holds, refusal) for holds, refusal in requirements)
    ACTIONS[name] = Action(name=name, label=label, requirements=listed)
    rules.add_perm(f"desk.{name}", reduce(operator.and_, (requirement.holds for requirement in listed)))


def decide(user: roles.User, name: str, target: object) -> Decision:
    """Whether `user` may do the action `name` to `target`, and if not, why."""
    return ACTIONS[name].decide(user, target)


@dataclass(frozen=True)
class Returns:
    """An election's returns in a county or a city, or statewide (`jurisdiction` None): what a
    certification covers."""

    election: Election
    jurisdiction: Jurisdiction | None  # None: statewide

    @property
    def scope(self) -> CertificationScope:
        return certification_scope(self.jurisdiction)


# -- Who the user is -------------------------------------------------------------------------------


@rules.predicate
def signed_in(user: roles.User, target: object) -> bool:
    return user.is_authenticated and user.is_active


@rules.predicate
def administrator(user: roles.User, target: object) -> bool:
    return roles.is_administrator(user)


@rules.predicate
def secretary_of_state_staff(user: roles.User, target: object) -> bool:
    return roles.is_secretary_of_state(user)


def _county_of(target: object) -> int | None:
    """The county (or city) an object belongs to, for the rules of a county's own work."""
    if isinstance(target, CountyRecount | StaffMembership):
        return target.county_id if isinstance(target, CountyRecount) else target.jurisdiction_id
    if isinstance(target, RequestAuthority):
        return target.jurisdiction_id
    if isinstance(target, Jurisdiction):
        return target.pk
    return None


@rules.predicate
def county_staff(user: roles.User, target: object) -> bool:
    """Works in the superintendent's office of the object's county, in any role."""
    return _county_of(target) in roles.staff_jurisdiction_ids(user)


@rules.predicate
def county_superintendent(user: roles.User, target: object) -> bool:
    county = _county_of(target)
    return county is not None and roles.is_superintendent_of(user, county)


@rules.predicate
def signs_off_for_county(user: roles.User, target: object) -> bool:
    county = _county_of(target)
    return county is not None and roles.signs_off_for(user, county)


def _candidate(target: object) -> Candidate:
    return target.candidate if isinstance(target, RecountRequest) else target


@rules.predicate
def candidate_account(user: roles.User, target: object) -> bool:
    return roles.is_candidate_account(user, _candidate(target))


# -- The contest and where its requests go ---------------------------------------------------------


def _receiving_ids(contest: Contest) -> frozenset[int]:
    return frozenset(place.pk for place in receiving_jurisdictions(contest))


def _contest(target: object) -> Contest:
    return target.contest


@rules.predicate
def receives_the_contest(user: roles.User, target: object) -> bool:
    """Staff, in any role, of an authority the contest's requests go to."""
    contest = _contest(target)
    if contest_route(contest) == Route.SECRETARY_OF_STATE:
        return roles.is_secretary_of_state(user)
    return bool(_receiving_ids(contest) & roles.staff_jurisdiction_ids(user))


@rules.predicate
def links_the_contest(user: roles.User, target: object) -> bool:
    """The receiving authority itself: the Secretary of State's staff on its route, otherwise a
    superintendent the contest's requests go to (not their staff)."""
    contest = _contest(target)
    if contest_route(contest) == Route.SECRETARY_OF_STATE:
        return roles.is_secretary_of_state(user)
    return bool(_receiving_ids(contest) & roles.superintendent_jurisdiction_ids(user))


@rules.predicate
def decides_the_case(user: roles.User, request: RecountRequest) -> bool:
    """The Secretary of State's staff on its route; otherwise a superintendent it is addressed to."""
    if request.route == Route.SECRETARY_OF_STATE:
        return roles.is_secretary_of_state(user)
    addressed = {authority.jurisdiction_id for authority in request.authorities.all() if authority.jurisdiction_id}
    return bool(addressed & roles.superintendent_jurisdiction_ids(user))


# -- Candidates and their requests -----------------------------------------------------------------


@state
@rules.predicate
def a_real_candidate(user: roles.User, target: object) -> bool:
    return not _candidate(target).write_in_aggregate


@state
@rules.predicate
def not_a_question(user: roles.User, target: object) -> bool:
    return not _candidate(target).contest.is_question


@state
@rules.predicate
def not_declared(user: roles.User, candidate: Candidate) -> bool:
    return candidate.declared_status == DeclaredStatus.NONE


def _requests_of(candidate: Candidate) -> list[RecountRequest]:
    """The candidate's requests (read once per candidate object)."""
    cached = getattr(candidate, "_recount_requests", None)
    if cached is None:
        cached = candidate._recount_requests = list(candidate.recount_requests.order_by("-filed_at", "-pk"))
    return cached


@state
@rules.predicate
def no_open_request(user: roles.User, candidate: Candidate) -> bool:
    return not any(request.is_open for request in _requests_of(candidate))


def _open_request_refusal(user: roles.User, candidate: Candidate) -> str:
    (request, *_) = [request for request in _requests_of(candidate) if request.is_open]
    return f"{candidate} already has an open request in this contest: receipt {request.receipt_number}."


FINISHED = frozenset({RequestStatus.CONFIRMED, RequestStatus.RECERTIFIED})


@state
@rules.predicate
def not_recounted(user: roles.User, candidate: Candidate) -> bool:
    return not any(request.status in FINISHED for request in _requests_of(candidate))


def _recounted_refusal(user: roles.User, candidate: Candidate) -> str:
    (request, *_) = [request for request in _requests_of(candidate) if request.status in FINISHED]
    return (
        f"The recount {candidate} asked for is done (receipt {request.receipt_number}, "
        f"{request.get_status_display().lower()}): the statute gives one recount of the certified returns."
    )


@state
@rules.predicate
def window_opened(user: roles.User, candidate: Candidate) -> bool:
    """A rule is in force and the contest's returns are certified: the filing window has opened (a
    request made after it closed is still recorded, flagged late)."""
    standing = getattr(candidate, "_recount_standing", None) or contest_standing(candidate.contest)
    candidate._recount_standing = standing
    return standing.rule is not None and standing.certified_at is not None


def _window_refusal(user: roles.User, candidate: Candidate) -> str:
    standing = candidate._recount_standing
    if standing.rule is None:
        return f"No recount rule covers this election: {standing.rule_problem}"
    return (
        "The returns for this contest are not certified yet, so the time to ask has not begun; a request can be "
        "made once they are."
    )


def _status_is(*statuses: RequestStatus) -> rules.Predicate:
    @rules.predicate
    def case_status(user: roles.User, request: RecountRequest) -> bool:
        return request.status in statuses

    return state(case_status)


def _status_refusal(what: str) -> Refusal:
    def refusal(user: roles.User, request: RecountRequest) -> str:
        return f"The case is {request.get_status_display().lower()}; {what}."

    return refusal


@state
@rules.predicate
def superintendent_route(user: roles.User, target: object) -> bool:
    request = target.request if isinstance(target, RequestAuthority | CountyRecount) else target
    return request.route == Route.SUPERINTENDENT


@state
@rules.predicate
def secretary_of_state_route(user: roles.User, target: object) -> bool:
    request = target.request if isinstance(target, RequestAuthority | CountyRecount) else target
    return request.route == Route.SECRETARY_OF_STATE


# -- The order ------------------------------------------------------------------------------------


@state
@rules.predicate
def addressed_to_a_superintendent(user: roles.User, authority: RequestAuthority) -> bool:
    return authority.kind == AuthorityKind.SUPERINTENDENT


@state
@rules.predicate
def case_open_to_an_order(user: roles.User, authority: RequestAuthority) -> bool:
    return authority.request.status in {RequestStatus.FILED, RequestStatus.ORDERED, RequestStatus.COUNTING}


@state
@rules.predicate
def not_yet_ordered(user: roles.User, authority: RequestAuthority) -> bool:
    return authority.jurisdiction_id not in {part.county_id for part in authority.request.county_recounts.all()}


@state
@rules.predicate
def counted_on_worksheets(user: roles.User, authority: RequestAuthority) -> bool:
    return authority.request.contest.superintendent_jurisdiction_id is None


# -- The county worksheet -------------------------------------------------------------------------

WORKSHEET_OPEN = frozenset(
    {CountyRecountStatus.ORDERED, CountyRecountStatus.SCANNER_TESTING, CountyRecountStatus.COUNTING}
)
CASE_COUNTING = frozenset({RequestStatus.ORDERED, RequestStatus.COUNTING})


@state
@rules.predicate
def worksheet_open(user: roles.User, county_recount: CountyRecount) -> bool:
    return county_recount.status in WORKSHEET_OPEN and county_recount.request.status in CASE_COUNTING


def _worksheet_closed_refusal(user: roles.User, county_recount: CountyRecount) -> str:
    if county_recount.request.status not in CASE_COUNTING:
        return f"The case is {county_recount.request.get_status_display().lower()}; its worksheets are closed."
    return (
        f"{county_recount.county}'s worksheet is {county_recount.get_status_display().lower()}; only the "
        "superintendent can reopen it."
    )


@state
@rules.predicate
def count_noticed(user: roles.User, county_recount: CountyRecount) -> bool:
    """The written notice of the count's place and time goes out before counting (§ 21-2-495(c))."""
    return bool(county_recount.count_place) and county_recount.count_starts_at is not None


@state
@rules.predicate
def count_not_begun(user: roles.User, county_recount: CountyRecount) -> bool:
    return county_recount.status in {CountyRecountStatus.ORDERED, CountyRecountStatus.SCANNER_TESTING} and (
        county_recount.request.status in CASE_COUNTING
    )


@state
@rules.predicate
def tallies_not_saved(user: roles.User, county_recount: CountyRecount) -> bool:
    """No figure is saved on the worksheet yet (it is still ordered or testing scanners): until then a
    scanner test's figures may be corrected."""
    return county_recount.status in {CountyRecountStatus.ORDERED, CountyRecountStatus.SCANNER_TESTING}


@state
@rules.predicate
def submitted(user: roles.User, county_recount: CountyRecount) -> bool:
    return county_recount.status == CountyRecountStatus.SUBMITTED


def worksheet_entrants(county_recount: CountyRecount) -> frozenset[int]:
    """Every account that entered or submitted figures on the worksheet, ever (three queries, kept on
    the object): recounted figures (drafts too), late ballots, scanner test decks, tabulator tapes,
    submissions.
    The certified figures written when the recount was ordered are not an entry."""
    cached = getattr(county_recount, "_recount_entrants", None)
    if cached is not None:
        return cached
    entered = set(
        RecountTally.history.filter(county_recount_id=county_recount.pk)
        .exclude(history_type="+", line=TallyLine.RETURNS)
        .values_list("history_user_id", flat=True)
    )
    entered |= set(
        ScannerTest.history.filter(county_recount_id=county_recount.pk).values_list("history_user_id", flat=True)
    )
    typed_before: tuple[dict, dict] = ({}, {})
    for by, tapes, draft, submitter in (
        CountyRecount.history.filter(id=county_recount.pk)
        .order_by("history_id")
        .values_list("history_user_id", "tabulator_tapes", "tally_draft", "submitted_by_id")
    ):
        if (tapes, draft) != typed_before:
            entered.add(by)
        typed_before = (tapes, draft)
        entered.add(submitter)
    county_recount._recount_entrants = frozenset(entered - {None})
    return county_recount._recount_entrants


@rules.predicate
def did_not_enter_the_figures(user: roles.User, county_recount: CountyRecount) -> bool:
    return user.pk not in worksheet_entrants(county_recount)


@rules.predicate
def has_a_name_on_record(user: roles.User, target: object) -> bool:
    return bool(user.get_full_name().strip())


@state
@rules.predicate
def reopenable(user: roles.User, county_recount: CountyRecount) -> bool:
    return county_recount.status in {CountyRecountStatus.SUBMITTED, CountyRecountStatus.APPROVED} and (
        county_recount.request.status in {RequestStatus.COUNTING, RequestStatus.COUNTED}
    )


def _reopen_refusal(user: roles.User, county_recount: CountyRecount) -> str:
    if county_recount.status in {CountyRecountStatus.CONFIRMED, CountyRecountStatus.RECERTIFIED}:
        return f"{county_recount.county}'s outcome is recorded ({county_recount.get_status_display().lower()})."
    if county_recount.status not in {CountyRecountStatus.SUBMITTED, CountyRecountStatus.APPROVED}:
        return f"{county_recount.county}'s worksheet is {county_recount.get_status_display().lower()}: it is open."
    return f"The case is {county_recount.request.get_status_display().lower()}; its worksheets are closed."


# -- The end --------------------------------------------------------------------------------------

OUTCOME_RECORDED = frozenset({CountyRecountStatus.CONFIRMED, CountyRecountStatus.RECERTIFIED})


@state
@rules.predicate
def case_counted(user: roles.User, target: object) -> bool:
    request = target.request if isinstance(target, CountyRecount) else target
    return request.status == RequestStatus.COUNTED


@state
@rules.predicate
def outcome_not_recorded(user: roles.User, county_recount: CountyRecount) -> bool:
    return county_recount.status == CountyRecountStatus.APPROVED


@state
@rules.predicate
def every_county_recorded(user: roles.User, request: RecountRequest) -> bool:
    return all(part.status in OUTCOME_RECORDED for part in request.county_recounts.all())


def _counties_waiting(user: roles.User, request: RecountRequest) -> str:
    waiting = sorted(str(part.county) for part in request.county_recounts.all() if part.status not in OUTCOME_RECORDED)
    return (
        f"Each county records its own outcome first; still waiting for {', '.join(waiting)}."
        if waiting
        else "Each county records its own outcome first."
    )


# -- Certifications and staff ---------------------------------------------------------------------


@rules.predicate
def certifies_the_scope(user: roles.User, scope: Returns) -> bool:
    if scope.jurisdiction is None:
        return roles.is_secretary_of_state(user)
    return roles.is_superintendent_of(user, scope.jurisdiction.pk)


def _certify_refusal(user: roles.User, scope: Returns) -> str:
    if scope.jurisdiction is None:
        return "Only the Secretary of State's staff certify the statewide returns."
    return f"Only the superintendent of {scope.jurisdiction} certifies its returns."


@rules.predicate
def office_staff(user: roles.User, target: object) -> bool:
    return roles.is_staff_of_an_authority(user)


@rules.predicate
def works_in_an_office(user: roles.User, target: object) -> bool:
    return bool(roles.staff_jurisdiction_ids(user))


@rules.predicate
def holds_no_more(user: roles.User, account: AbstractBaseUser) -> bool:
    """The account is no administrator and holds no permission the user lacks (active or not:
    reactivating it is a change too)."""
    if account.is_superuser:
        return False
    held = Permission.objects.filter(Q(user=account) | Q(group__user=account)).values_list(
        "content_type__app_label", "codename"
    )
    return {f"{app}.{codename}" for app, codename in held} <= user.get_all_permissions()


@rules.predicate
def never_signed_in(user: roles.User, account: AbstractBaseUser) -> bool:
    return account.last_login is None


@rules.predicate
def no_office_or_candidacy(user: roles.User, account: AbstractBaseUser) -> bool:
    """The account works in no office and is linked to no candidate: its name, address and password are
    not what a sign-off, an appointment or a candidate's link rests on."""
    return not account.memberships.exists() and not account.candidacies.exists()


@rules.predicate
def another_members_role(user: roles.User, membership: StaffMembership) -> bool:
    return membership.user_id != user.pk and membership.role != StaffRole.SUPERINTENDENT


# -- The rules ------------------------------------------------------------------------------------

SIGN_IN = (signed_in, "Sign in first.")
NOT_WRITE_INS = (
    a_real_candidate,
    lambda user, target: f"“{_candidate(target)}” sums write-in votes for many people; it is not a candidate.",
)
NOT_QUESTIONS = (
    not_a_question,
    lambda user, target: (
        f"{_candidate(target).contest} is a ballot question: § 21-2-495(c) gives a recount to candidates, "
        "not to a question's choices."
    ),
)

action(
    "file",
    "File a written request online",
    SIGN_IN,
    (
        candidate_account,
        lambda user, candidate: f"Only an account linked to {candidate} can file their request online.",
    ),
    NOT_WRITE_INS,
    NOT_QUESTIONS,
    (
        not_declared,
        lambda user, candidate: (
            f"{candidate} was declared ({candidate.get_declared_status_display().lower()}): only a candidate not "
            "declared may ask for a recount."
        ),
    ),
    (no_open_request, _open_request_refusal),
    (not_recounted, _recounted_refusal),
    (window_opened, _window_refusal),
)
action(
    "record",
    "Record a request received on paper or by email",
    SIGN_IN,
    (receives_the_contest, "Only staff of the authority the request is addressed to can record it."),
    NOT_WRITE_INS,
    NOT_QUESTIONS,
    (no_open_request, _open_request_refusal),
    (not_recounted, _recounted_refusal),
    (window_opened, _window_refusal),
)
action(
    "withdraw",
    "Withdraw the request",
    SIGN_IN,
    (candidate_account, "Only the candidate's accounts can withdraw the request."),
    (_status_is(RequestStatus.FILED), _status_refusal("it can be withdrawn only until the recount is ordered")),
)
action(
    "link",
    "Link an account to the candidate",
    SIGN_IN,
    (
        links_the_contest,
        "Only the authority this contest's requests go to (its superintendent, or the Secretary of State's staff "
        "on the Secretary of State's route) can link an account to a candidate.",
    ),
    NOT_WRITE_INS,
    NOT_QUESTIONS,
)
action(
    "order",
    "Order the recount in the county",
    SIGN_IN,
    (
        addressed_to_a_superintendent,
        "On the Secretary of State's route the recount is directed by the Secretary of State.",
    ),
    (
        county_superintendent,
        lambda user, authority: f"Only the superintendent of {authority.jurisdiction} can order the recount there.",
    ),
    (
        case_open_to_an_order,
        lambda user, authority: (
            f"The case is {authority.request.get_status_display().lower()}; a recount cannot be ordered now."
        ),
    ),
    (not_yet_ordered, lambda user, authority: f"The recount in {authority.jurisdiction} is already ordered."),
    (
        counted_on_worksheets,
        lambda user, authority: (
            f"{authority.jurisdiction} runs its own election, counted in its counties: its recount cannot be run on a "
            "worksheet here yet. Order it in writing and record the outcome with a new certification."
        ),
    ),
)
action(
    "direct",
    "Direct the recount in every county",
    SIGN_IN,
    (secretary_of_state_staff, "Only the Secretary of State's staff can direct the recount."),
    (secretary_of_state_route, "On the superintendent's route each superintendent orders the recount."),
    (_status_is(RequestStatus.FILED), _status_refusal("it cannot be directed now")),
)
action(
    "deny",
    "Deny the request",
    SIGN_IN,
    (
        decides_the_case,
        "Only the authority the request is addressed to (its superintendent, or the Secretary of State's staff on "
        "its route) can decide it.",
    ),
    (_status_is(RequestStatus.FILED), _status_refusal("it can be denied only before the recount is ordered")),
)
action(
    "schedule",
    "Set (or change) the place and time of the county's count",
    SIGN_IN,
    (
        county_superintendent,
        lambda user, part: f"Only the superintendent of {part.county} sets the place and time of its count.",
    ),
    (
        count_not_begun,
        lambda user, part: (
            f"{part.county}'s count has begun ({part.get_status_display().lower()}); its place and time can no "
            "longer change."
        ),
    ),
)
WORKSHEET_STAFF = (
    county_staff,
    lambda user, part: f"Only the staff of {part.county}'s superintendent can work on its recount.",
)
NOTICED = (
    count_noticed,
    lambda user, part: (
        f"Set the place and time of {part.county}'s count first: the candidates and the parties are told them in "
        "writing before the count."
    ),
)
for name, label in [
    ("test_scanner", "Record a scanner's test deck"),
    ("enter_figures", "Enter the recounted figures and the tabulator tapes"),
    ("enter_late_ballots", "Enter late ballots"),
    ("submit", "Submit the worksheet for sign-off"),
]:
    action(name, label, SIGN_IN, WORKSHEET_STAFF, (worksheet_open, _worksheet_closed_refusal), NOTICED)
action(
    "correct_scanner_test",
    "Correct a scanner's test deck, until the tallies are saved",
    SIGN_IN,
    WORKSHEET_STAFF,
    (worksheet_open, _worksheet_closed_refusal),
    NOTICED,
    (
        tallies_not_saved,
        lambda user, part: (
            f"{part.county}'s tallies are saved: its scanner tests can no longer be corrected, as the "
            "figures were counted after them."
        ),
    ),
)
action(
    "sign_off",
    "Sign off the worksheet",
    SIGN_IN,
    (
        signs_off_for_county,
        lambda user, part: (
            f"Only the superintendent of {part.county}, or a designee the superintendent named, signs off."
        ),
    ),
    (submitted, lambda user, part: f"{part.county}'s worksheet is {part.get_status_display().lower()}, not submitted."),
    (
        did_not_enter_the_figures,
        "You entered or submitted figures on this worksheet: someone who did not must sign it off.",
    ),
    (has_a_name_on_record, "Your account has no name on record to sign with; ask an administrator to add it."),
)
action(
    "reopen",
    "Reopen the worksheet",
    SIGN_IN,
    (county_superintendent, lambda user, part: f"Only the superintendent of {part.county} can reopen its worksheet."),
    (reopenable, _reopen_refusal),
)
action(
    "recertify",
    "Record the county's outcome: confirm, or correct and recertify its returns",
    SIGN_IN,
    (
        county_superintendent,
        lambda user, part: f"Only the superintendent of {part.county} certifies its returns after the recount.",
    ),
    (
        case_counted,
        lambda user, part: f"The case is {part.request.get_status_display().lower()}; every county signs off first.",
    ),
    (
        outcome_not_recorded,
        lambda user, part: f"{part.county}'s outcome is recorded ({part.get_status_display().lower()}).",
    ),
)
action(
    "finish",
    "Recertify the statewide returns and close the case",
    SIGN_IN,
    (secretary_of_state_staff, "Only the Secretary of State's staff recertify the statewide returns."),
    (
        secretary_of_state_route,
        "On the superintendent's route the case closes when each county has recorded its own outcome.",
    ),
    (case_counted, _status_refusal("it is finished once every county is signed off")),
    (every_county_recorded, _counties_waiting),
)
action(
    "certify",
    "Certify the returns",
    SIGN_IN,
    (certifies_the_scope, _certify_refusal),
)
action(
    "manage_staff",
    "Add or remove a county's staff",
    SIGN_IN,
    (secretary_of_state_staff | administrator, "Only the Secretary of State's staff or an administrator manage staff."),
)
action(
    "appoint_superintendent",
    "Appoint the superintendent",
    SIGN_IN,
    (administrator, "Only an administrator appoints a superintendent."),
)
action(
    "name_designee",
    "Name or unname a designee",
    SIGN_IN,
    (
        county_superintendent,
        lambda user, membership: f"Only the superintendent of {membership.jurisdiction} names designees.",
    ),
    (another_members_role, "A superintendent names others, not themself."),
)
action(
    "manage_rules",
    "Keep the recount rules and the closed days",
    SIGN_IN,
    (
        secretary_of_state_staff | administrator,
        "Only the Secretary of State's staff or an administrator keep the rules.",
    ),
)
action(
    "office_pages",
    "Open the pages of an office that receives requests (inbox, cases, elections, recording a request)",
    SIGN_IN,
    (office_staff, "These pages are for the staff of an authority that receives requests."),
)
action(
    "office_page",
    "Open the page of one's own office (who works there, designees)",
    SIGN_IN,
    (works_in_an_office, "This page is for the staff of a county's (or a city's) superintendent."),
)
action(
    "statewide_pages",
    "Open the statewide dashboard",
    SIGN_IN,
    (secretary_of_state_staff, "The dashboard is for the Secretary of State's staff."),
)
action(
    "returns_import",
    "Import returns (upload the files, read the preview, confirm the import)",
    SIGN_IN,
    (
        secretary_of_state_staff | administrator,
        "Only the Secretary of State's staff or an administrator import returns.",
    ),
)
action(
    "change_candidate",
    "Correct a candidate's record: name, party, declared status, address of record",
    SIGN_IN,
    (
        secretary_of_state_staff | administrator,
        "Only the Secretary of State's staff or an administrator correct a candidate's record.",
    ),
)
action(
    "reset_two_factor",
    "Reset an account's two-factor sign-in",
    SIGN_IN,
    (administrator, "Only an administrator resets two-factor sign-in."),
)
action(
    "change_account",
    "Change an account (name, active, staff status)",
    SIGN_IN,
    (
        secretary_of_state_staff | administrator,
        "Only the Secretary of State's staff or an administrator keep accounts.",
    ),
    (
        holds_no_more | administrator,
        "This account holds a permission you do not (or is an administrator's): only an administrator changes it.",
    ),
    (
        no_office_or_candidacy | administrator,
        "This account works in an office or is linked to a candidate: only an administrator changes it.",
    ),
)
action(
    "set_sign_in",
    "Set an account's email address or password",
    SIGN_IN,
    (
        secretary_of_state_staff | administrator,
        "Only the Secretary of State's staff or an administrator keep accounts.",
    ),
    (
        never_signed_in | administrator,
        "This account has signed in: its holder changes the password, and only an administrator resets it.",
    ),
    (
        no_office_or_candidacy | administrator,
        "This account works in an office or is linked to a candidate: only an administrator sets its address or "
        "password.",
    ),
)
action(
    "grant_privileges",
    "Make an administrator, or grant groups and permissions",
    SIGN_IN,
    (administrator, "Only an administrator grants administrator status, groups and permissions."),
)
