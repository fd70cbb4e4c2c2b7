"""Where a contest stands under the recount statute, read in a fixed number of queries.

`election_standings` and `contest_standing` gather the returns, certifications, rule and closed
days from the database and hand them to `recounts.rules` and `recounts.calendar`.
"""

import datetime
import math
from collections.abc import Callable, Collection
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from accounts import roles
from elections.enums import CertificationScope, VoteType
from elections.models import Candidate, Certification, Contest, Election, Jurisdiction
from recounts import history_words, rules
from recounts.calendar import BusinessCalendar, ClosedDayOverride, filing_deadline
from recounts.enums import OPEN_STATUSES, AuthorityKind, CountyRecountStatus, RequestStatus, Route, TallyLine
from recounts.models import (
    ClosedDay,
    CountyRecount,
    ImportJob,
    Notice,
    PartyChair,
    RecountRequest,
    RecountRule,
    RecountTally,
    RequestAuthority,
)


@dataclass(frozen=True, slots=True)
class CandidateStanding:
    candidate: Candidate
    votes: int
    eligibility: rules.Eligibility
    against: Candidate | None  # the closest declared candidate

    @property
    def eligible(self) -> bool:
        return self.eligibility.eligible


@dataclass(frozen=True, slots=True)
class ContestStanding:
    contest: Contest
    counties: list[Jurisdiction]
    total_votes: int
    rule: rules.RuleTerms | None
    rule_problem: str  # why no rule applies, when `rule` is None
    route: Route | None  # None until the contest has counties (no returns yet)
    certified_at: datetime.datetime | None
    filing_deadline: datetime.datetime | None
    candidates: list[CandidateStanding]

    @property
    def closest(self) -> CandidateStanding | None:
        """The non-declared candidate nearest to a declared one: the contest's margin."""
        measured = [s for s in self.candidates if s.eligibility.gap is not None]
        return min(measured, key=lambda s: s.eligibility.gap, default=None)

    @property
    def eligible(self) -> list[CandidateStanding]:
        """The candidates who may ask for a recount."""
        return [line for line in self.candidates if line.eligible]

    @property
    def margin(self) -> int | None:
        closest = self.closest
        return None if closest is None else closest.eligibility.gap

    @property
    def margin_percent(self) -> Decimal | None:
        closest = self.closest
        return None if closest is None else closest.eligibility.gap_percent


# `ClosedDay` has no state field: the days staff record are closures (or openings) of Georgia's state
# offices, so they correct Georgia's calendar only. Another state's calendar is its holidays alone.
CLOSED_DAYS_STATE = "GA"


def closed_day_overrides() -> list[ClosedDayOverride]:
    """The corrections staff keep to Georgia's holiday calendar (one query)."""
    return [closed_day.override for closed_day in ClosedDay.objects.all()]


def state_calendar(state: str, overrides: list[ClosedDayOverride]) -> BusinessCalendar:
    """`state`'s business days; the `ClosedDay` overrides apply to Georgia only."""
    return BusinessCalendar(overrides if state == CLOSED_DAYS_STATE else (), subdiv=state)


def rule_terms_by_state() -> dict[str, list[rules.RuleTerms]]:
    """Every recount rule, grouped by the state whose elections it governs (one query)."""
    terms: dict[str, list[rules.RuleTerms]] = {}
    for rule in RecountRule.objects.all():
        terms.setdefault(rule.state, []).append(rule.terms)
    return terms


