"""Where a contest stands under the recount statute, read in a fixed number of queries.

`election_standings` and `contest_standing` gather the returns, certifications, rule and closed
days from the database and hand them to `recounts.rules` and `recounts.calendar`.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum

from elections.enums import CertificationScope
from elections.models import Candidate, Certification, Contest, Election, Jurisdiction
from recounts import rules
from recounts.calendar import BusinessCalendar, ClosedDayOverride, filing_deadline
from recounts.enums import Route
from recounts.models import ClosedDay, RecountRule


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
        for result in rules.eligibility(votes, threshold)
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


def superintendents_of(standing: ContestStanding) -> list[Jurisdiction]:
    """Whose superintendent(s) take a request on the superintendent route: the contest's own
    superintendent jurisdiction when it has one (a city running its own election), otherwise each
    county where it is voted on. Empty on the Secretary of State route."""
    if standing.route != Route.SUPERINTENDENT:
        return []
    contest = standing.contest
    if contest.superintendent_jurisdiction_id is not None:
        return [contest.superintendent_jurisdiction]
    return list(standing.counties)


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
