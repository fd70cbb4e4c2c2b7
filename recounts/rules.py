"""Georgia's recount statute, O.C.G.A. § 21-2-495(c), as pure functions.

Nothing here reads the database, the request or the clock: every fact comes in as an argument,
so each rule can be checked with a table of cases.
"""

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction

from elections.enums import Level
from recounts.enums import CountyRecountStatus, RequestStatus, Route

# Offices whose multi-county requests go to the Secretary of State (§ 21-2-495(c)).
STATEWIDE_LEVELS = frozenset({Level.FEDERAL, Level.STATE})


class NoRuleInForce(ValueError):
    """No recount rule, or more than one, covers an election's date."""

    def __init__(self, message: str, *, election_date: date) -> None:
        super().__init__(message)
        self.election_date = election_date


@dataclass(frozen=True, slots=True)
class RuleTerms:
    """The terms of one recount rule (a plain view of a `RecountRule` row)."""

    name: str
    threshold_percent: Decimal
    business_days: int
    cutoff: time
    time_zone: str
    effective_from: date
    effective_to: date | None  # inclusive last day; None = still in force

    def covers(self, election_date: date) -> bool:
        """Whether an election held on `election_date` falls under this rule."""
        if election_date < self.effective_from:
            return False
        return self.effective_to is None or election_date <= self.effective_to


@dataclass(frozen=True, slots=True)
class CandidateVotes:
    """One line of a contest's returns."""

    key: object  # the caller's id for the candidate; opaque and hashable
    votes: int
    declared: bool  # elected, nominated or in the runoff
    write_in_aggregate: bool = False  # a "Write-ins" line: in the total, not a candidate


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Whether one candidate may ask for a recount, and the margin that decides it."""

    key: object
    votes: int
    declared: bool
    gap: int | None
    gap_percent: Decimal | None  # display only: rounded to 3 places, never used to decide
    eligible: bool
    against: object | None  # key of the closest declared candidate


def _check_not_negative(value: int, what: str) -> None:
    if value < 0:
        raise ValueError(f"{what} cannot be negative (got {value}).")


def total_votes(candidates: Sequence[CandidateVotes]) -> int:
    """Total votes cast for the office: every candidate, write-ins included."""
    for candidate in candidates:
        _check_not_negative(candidate.votes, f"Votes for {candidate.key}")
    return sum(candidate.votes for candidate in candidates)


def within_threshold(gap: int, total: int, threshold_percent: Decimal) -> bool:
    """Whether `gap` is not more than `threshold_percent` % of `total` (the boundary qualifies).

    Exact: `gap * 100 <= total * threshold` in integers, with the threshold as a fraction.
    A contest with no votes has no margin to recount.
    """
    _check_not_negative(gap, "The gap")
    _check_not_negative(total, "The total")
    threshold = Fraction(threshold_percent)
    if threshold < 0:
        raise ValueError(f"The threshold cannot be negative (got {threshold_percent}%).")
    if total == 0:
        return False
    return gap * 100 * threshold.denominator <= total * threshold.numerator


def _gap_percent(gap: int, total: int) -> Decimal:
    """`gap / total * 100` rounded half up to 3 decimal places, in exact integer arithmetic."""
    quotient, remainder = divmod(gap * 100 * 1000, total)
    if 2 * remainder >= total:
        quotient += 1
    return Decimal(quotient).scaleb(-3)


def eligibility(
    candidates: Sequence[CandidateVotes], threshold_percent: Decimal, *, question: bool = False
) -> list[Eligibility]:
    """Who may ask for a recount under § 21-2-495(c), in the order given.

    On a ballot question (``question``) no one may: the statute gives a recount to candidates, and
    a question's choices (Yes, No) are not candidates.

    A candidate who was not declared may ask when the gap to some declared candidate is not
    more than `threshold_percent` % of the total votes cast for the office. The gap reported is
    the one to the closest declared candidate (on a tie, the one with fewer votes): if any
    declared candidate is within the threshold, that one is.
    """
    total = total_votes(candidates)
    seen: set[object] = set()
    for candidate in candidates:
        if candidate.key in seen:
            raise ValueError(f"Candidate {candidate.key} appears more than once.")
        seen.add(candidate.key)
        if candidate.declared and candidate.write_in_aggregate:
            raise ValueError(f"{candidate.key} is a write-in total, not a candidate, and cannot be declared.")
    declared = [candidate for candidate in candidates if candidate.declared]

    results = []
    for candidate in candidates:
        if question or candidate.declared or candidate.write_in_aggregate or not declared:
            results.append(
                Eligibility(
                    key=candidate.key,
                    votes=candidate.votes,
                    declared=candidate.declared,
                    gap=None,
                    gap_percent=None,
                    eligible=False,
                    against=None,
                )
            )
            continue
        closest = min(declared, key=lambda d: (abs(d.votes - candidate.votes), d.votes))
        gap = abs(closest.votes - candidate.votes)
        results.append(
            Eligibility(
                key=candidate.key,
                votes=candidate.votes,
                declared=False,
                gap=gap,
                gap_percent=_gap_percent(gap, total) if total else None,
                eligible=within_threshold(gap, total, threshold_percent),
                against=closest.key,
            )
        )
    return results


def rule_in_force(rules: Iterable[RuleTerms], election_date: date) -> RuleTerms:
    """The one rule whose dates cover the election's date (HB 316 moved 1% to 0.5% in 2019)."""
    matching = [rule for rule in rules if rule.covers(election_date)]
    if not matching:
        raise NoRuleInForce(
            f"No recount rule is in force on {election_date.isoformat()}.",
            election_date=election_date,
        )
    if len(matching) > 1:
        names = ", ".join(rule.name for rule in matching)
        raise NoRuleInForce(
            f"{len(matching)} recount rules are in force on {election_date.isoformat()} "
            f"({names}); their dates must not overlap.",
            election_date=election_date,
        )
    return matching[0]