def contests_with_standing_data(contests: QuerySet[Contest]) -> QuerySet[Contest]:
    """Contests with their election, home county, superintendent jurisdiction, counties and
    candidates (with vote totals) in three queries."""
    return contests.select_related("election", "home_county", "superintendent_jurisdiction").prefetch_related(
        Prefetch("counties", queryset=Jurisdiction.objects.order_by("name")),
        Prefetch(
            "candidates",
            queryset=Candidate.objects.annotate(total=Sum("results__votes", default=0)).order_by(
                "ballot_order", "name"
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class _Certified:
    """When each county (or city running its own election) of each election certified, and when the
    state did (original versions)."""

    county: dict[tuple[int, int], datetime.datetime]  # (election, jurisdiction) → certified at
    statewide: dict[int, datetime.datetime]

    @classmethod
    def of(cls, elections: set[int]) -> "_Certified":
        # The filing clock starts at the original certification (version 1): a recertification
        # after a recount does not reopen the window.
        county, statewide = {}, {}
        for certification in Certification.objects.filter(election__in=elections, version=1):
            if certification.scope == CertificationScope.STATEWIDE:
                statewide[certification.election_id] = certification.certified_at
            else:
                county[certification.election_id, certification.jurisdiction_id] = certification.certified_at
        return cls(county=county, statewide=statewide)


def standings_for(contests: QuerySet[Contest]) -> list[ContestStanding]:
    """The statutory standing of each contest: a fixed number of queries, whatever the size."""
    contest_list = list(contests_with_standing_data(contests))
    terms = rule_terms_by_state()
    overrides = closed_day_overrides()
    calendars: dict[str, BusinessCalendar] = {}
    certified = _Certified.of({contest.election_id for contest in contest_list})
    standings = []
    for contest in contest_list:
        state = contest.election.state
        state_terms = terms.get(state, [])
        if state_terms and state not in calendars:
            # Only a state with rules has a deadline to count.
            calendars[state] = state_calendar(state, overrides)
        standings.append(_standing(contest, state_terms, calendars.get(state), certified))
    return standings


def _standing(
    contest: Contest,
    terms: list[rules.RuleTerms],  # the rules of the contest's state
    calendar: BusinessCalendar | None,  # the business days of the contest's state; None without rules
    certified: _Certified,
) -> ContestStanding:
    counties = list(contest.counties.all())
    candidates = list(contest.candidates.all())
    try:
        rule = rules.rule_in_force(terms, contest.election.date)
        rule_problem = ""
    except rules.NoRuleInForce as error:
        rule, rule_problem = None, str(error)

    votes = [
        rules.CandidateVotes(
            key=candidate.pk,
            votes=candidate.total,
            declared=candidate.declared,
            write_in_aggregate=candidate.write_in_aggregate,
        )
        for candidate in candidates
    ]
    threshold = rule.threshold_percent if rule is not None else Decimal(0)
    by_pk = {candidate.pk: candidate for candidate in candidates}
    standings = [
        CandidateStanding(
            candidate=by_pk[result.key],
            votes=result.votes,
            eligibility=result if rule is not None else _without_rule(result),
            against=by_pk.get(result.against),
        )
        for result in rules.eligibility(votes, threshold, question=contest.is_question)
    ]

    election_id = contest.election_id
    certified_at = (
        rules.contest_certified_at(
            level=contest.level,
            counties=[county.pk for county in counties],
            county_certified_at={
                county.pk: certified.county[election_id, county.pk]
                for county in counties
                if (election_id, county.pk) in certified.county
            },
            statewide_certified_at=certified.statewide.get(election_id),
            own_superintendent=contest.superintendent_jurisdiction_id is not None,
            own_superintendent_certified_at=certified.county.get((election_id, contest.superintendent_jurisdiction_id)),
        )
        if counties
        else None
    )
    deadline = filing_deadline(certified_at, rule, calendar) if certified_at and rule and calendar else None
    return ContestStanding(
        contest=contest,
        counties=counties,
        total_votes=rules.total_votes(votes),
        rule=rule,
        rule_problem=rule_problem,
        route=rules.route(contest.level, len(counties)) if counties else None,
        certified_at=certified_at,
        filing_deadline=deadline,
        candidates=standings,
    )


def _without_rule(result: rules.Eligibility) -> rules.Eligibility:
    """With no rule in force nobody may ask; the gap is still worth showing."""
    return rules.Eligibility(
        key=result.key,
        votes=result.votes,
        declared=result.declared,
        gap=result.gap,
        gap_percent=result.gap_percent,
        eligible=False,
        against=result.against,
    )


def election_standings(election: Election) -> list[ContestStanding]:
    return standings_for(Contest.objects.filter(election=election))


def contest_standing(contest: Contest) -> ContestStanding:
    (standing,) = standings_for(Contest.objects.filter(pk=contest.pk))
    return standing


# Read by the election and contest pages.


def contest_route(contest: Contest) -> Route | None:
    """The statute's route for the contest's requests (None while it has no counties). Reads the
    contest's counties through `contest.counties.all()`: prefetched by `standings_for`."""
    counties = len(contest.counties.all())
    return rules.route(contest.level, counties) if counties else None


def receiving_jurisdictions(contest: Contest) -> list[Jurisdiction]:
    """Whose superintendent(s) take the contest's requests on the superintendent route: its own
    superintendent jurisdiction when it has one (a city running its own election), otherwise each
    county where it is voted on. Empty on the Secretary of State route."""
    if contest_route(contest) != Route.SUPERINTENDENT:
        return []
    if contest.superintendent_jurisdiction_id is not None:
        return [contest.superintendent_jurisdiction]
    return list(contest.counties.all())


def superintendents_of(standing: ContestStanding) -> list[Jurisdiction]:
    """`receiving_jurisdictions` of the standing's contest (its counties by name)."""
    return receiving_jurisdictions(standing.contest)


@dataclass(frozen=True, slots=True)
class CertificationMissing:
    """What must still be certified before the filing clock starts."""

    statewide: bool  # the Secretary of State's certification
    counties: list[Jurisdiction]  # counties whose original certification is still missing


def contest_certifications(standing: ContestStanding) -> list[Certification]:
    """Every version of the certifications that bear on the contest: the statewide one, its counties',
    and its own superintendent's (a city that runs its own election). One query."""
    contest = standing.contest
    jurisdictions = [county.pk for county in standing.counties]
    if contest.superintendent_jurisdiction_id is not None:
        jurisdictions.append(contest.superintendent_jurisdiction_id)
    return list(
        Certification.objects.filter(election_id=contest.election_id)
        .filter(Q(jurisdiction__isnull=True) | Q(jurisdiction_id__in=jurisdictions))
        .select_related("jurisdiction", "certified_by")
        .order_by("scope", "jurisdiction__name", "version")
    )


def certification_missing(
    standing: ContestStanding, certifications: list[Certification]
) -> CertificationMissing | None:
    """None once the contest is certified; otherwise the certification(s) that start its clock
    (as `rules.contest_certified_at` reads them: the statewide one on the Secretary of State route,
    the city's when it runs its own election, every county's otherwise). `certifications` are the
    election's, any version. `counties` may hold the city, for the city's own election."""
    if standing.certified_at is not None:
        return None
    if standing.route == Route.SECRETARY_OF_STATE:
        return CertificationMissing(statewide=True, counties=[])
    own = standing.contest.superintendent_jurisdiction
    if own is not None:
        return CertificationMissing(statewide=False, counties=[own])
    certified = {
        certification.jurisdiction_id
        for certification in certifications
        if certification.scope == CertificationScope.COUNTY and certification.version == 1
    }
    return CertificationMissing(
        statewide=False, counties=[county for county in standing.counties if county.pk not in certified]
    )


# Who sees what (DESIGN.md §2): Secretary of State staff see everything; a superintendent's staff see
# their jurisdictions' contests and the requests addressed to them; a candidate sees their own
# contests and requests; anyone else sees nothing.


def contests_visible_to(user: roles.User) -> QuerySet[Contest]:
    if not user.is_authenticated or not user.is_active:
        return Contest.objects.none()
    if roles.is_secretary_of_state(user):
        return Contest.objects.all()
    who = Q(candidates__accounts=user)
    places = roles.staff_jurisdiction_ids(user)
    if places:
        who |= Q(counties__in=places) | Q(superintendent_jurisdiction__in=places) | Q(home_county__in=places)
    return Contest.objects.filter(pk__in=Contest.objects.filter(who).values("pk"))


def elections_visible_to(user: roles.User) -> QuerySet[Election]:
    """Elections with a contest the user may see, newest first, each with `contest_count` (of those)."""
    return (
        Election.objects.filter(contests__in=contests_visible_to(user))
        .annotate(contest_count=Count("contests"))
        .order_by("-date", "name")
    )


def requests_visible_to(user: roles.User) -> QuerySet[RecountRequest]:
    if not user.is_authenticated or not user.is_active:
        return RecountRequest.objects.none()
    if roles.is_secretary_of_state(user):
        return RecountRequest.objects.all()
    who = Q(candidate__accounts=user)
    places = roles.staff_jurisdiction_ids(user)
    if places:
        who |= Q(authorities__jurisdiction__in=places)
    return RecountRequest.objects.filter(pk__in=RecountRequest.objects.filter(who).values("pk"))


def _requests_by_candidate(candidate_ids: Collection[int]) -> dict[int, list[RecountRequest]]:
    """Each candidate's requests, newest first (one query)."""
    requests: dict[int, list[RecountRequest]] = {}
    for request in RecountRequest.objects.filter(candidate__in=candidate_ids).order_by("-filed_at", "-pk"):
        requests.setdefault(request.candidate_id, []).append(request)
    return requests


def _attach(standing: ContestStanding, requests: dict[int, list[RecountRequest]]) -> None:
    """Give each candidate of the standing what `recounts.permissions` reads of them (their contest's
    standing and their requests), so that deciding for many candidates costs no query more."""
    for line in standing.candidates:
        line.candidate._recount_standing = standing
        line.candidate._recount_requests = requests.get(line.candidate.pk, [])


def with_candidates_standing(standing: ContestStanding) -> list[Candidate]:
    """The standing's candidates, ready for `recounts.permissions` (one query)."""
    _attach(standing, _requests_by_candidate([line.candidate.pk for line in standing.candidates]))
    return [line.candidate for line in standing.candidates]


def with_standing(candidates: QuerySet[Candidate]) -> list[Candidate]:
    """The candidates, each with their contest's standing and their requests, for `recounts.permissions`:
    a fixed number of queries, whatever the number of contests."""
    wanted = set(candidates.values_list("pk", flat=True))
    standings = standings_for(Contest.objects.filter(candidates__in=wanted).distinct())
    requests = _requests_by_candidate(wanted)
    found = []
    for standing in standings:
        _attach(standing, requests)
        found += [line.candidate for line in standing.candidates if line.candidate.pk in wanted]
    return found


def linked_accounts(candidates: list[Candidate], *, seen_by: roles.User) -> dict[int, list[AbstractBaseUser]]:
    """The accounts linked to each candidate, for the contest page: every candidate's for staff, only
    their own candidate's for a candidate's account (one query)."""
    ids = [candidate.pk for candidate in candidates]
    if not roles.is_staff_of_an_authority(seen_by):
        ids = list(Candidate.objects.filter(pk__in=ids, accounts=seen_by).values_list("pk", flat=True))
    through = (
        Candidate.accounts.through.objects.filter(candidate__in=ids).select_related("user").order_by("user__username")
    )
    accounts: dict[int, list[AbstractBaseUser]] = {}
    for link in through:
        accounts.setdefault(link.candidate_id, []).append(link.user)
    return accounts


def jurisdictions_of(election: Election) -> QuerySet[Jurisdiction]:
    """The counties where the election's contests are voted, and the cities that run their own."""
    contests = Contest.objects.filter(election=election)
    return Jurisdiction.objects.filter(
        Q(pk__in=contests.values("counties")) | Q(pk__in=contests.values("superintendent_jurisdiction"))
    )


def election_certifications(election: Election, scopes: list) -> list[Certification]:
    """The latest certification of each scope given (`permissions.Returns`), for the certify form."""
    latest = []
    for scope in scopes:
        found = (
            Certification.objects.filter(election=election, jurisdiction=scope.jurisdiction, scope=scope.scope)
            .select_related("jurisdiction", "certified_by")
            .order_by("-version")
            .first()
        )
        if found is not None:
            latest.append(found)
    return latest


def contests_received_by(user: roles.User) -> QuerySet[Contest]:
    """The contests whose requests are addressed to the user's office: on the Secretary of State
    route for its staff; otherwise to the superintendent(s) of `superintendents_of`."""
    if not user.is_authenticated or not user.is_active:
        return Contest.objects.none()
    statewide = Q(level__in=rules.STATEWIDE_LEVELS, county_count__gt=1)
    who = Q(pk__in=[])
    if roles.is_secretary_of_state(user):
        who |= statewide
    places = roles.staff_jurisdiction_ids(user)
    if places:
        voted_in_places = Contest.objects.filter(counties__in=places).values("pk")
        who |= (
            ~statewide
            & Q(county_count__gt=0)
            & (
                Q(superintendent_jurisdiction__in=places)
                | Q(superintendent_jurisdiction__isnull=True, pk__in=voted_in_places)
            )
        )
    return Contest.objects.annotate(county_count=Count("counties")).filter(who)


def candidates_receivable_by(user: roles.User) -> QuerySet[Candidate]:
    """Candidates whose paper or email request the user's office may record (write-in totals excepted)."""
    return (
        Candidate.objects.filter(contest__in=contests_received_by(user).values("pk"), write_in_aggregate=False)
        .select_related("contest__election", "contest__home_county")
        .order_by("-contest__election__date", "contest__office", "contest__district", "ballot_order", "name")
    )


# The candidate's page.


@dataclass(frozen=True, slots=True)
class ShareBar:
    name: str
    votes: int
    percent: Decimal  # of the total votes cast, 2 places, for display
    width: int
    own: bool
    declared: bool
    declared_as: str  # the declared status in words (“elected”, “in the runoff”); empty when not declared


@dataclass(frozen=True, slots=True)
class ShareChart:
    """A bar per candidate (vote share), and the threshold band: from the closest declared
    candidate's share down by the rule's percent of the total. A bar ending in the band may ask.
    Each bar is drawn on its own track, `BAR_SPACE` wide (whole units of its viewBox), with its
    name and share written above it as text of the page."""

    bars: list[ShareBar]
    axis_percent: int
    band_x: int | None
    band_width: int | None
    band_from: Decimal | None  # percent of the total
    band_to: Decimal | None

    BAR_SPACE = 400
    TRACK_HEIGHT = 24
    BAR_HEIGHT = 16

    @property
    def bar_y(self) -> int:
        return (self.TRACK_HEIGHT - self.BAR_HEIGHT) // 2

    @property
    def shows_declared(self) -> bool:
        """Whether another candidate's bar is drawn as declared (the caption names only colours drawn)."""
        return any(bar.declared and not bar.own for bar in self.bars)

    @property
    def shows_undeclared(self) -> bool:
        return any(not bar.declared and not bar.own for bar in self.bars)


def _percent(part: Fraction) -> Decimal:
    return (Decimal(part.numerator) / Decimal(part.denominator)).quantize(Decimal("0.01"))


def share_chart(standing: ContestStanding, line: CandidateStanding) -> ShareChart | None:
    """The chart of the candidate page for `line`'s candidate; None while the contest has no votes."""
    total = standing.total_votes
    if not total:
        return None
    shares = [Fraction(row.votes * 100, total) for row in standing.candidates]
    axis = max(10, -(-math.ceil(max(shares)) // 10) * 10)
    scale = Fraction(ShareChart.BAR_SPACE, axis)
    bars = [
        ShareBar(
            name=row.candidate.name,
            votes=row.votes,
            percent=_percent(share),
            width=round(share * scale),
            own=row.candidate.pk == line.candidate.pk,
            declared=row.eligibility.declared,
            declared_as=row.candidate.get_declared_status_display().lower() if row.eligibility.declared else "",
        )
        for row, share in zip(standing.candidates, shares, strict=True)
    ]
    band_x = band_width = band_from = band_to = None
    if standing.rule is not None and line.against is not None:
        top = Fraction(
            next(row.votes for row in standing.candidates if row.candidate.pk == line.against.pk) * 100, total
        )
        bottom = max(Fraction(0), top - Fraction(standing.rule.threshold_percent))
        band_x = round(bottom * scale)
        band_width = max(1, round(top * scale) - round(bottom * scale))
        band_from, band_to = _percent(bottom), _percent(top)
    return ShareChart(
        bars=bars, axis_percent=axis, band_x=band_x, band_width=band_width, band_from=band_from, band_to=band_to
    )


type Window = Literal["no_rule", "not_certified", "not_open", "open", "closed"]


@dataclass(frozen=True, slots=True)
class Candidacy:
    """One contest the account stands in, as its candidate page shows it at `now`."""

    standing: ContestStanding
    line: CandidateStanding
    missing: CertificationMissing | None  # what certification the clock still waits for
    requests: list[RecountRequest]  # the candidate's, newest first
    now: datetime.datetime

    @property
    def candidate(self) -> Candidate:
        return self.line.candidate

    @property
    def window(self) -> Window:
        """Where the filing window stands: it opens at certification and closes at the deadline."""
        standing = self.standing
        if standing.rule is None:
            return "no_rule"
        if standing.certified_at is None or standing.filing_deadline is None:
            return "not_certified"
        if self.now < standing.certified_at:
            return "not_open"
        return "open" if self.now <= standing.filing_deadline else "closed"

    @property
    def seconds_left(self) -> int:
        deadline = self.standing.filing_deadline
        return max(0, int((deadline - self.now).total_seconds())) if deadline else 0

    @property
    def open_request(self) -> RecountRequest | None:
        return next((request for request in self.requests if request.is_open), None)

    @property
    def recounted(self) -> bool:
        """Whether the candidate's recount is done (confirmed or recertified): there is no second one."""
        return any(request.status in {RequestStatus.CONFIRMED, RequestStatus.RECERTIFIED} for request in self.requests)

    @property
    def chart(self) -> ShareChart | None:
        return share_chart(self.standing, self.line)


def candidacies_for(user: roles.User, *, now: datetime.datetime, candidate_id: int | None = None) -> list[Candidacy]:
    """Each contest the account's candidates stand in (only `candidate_id`'s, when given), newest
    election first: a fixed number of queries, whatever the number of contests."""
    if not user.is_authenticated or not user.is_active:
        return []
    own = Candidate.objects.filter(accounts=user)
    if candidate_id is not None:
        own = own.filter(pk=candidate_id)
    own_ids = set(own.values_list("pk", flat=True))
    contests = Contest.objects.filter(pk__in=Candidate.objects.filter(pk__in=own_ids).values("contest_id")).order_by(
        "-election__date", "office", "district", "party", "pk"
    )
    standings = standings_for(contests)
    certifications: dict[int, list[Certification]] = {}
    for certification in Certification.objects.filter(
        election__in={standing.contest.election_id for standing in standings}
    ).select_related("jurisdiction"):
        certifications.setdefault(certification.election_id, []).append(certification)
    requests = _requests_by_candidate(own_ids)
    for standing in standings:
        _attach(standing, requests)
    return [
        Candidacy(
            standing=standing,
            line=line,
            missing=certification_missing(standing, certifications.get(standing.contest.election_id, [])),
            requests=requests.get(line.candidate.pk, []),
            now=now,
        )
        for standing in standings
        for line in standing.candidates
        if line.candidate.pk in own_ids
    ]


# The authority's inbox.


def inbox_for(user: roles.User) -> QuerySet[RecountRequest]:
    """Requests addressed to the user's office, newest first: the Secretary of State's for its staff,
    a superintendent's for theirs."""
    if not user.is_authenticated or not user.is_active:
        return RecountRequest.objects.none()
    who = Q(pk__in=[])
    if roles.is_secretary_of_state(user):
        who |= Q(authorities__kind=AuthorityKind.SECRETARY_OF_STATE)
    places = roles.staff_jurisdiction_ids(user)
    if places:
        who |= Q(authorities__jurisdiction__in=places)
    return (
        RecountRequest.objects.filter(pk__in=RecountRequest.objects.filter(who).values("pk"))
        .select_related("contest__election", "contest__home_county", "candidate")
        .prefetch_related(
            Prefetch("authorities", queryset=RequestAuthority.objects.select_related("jurisdiction").order_by("pk"))
        )
        .order_by("-filed_at", "-pk")
    )


@dataclass(frozen=True, slots=True)
class InboxEntry:
    request: RecountRequest
    act_by: datetime.datetime  # the end of the next business day after filing
    overdue: bool  # still only filed after `act_by`: the statute says the recount is ordered immediately


def act_by(filed_at: datetime.datetime, calendar: BusinessCalendar, zone: ZoneInfo) -> datetime.datetime:
    """The end (midnight, local) of the next business day after the day the request was filed."""
    next_day = calendar.add_business_days(filed_at.astimezone(zone).date(), 1)
    return datetime.datetime.combine(next_day + datetime.timedelta(days=1), datetime.time(0), tzinfo=zone)


def inbox_entries(requests: QuerySet[RecountRequest], *, now: datetime.datetime) -> list[InboxEntry]:
    """Each request with the time it should be acted on by, in its state's calendar and its rule's
    time zone: two queries more than the requests', whatever their number."""
    terms = rule_terms_by_state()
    overrides = closed_day_overrides()
    calendars: dict[str, BusinessCalendar] = {}
    entries = []
    for request in requests:
        election = request.contest.election
        if election.state not in calendars:
            calendars[election.state] = state_calendar(election.state, overrides)
        try:
            zone = ZoneInfo(rules.rule_in_force(terms.get(election.state, []), election.date).time_zone)
        except rules.NoRuleInForce:
            zone = ZoneInfo(settings.TIME_ZONE)
        due = act_by(request.filed_at, calendars[election.state], zone)
        entries.append(
            InboxEntry(request=request, act_by=due, overdue=request.status == RequestStatus.FILED and now >= due)
        )
    return entries


# A request's page.


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime.datetime
    subject: str  # "The case", or the county whose recount it is
    by: AbstractBaseUser | None
    reason: str
    changes: list[history_words.FieldChange]  # in the words of the pages; empty for the first
    first: bool  # the first record of its case or county recount: when it was recorded


def _timeline_entries(
    model: type[models.Model], records: list[models.Model], subject_of: Callable[[models.Model], str]
) -> list[TimelineEntry]:
    """One entry per history record, oldest first within each object; each diffed against the
    object's record before it, its changes in the words of the pages (`history_words`), in the
    model's field order, the fields not listed left out."""
    entries = []
    previous = None
    for record in records:
        first = previous is None or previous.id != record.id
        changes = (
            []
            if first
            else history_words.changes_in_words(
                model,
                record.diff_against(
                    previous, excluded_fields=history_words.unlisted(model), foreign_keys_are_objs=True
                ).changes,
            )
        )
        entries.append(
            TimelineEntry(
                at=record.history_date,
                subject=subject_of(record),
                by=record.history_user,
                reason=record.history_change_reason or "",
                changes=changes,
                first=first,
            )
        )
        previous = record
    return entries


def request_timeline(request: RecountRequest) -> list[TimelineEntry]:
    """The case's history and its county recounts', oldest first: who did what, when, why and what
    changed (two queries). At the same instant the case's own entry comes first."""
    own = request.history.select_related("history_user").order_by("history_date", "history_id")
    counties = (
        CountyRecount.history.filter(request_id=request.pk)
        .select_related("history_user", "county")
        .order_by("id", "history_date", "history_id")
    )
    entries = _timeline_entries(RecountRequest, list(own), lambda record: "The case") + _timeline_entries(
        CountyRecount, list(counties), lambda record: str(record.county)
    )
    return sorted(entries, key=lambda entry: entry.at)


def notices_for(user: roles.User) -> QuerySet[Notice]:
    """The user's own notices, newest first."""
    if not user.is_authenticated:
        return Notice.objects.none()
    return Notice.objects.filter(recipient=user).select_related("request").order_by("-created_at", "-pk")


#: A county's part is done once signed off (its outcome may have been recorded since).
COUNTY_DONE = frozenset({CountyRecountStatus.APPROVED, CountyRecountStatus.CONFIRMED, CountyRecountStatus.RECERTIFIED})


def county_recounts_overdue(now: datetime.datetime) -> QuerySet[CountyRecount]:
    """County recounts not signed off by their `finish_by` (their own, or the directive's window): the
    same counties `county_progress` calls overdue, for the admin's filter."""
    return (
        CountyRecount.objects.filter(Q(finish_by__lt=now) | Q(finish_by=None, request__finish_by__lt=now))
        .exclude(status__in=COUNTY_DONE)
        .select_related("county", "request")
    )


# The recount itself: the case page, the county worksheets, the dashboard and the superintendent's cases.


def cases_visible_to(user: roles.User) -> QuerySet[RecountRequest]:
    """`requests_visible_to`, and the cases with a county recount in the user's jurisdictions (on the
    Secretary of State's route the request is addressed to the Secretary of State, yet each county
    counts its part)."""
    places = roles.staff_jurisdiction_ids(user)
    if not places:
        return requests_visible_to(user)
    return RecountRequest.objects.filter(
        Q(pk__in=requests_visible_to(user).values("pk"))
        | Q(pk__in=CountyRecount.objects.filter(county__in=places).values("request_id"))
    )


@dataclass(frozen=True, slots=True)
class CountyProgress:
    county_recount: CountyRecount
    finish_by: datetime.datetime | None  # the county's own, or the case's (the directive's window)
    overdue: bool  # not signed off by `finish_by`


@dataclass(frozen=True, slots=True)
class CaseProgress:
    request: RecountRequest
    counties: list[CountyProgress]

    @property
    def signed_off(self) -> int:
        """Counties signed off, their outcome recorded since or not."""
        return sum(county.county_recount.status in COUNTY_DONE for county in self.counties)

    @property
    def overdue(self) -> int:
        return sum(county.overdue for county in self.counties)


def county_progress(county_recount: CountyRecount, *, now: datetime.datetime) -> CountyProgress:
    finish_by = county_recount.finish_by or county_recount.request.finish_by
    return CountyProgress(
        county_recount=county_recount,
        finish_by=finish_by,
        overdue=finish_by is not None and finish_by < now and county_recount.status not in COUNTY_DONE,
    )


def _with_county_recounts(requests: QuerySet[RecountRequest]) -> QuerySet[RecountRequest]:
    return requests.select_related("contest__election", "contest__home_county", "candidate").prefetch_related(
        Prefetch(
            "county_recounts",
            queryset=CountyRecount.objects.select_related("county", "signed_off_by").order_by("county__name"),
        )
    )


def cases_progress(requests: QuerySet[RecountRequest], *, now: datetime.datetime) -> list[CaseProgress]:
    """Each case with its counties' progress at `now`, newest first (two queries)."""
    return [
        CaseProgress(
            request=request,
            counties=[county_progress(county_recount, now=now) for county_recount in request.county_recounts.all()],
        )
        for request in _with_county_recounts(requests).order_by("-filed_at", "-pk")
    ]


def cases_for(user: roles.User) -> QuerySet[RecountRequest]:
    """The cases of the user's office: addressed to it, or with a county recount in its jurisdictions."""
    if not user.is_authenticated or not user.is_active:
        return RecountRequest.objects.none()
    who = Q(pk__in=[])
    if roles.is_secretary_of_state(user):
        who |= Q(authorities__kind=AuthorityKind.SECRETARY_OF_STATE)
    places = roles.staff_jurisdiction_ids(user)
    if places:
        who |= Q(authorities__jurisdiction__in=places) | Q(county_recounts__county__in=places)
    return RecountRequest.objects.filter(pk__in=RecountRequest.objects.filter(who).values("pk"))


def case_county_recounts(request: RecountRequest, *, now: datetime.datetime) -> list[CountyProgress]:
    """The case's county recounts by county name, each with its progress (one query)."""
    county_recounts = request.county_recounts.select_related("county", "ordered_by", "signed_off_by").order_by(
        "county__name"
    )
    for county_recount in county_recounts:
        county_recount.request = request
    return [county_progress(county_recount, now=now) for county_recount in county_recounts]


def worksheets_visible_to(user: roles.User) -> QuerySet[CountyRecount]:
    """County recounts the user may see: their own county's (its staff work on it), and read-only
    every county's for the Secretary of State's staff and the contest's candidates."""
    if not user.is_authenticated or not user.is_active:
        return CountyRecount.objects.none()
    if roles.is_secretary_of_state(user):
        return CountyRecount.objects.all()
    who = Q(request__contest__candidates__accounts=user)
    places = roles.staff_jurisdiction_ids(user)
    if places:
        who |= Q(county__in=places)
    return CountyRecount.objects.filter(pk__in=CountyRecount.objects.filter(who).values("pk"))


_LINE_ORDER = {line: index for index, line in enumerate(TallyLine)}
_TYPE_ORDER = {vote_type: index for index, vote_type in enumerate(VoteType)}


def worksheet_tallies(county_recount: CountyRecount) -> list[RecountTally]:
    """The worksheet's lines: by candidate (ballot order), the returns before the late ballots, by
    vote type (one query)."""
    return sorted(
        county_recount.tallies.select_related("candidate"),
        key=lambda tally: (
            tally.candidate.ballot_order,
            tally.candidate.name,
            _LINE_ORDER[TallyLine(tally.line)],
            _TYPE_ORDER[VoteType(tally.vote_type)],
        ),
    )


def party_chairs_of(contest: Contest) -> QuerySet[PartyChair]:
    """The chairs of the parties of the contest's candidates (who get the written notice of the count)."""
    parties = Candidate.objects.filter(contest=contest).exclude(party="").values("party")
    return PartyChair.objects.filter(state=contest.election.state, party__in=parties).order_by("party")


def import_jobs() -> QuerySet[ImportJob]:
    """The browser imports of returns, newest first, with who started and confirmed each and its election."""
    return ImportJob.objects.select_related("started_by", "confirmed_by", "election").order_by("-created_at", "-pk")


# The Secretary of State's board (the statewide dashboard): the counts, the requests waiting for a
# decision, what falls due today and tomorrow, and every county of the open cases, those that need
# attention first. The flags are the inbox's (`inbox_entries`) and the case page's (`county_progress`).

#: The board's groups of counties, in the order it lists them (`attention`).
OVERDUE, NOT_STARTED, UNDER_WAY, SIGNED_OFF = range(4)


def attention(county: CountyProgress) -> int:
    """The county's group: overdue; else not started (ordered, and neither a scanner tested nor a figure
    entered); else under way, or signed off."""
    if county.overdue:
        return OVERDUE
    if county.county_recount.status == CountyRecountStatus.ORDERED:
        return NOT_STARTED
    return SIGNED_OFF if county.county_recount.status in COUNTY_DONE else UNDER_WAY


@dataclass(frozen=True, slots=True)
class DueDay:
    day: datetime.date
    decisions: list[InboxEntry]  # requests whose act-by time falls on the day, not overdue yet
    counties: list[CountyProgress]  # counties whose finish-by time falls on the day, not signed off


@dataclass(frozen=True, slots=True)
class Board:
    cases: list[tuple[str, int]]  # (status in words, number of open cases) for each open status
    waiting: list[InboxEntry]  # requests waiting for a decision, the overdue first, then by act-by time
    counties: list[CountyProgress]  # every county of the open cases, those needing attention first
    due: list[DueDay]  # today and tomorrow

    @property
    def waiting_overdue(self) -> int:
        return sum(entry.overdue for entry in self.waiting)

    # The counties in each of `attention`'s groups: they add up to all of them.

    @property
    def counties_overdue(self) -> int:
        return sum(attention(county) == OVERDUE for county in self.counties)

    @property
    def counties_not_started(self) -> int:
        return sum(attention(county) == NOT_STARTED for county in self.counties)

    @property
    def counties_under_way(self) -> int:
        return sum(attention(county) == UNDER_WAY for county in self.counties)

    @property
    def counties_done(self) -> int:
        return sum(attention(county) == SIGNED_OFF for county in self.counties)


def due_day(at: datetime.datetime) -> datetime.date:
    """The day an instant is due on, in the desk's time zone: midnight belongs to the day it ends
    (“midnight at the end of Wednesday” is due on Wednesday)."""
    return (at.astimezone(ZoneInfo(settings.TIME_ZONE)) - datetime.timedelta(microseconds=1)).date()


def _board_county_recounts() -> QuerySet[CountyRecount]:
    """The county recounts of the open cases, each with the id of its latest history row (one query)."""
    latest = CountyRecount.history.filter(id=models.OuterRef("pk")).order_by("-history_date", "-history_id")
    return (
        CountyRecount.objects.filter(request__status__in=OPEN_STATUSES)
        .select_related("county", "request__contest__election", "request__candidate")
        .annotate(last_history_id=models.Subquery(latest.values("history_id")[:1]))
    )


def _requests_waiting() -> QuerySet[RecountRequest]:
    """Every request still only filed, read as the inbox reads them (two queries)."""
    return (
        RecountRequest.objects.filter(status=RequestStatus.FILED)
        .select_related("contest__election", "contest__home_county", "candidate")
        .prefetch_related(
            Prefetch("authorities", queryset=RequestAuthority.objects.select_related("jurisdiction").order_by("pk"))
        )
        .order_by("-filed_at", "-pk")
    )


def board_counties(*, now: datetime.datetime) -> list[CountyProgress]:
    """Every county of the open cases at `now`, those needing attention first (`attention`), then by
    finish-by time and name (one query)."""
    return sorted(
        (county_progress(county_recount, now=now) for county_recount in _board_county_recounts()),
        key=lambda county: (
            attention(county),
            county.finish_by or datetime.datetime.max.replace(tzinfo=datetime.UTC),
            county.county_recount.county.name,
            county.county_recount.request.receipt_number,
        ),
    )


def statewide_board(*, now: datetime.datetime) -> Board:
    """The board at `now`, statewide: six queries, whatever the number of cases and counties."""
    by_status = dict(
        RecountRequest.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    waiting = sorted(inbox_entries(_requests_waiting(), now=now), key=lambda entry: (not entry.overdue, entry.act_by))
    counties = board_counties(now=now)
    today = now.astimezone(ZoneInfo(settings.TIME_ZONE)).date()
    due = [
        DueDay(
            day=day,
            decisions=[entry for entry in waiting if not entry.overdue and due_day(entry.act_by) == day],
            counties=[
                county
                for county in counties
                if county.finish_by is not None
                and not county.overdue
                and county.county_recount.status not in COUNTY_DONE
                and due_day(county.finish_by) == day
            ],
        )
        for day in (today, today + datetime.timedelta(days=1))
    ]
    return Board(
        cases=[(status.label, by_status.get(status, 0)) for status in OPEN_STATUSES],
        waiting=waiting,
        counties=counties,
        due=due,
    )


def board_elections() -> QuerySet[Election]:
    """The elections with an open case, newest first: the board's filter offers these."""
    return Election.objects.filter(
        pk__in=RecountRequest.objects.filter(status__in=OPEN_STATUSES).values("contest__election_id")
    ).order_by("-date", "name")


def board_counties_filtered(
    counties: list[CountyProgress],
    *,
    election: Election | None = None,
    status: CountyRecountStatus | None = None,
    overdue: bool = False,
) -> list[CountyProgress]:
    """The board's counties, in order, kept by each filter given: of one election, in one status, overdue."""
    return [
        county
        for county in counties
        if (election is None or county.county_recount.request.contest.election_id == election.pk)
        and (status is None or county.county_recount.status == status)
        and (not overdue or county.overdue)
    ]


@dataclass(frozen=True, slots=True)
class BoardRow:
    progress: CountyProgress
    last_activity: models.Model | None  # the county recount's latest history row (its date, user and reason)


def with_last_activity(counties: list[CountyProgress]) -> list[BoardRow]:
    """Each county with its latest history row and who made it (one query, none for no county). The
    counties come from `board_counties`, which annotated the row's id."""
    ids = [county.county_recount.last_history_id for county in counties]
    records = CountyRecount.history.select_related("history_user").in_bulk([pk for pk in ids if pk is not None])
    return [BoardRow(progress=county, last_activity=records.get(pk)) for county, pk in zip(counties, ids, strict=True)]