def route(level: Level | str, county_count: int) -> Route:
    """Who receives the request: the Secretary of State for a federal or state office voted
    on in more than one county, the superintendent in every other case (§ 21-2-495(c))."""
    if county_count < 1:
        raise ValueError(f"A contest is voted on in at least one county (got {county_count}).")
    if Level(level) in STATEWIDE_LEVELS and county_count > 1:
        return Route.SECRETARY_OF_STATE
    return Route.SUPERINTENDENT


def contest_certified_at(
    *,
    level: Level | str,
    counties: Collection[object],
    county_certified_at: Mapping[object, datetime],
    statewide_certified_at: datetime | None,
    own_superintendent: bool = False,
    own_superintendent_certified_at: datetime | None = None,
) -> datetime | None:
    """When the contest's results were certified, which starts the filing clock.

    A local office whose election is run by its own superintendent (a city that conducts its own
    election): that superintendent's certification. Otherwise, one county: that county's
    certification. A local office in several counties: the last county's, once every county has
    certified. A federal or state office in several counties: the Secretary of State's statewide
    certification only. None while not yet certified.
    """
    if not counties:
        raise ValueError("A contest is voted on in at least one county (got none).")
    if own_superintendent and Level(level) not in STATEWIDE_LEVELS:
        return own_superintendent_certified_at
    if len(counties) == 1:
        (county,) = counties
        return county_certified_at.get(county)
    if route(level, len(counties)) == Route.SECRETARY_OF_STATE:
        return statewide_certified_at
    certified = []
    for county in counties:
        certified_at = county_certified_at.get(county)
        if certified_at is None:
            return None
        certified.append(certified_at)
    return max(certified)


# -- The case's life (DESIGN.md §3) -----------------------------------------------------------------

#: Every move a case may make. `counted` may go back to `counting` when a county's worksheet is reopened.
CASE_MOVES: Mapping[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.FILED: frozenset({RequestStatus.ORDERED, RequestStatus.DENIED, RequestStatus.WITHDRAWN}),
    RequestStatus.ORDERED: frozenset({RequestStatus.COUNTING}),
    RequestStatus.COUNTING: frozenset({RequestStatus.COUNTED}),
    RequestStatus.COUNTED: frozenset({RequestStatus.COUNTING, RequestStatus.CONFIRMED, RequestStatus.RECERTIFIED}),
    RequestStatus.CONFIRMED: frozenset(),
    RequestStatus.RECERTIFIED: frozenset(),
    RequestStatus.DENIED: frozenset(),
    RequestStatus.WITHDRAWN: frozenset(),
}

#: Every move one county's part may make; a submitted or signed-off worksheet reopens to counting, and
#: a signed-off county's superintendent records its outcome: confirmed, or corrected and recertified.
COUNTY_MOVES: Mapping[CountyRecountStatus, frozenset[CountyRecountStatus]] = {
    CountyRecountStatus.ORDERED: frozenset({CountyRecountStatus.SCANNER_TESTING, CountyRecountStatus.COUNTING}),
    CountyRecountStatus.SCANNER_TESTING: frozenset({CountyRecountStatus.COUNTING}),
    CountyRecountStatus.COUNTING: frozenset({CountyRecountStatus.SUBMITTED}),
    CountyRecountStatus.SUBMITTED: frozenset({CountyRecountStatus.APPROVED, CountyRecountStatus.COUNTING}),
    CountyRecountStatus.APPROVED: frozenset(
        {CountyRecountStatus.COUNTING, CountyRecountStatus.CONFIRMED, CountyRecountStatus.RECERTIFIED}
    ),
    CountyRecountStatus.CONFIRMED: frozenset(),
    CountyRecountStatus.RECERTIFIED: frozenset(),
}


def case_move_allowed(current: RequestStatus | str, new: RequestStatus | str) -> bool:
    return RequestStatus(new) in CASE_MOVES[RequestStatus(current)]


def county_move_allowed(current: CountyRecountStatus | str, new: CountyRecountStatus | str) -> bool:
    return CountyRecountStatus(new) in COUNTY_MOVES[CountyRecountStatus(current)]


# -- Scanner test decks (State Election Board Rule 183-1-15-.03) -------------------------------------

DECK_MACHINE_MARKED = 75
DECK_HAND_MARKED = 25
DECK_PRECINCTS = 3


@dataclass(frozen=True, slots=True)
class DeckResult:
    passed: bool
    problems: tuple[str, ...]  # why it failed; empty when it passed


def scanner_deck(
    *, machine_marked: int, hand_marked: int, precincts: int, hand_count: int, machine_count: int
) -> DeckResult:
    """Whether a scanner passed its test deck: a deck of at least 75 machine-marked and 25 hand-marked
    ballots from at least 3 precincts, whose hand count and machine count agree."""
    for value, what in (
        (machine_marked, "machine-marked ballots"),
        (hand_marked, "hand-marked ballots"),
        (precincts, "precincts"),
        (hand_count, "the hand count"),
        (machine_count, "the machine count"),
    ):
        _check_not_negative(value, what)
    problems = []
    if machine_marked < DECK_MACHINE_MARKED:
        problems.append(
            f"the deck has {machine_marked} machine-marked ballots; at least {DECK_MACHINE_MARKED} are needed"
        )
    if hand_marked < DECK_HAND_MARKED:
        problems.append(f"the deck has {hand_marked} hand-marked ballots; at least {DECK_HAND_MARKED} are needed")
    if precincts < DECK_PRECINCTS:
        problems.append(f"the deck comes from {precincts} precincts; at least {DECK_PRECINCTS} are needed")
    if hand_count != machine_count:
        problems.append(f"the machine counted {machine_count}, the hand count is {hand_count}")
    return DeckResult(passed=not problems, problems=tuple(problems))
