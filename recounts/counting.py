"""The recount itself, from the authority's decision to confirmed or recertified returns.

`case_move` is the one function that changes a case's status: it checks the move against
`rules.CASE_MOVES` and records who and why. Every other function here is a step of the recount
that calls it when the step moves the case: a denial, an order (superintendent route) or a
directive (Secretary of State route), each county's worksheet (scanner test decks, tallies,
submission, sign-off, reopening) and the end (`case_finish`): confirmed when nothing differs,
otherwise the returns are corrected, recertified and the outcome declared again.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from elections.enums import DeclaredStatus, VoteType, broken_down_types
from elections.models import Candidate, Certification, Jurisdiction, Result
from elections.services import (
    ElectionsError,
    certification_record,
    contest_declare_from_votes,
    contest_outcome_from_votes,
    save_with_history,
)
from recounts import notices, roles, rules
from recounts.enums import (
    AuthorityKind,
    CountyRecountStatus,
    DenialReason,
    DiscrepancyReason,
    RequestStatus,
    Route,
    TallyLine,
)
from recounts.models import CountyRecount, RecountRequest, RecountTally, ScannerTest
from recounts.queries import may_decide
from recounts.services import RecountError

HISTORY_REASON_LENGTH = 100


def _reason(text: str) -> str:
    return text if len(text) <= HISTORY_REASON_LENGTH else text[: HISTORY_REASON_LENGTH - 1] + "…"


def _when(at: datetime.datetime) -> str:
    return f"{timezone.localtime(at):%B %-d, %Y at %-I:%M %p %Z}"


# -- The one function that moves a case ------------------------------------------------------------


def case_move(*, request: RecountRequest, to: RequestStatus, by: AbstractBaseUser, reason: str) -> RecountRequest:
    """Move the case to `to` if `rules.CASE_MOVES` allows it, with a history row naming who and why."""
    current = RequestStatus(request.status)
    if not rules.case_move_allowed(current, to):
        raise RecountError(f"A case that is {current.label.lower()} cannot become {RequestStatus(to).label.lower()}.")
    request.status = to
    save_with_history(request, by=by, reason=_reason(reason))
    return request


def _county_move(county_recount: CountyRecount, to: CountyRecountStatus) -> None:
    current = CountyRecountStatus(county_recount.status)
    if not rules.county_move_allowed(current, to):
        raise RecountError(
            f"{county_recount.county}'s recount is {current.label.lower()}; it cannot become "
            f"{CountyRecountStatus(to).label.lower()}."
        )
    county_recount.status = to


def _locked(request: RecountRequest) -> RecountRequest:
    return (
        RecountRequest.objects.select_for_update().select_related("contest__election", "candidate").get(pk=request.pk)
    )


# -- The decision --------------------------------------------------------------------------------


def _authority_jurisdictions(request: RecountRequest) -> set[int]:
    return {a.jurisdiction_id for a in request.authorities.all() if a.kind == AuthorityKind.SUPERINTENDENT}


def request_deny(
    *,
    request: RecountRequest,
    by: AbstractBaseUser,
    reason: DenialReason,
    ruling: str = "",
    now: datetime.datetime | None = None,
) -> RecountRequest:
    """The receiving authority denies the request for a statutory reason. A late request is denied
    only with the authority's ruling written out."""
    now = now or timezone.now()
    ruling = ruling.strip()
    if reason == DenialReason.LATE and not ruling:
        raise RecountError("Write the ruling: a request denied as late is denied by the authority's ruling.")
    with transaction.atomic():
        request = _locked(request)
        if not may_decide(by, request):
            raise RecountError("Only the authority the request is addressed to (its superintendent) can decide it.")
        request.decided_at, request.decided_by = now, by
        request.denial_reason, request.ruling = DenialReason(reason), ruling
        case_move(request=request, to=RequestStatus.DENIED, by=by, reason=f"Denied: {DenialReason(reason).label}")
        notices.request_denied(request)
    return request


def ruling_needed(request: RecountRequest) -> str:
    """Why granting the request needs the authority's written ruling (“late”, “not eligible on the
    certified returns”, or both), or "" when it does not."""
    problems = (
        ("late", request.late),
        ("not eligible on the certified returns", not request.eligible),
    )
    return " and ".join(problem for problem, applies in problems if applies)


def _needs_ruling(request: RecountRequest, ruling: str) -> None:
    needed = ruling_needed(request)
    if needed and not ruling:
        raise RecountError(f"The request is {needed}: write the ruling that grants it nevertheless, or deny it.")


def _prepare_tallies(county_recount: CountyRecount, *, by: AbstractBaseUser) -> None:
    """The worksheet's lines: each candidate's certified votes in the county, by vote type (the types
    the returns give, or one line "not broken down by type")."""
    contest = county_recount.request.contest
    figures: dict[int, dict[VoteType, int]] = defaultdict(dict)
    for result in Result.objects.filter(candidate__contest=contest, county=county_recount.county):
        for vote_type, votes in result.by_type().items():
            figures[result.candidate_id][vote_type] = figures[result.candidate_id].get(vote_type, 0) + votes
    types = [vote_type for vote_type in VoteType if any(vote_type in by_type for by_type in figures.values())]
    bulk_create_with_history(
        [
            RecountTally(
                county_recount=county_recount,
                candidate=candidate,
                vote_type=vote_type,
                line=TallyLine.RETURNS,
                original=figures[candidate.pk].get(vote_type, 0),
            )
            for candidate in contest.candidates.order_by("ballot_order", "name")
            for vote_type in types
        ],
        RecountTally,
        default_user=by,
        default_change_reason="The certified returns, to be recounted",
    )


def _new_county_recount(
    request: RecountRequest,
    county: Jurisdiction,
    *,
    by: AbstractBaseUser,
    now: datetime.datetime,
    count_place: str = "",
    count_starts_at: datetime.datetime | None = None,
    finish_by: datetime.datetime | None = None,
    reason: str,
) -> CountyRecount:
    county_recount = CountyRecount(
        request=request,
        county=county,
        ordered_at=now,
        ordered_by=by,
        count_place=count_place.strip(),
        count_starts_at=count_starts_at,
        finish_by=finish_by,
    )
    save_with_history(county_recount, by=by, reason=_reason(reason))
    _prepare_tallies(county_recount, by=by)
    return county_recount


def recount_order(
    *,
    request: RecountRequest,
    county: Jurisdiction,
    by: AbstractBaseUser,
    count_place: str,
    count_starts_at: datetime.datetime,
    finish_by: datetime.datetime | None = None,
    ruling: str = "",
    now: datetime.datetime | None = None,
) -> CountyRecount:
    """A superintendent orders the recount in their county (superintendent route). For a local office
    voted in several counties, each county's superintendent orders and runs their part; the first
    order moves the case to ordered. The written notice of the count's place and time goes to each
    candidate and each party's chair."""
    now = now or timezone.now()
    ruling = ruling.strip()
    if not count_place.strip():
        raise RecountError("Say where the ballots will be counted: the notice to candidates and parties gives it.")
    if timezone.is_naive(count_starts_at):
        raise RecountError("Give the time the count starts with its time zone.")
    if finish_by is not None and (timezone.is_naive(finish_by) or finish_by <= count_starts_at):
        raise RecountError("The recount must finish after the count starts (give the time with its time zone).")
    with transaction.atomic():
        request = _locked(request)
        if request.route != Route.SUPERINTENDENT:
            raise RecountError("On the Secretary of State's route the recount is directed by the Secretary of State.")
        if county.pk not in _authority_jurisdictions(request):
            raise RecountError(f"The request is not addressed to the superintendent of {county}.")
        if not roles.is_superintendent_of(by, county.pk):
            raise RecountError(f"Only the superintendent of {county} can order the recount there.")
        if request.county_recounts.filter(county=county).exists():
            raise RecountError(f"The recount in {county} is already ordered.")
        if request.contest.superintendent_jurisdiction_id is not None:
            raise RecountError(
                f"{county} runs its own election, counted in its counties: its recount cannot be run on a worksheet "
                "here yet. Order it in writing and record the outcome with a new certification."
            )
        if request.status == RequestStatus.FILED:
            _needs_ruling(request, ruling)
            request.decided_at, request.decided_by, request.ruling = now, by, ruling
            case_move(request=request, to=RequestStatus.ORDERED, by=by, reason=f"Recount ordered in {county}")
        elif request.status not in {RequestStatus.ORDERED, RequestStatus.COUNTING}:
            raise RecountError(f"The case is {request.get_status_display().lower()}; a recount cannot be ordered now.")
        county_recount = _new_county_recount(
            request,
            county,
            by=by,
            now=now,
            count_place=count_place,
            count_starts_at=count_starts_at,
            finish_by=finish_by,
            reason=f"Recount ordered by the superintendent of {county}",
        )
        notices.recount_ordered(county_recount)
    return county_recount


def recount_direct(
    *,
    request: RecountRequest,
    by: AbstractBaseUser,
    window_starts_at: datetime.datetime,
    finish_by: datetime.datetime,
    ruling: str = "",
    now: datetime.datetime | None = None,
) -> list[CountyRecount]:
    """The Secretary of State directs the recount (its route): one county recount for every county
    where the office was voted, within the statewide window; each superintendent is notified and
    sets the place and time of their count (`county_count_schedule`)."""
    now = now or timezone.now()
    ruling = ruling.strip()
    if timezone.is_naive(window_starts_at) or timezone.is_naive(finish_by):
        raise RecountError("Give the window's start and end with their time zone.")
    if finish_by <= window_starts_at:
        raise RecountError("The recount must finish after it starts.")
    with transaction.atomic():
        request = _locked(request)
        if request.route != Route.SECRETARY_OF_STATE:
            raise RecountError("On the superintendent's route each superintendent orders the recount.")
        if not roles.is_secretary_of_state(by):
            raise RecountError("Only the Secretary of State's staff can direct the recount.")
        if request.status != RequestStatus.FILED:
            raise RecountError(f"The case is {request.get_status_display().lower()}; it cannot be directed now.")
        _needs_ruling(request, ruling)
        request.decided_at, request.decided_by, request.ruling = now, by, ruling
        request.window_starts_at, request.finish_by = window_starts_at, finish_by
        case_move(request=request, to=RequestStatus.ORDERED, by=by, reason="Recount directed by the Secretary of State")
        county_recounts = [
            _new_county_recount(
                request,
                county,
                by=by,
                now=now,
                count_starts_at=window_starts_at,
                finish_by=finish_by,
                reason="Recount directed by the Secretary of State",
            )
            for county in request.contest.counties.order_by("name")
        ]
        notices.recount_directed(request, county_recounts)
    return county_recounts


def county_count_schedule(
    *, county_recount: CountyRecount, by: AbstractBaseUser, count_place: str, count_starts_at: datetime.datetime
) -> CountyRecount:
    """The superintendent sets where and when their county counts (directive route), and the written
    notice goes to each candidate and party chair."""
    if not count_place.strip():
        raise RecountError("Say where the ballots will be counted.")
    if timezone.is_naive(count_starts_at):
        raise RecountError("Give the time the count starts with its time zone.")
    with transaction.atomic():
        county_recount = _locked_county(county_recount, by)
        if county_recount.status not in {CountyRecountStatus.ORDERED, CountyRecountStatus.SCANNER_TESTING}:
            raise RecountError(
                f"{county_recount.county}'s count has begun ({county_recount.get_status_display().lower()}); its "
                "place and time can no longer change."
            )
        request = county_recount.request
        if (
            request.window_starts_at
            and request.finish_by
            and not (request.window_starts_at <= count_starts_at < request.finish_by)
        ):
            raise RecountError(
                f"The count must start within the Secretary of State's window, from {_when(request.window_starts_at)} "
                f"to {_when(request.finish_by)}."
            )
        county_recount.count_place, county_recount.count_starts_at = count_place.strip(), count_starts_at
        save_with_history(county_recount, by=by, reason="Place and time of the count set")
        notices.count_notice(county_recount)
    return county_recount


# -- The county worksheet -------------------------------------------------------------------------


def _locked_county(county_recount: CountyRecount, by: AbstractBaseUser) -> CountyRecount:
    county_recount = (
        CountyRecount.objects.select_for_update(of=("self",))
        .select_related("request__contest__election", "county")
        .get(pk=county_recount.pk)
    )
    if county_recount.county_id not in roles.staff_jurisdiction_ids(by):
        raise RecountError(f"Only the staff of {county_recount.county}'s superintendent can work on its recount.")
    return county_recount


def _check_version(county_recount: CountyRecount, version: int) -> None:
    """Refuse a save made on an older worksheet than the one stored (never overwrite silently)."""
    if county_recount.version != version:
        last = county_recount.history.select_related("history_user").first()
        who = f" by {last.history_user}" if last and last.history_user else ""
        when = f" on {_when(last.history_date)}" if last else ""
        raise RecountError(
            f"{county_recount.county}'s worksheet was saved{who}{when} after you opened it (version "
            f"{county_recount.version}, yours {version}); nothing of yours was saved. Reload it, check their "
            "figures and enter yours again."
        )


def _noticed(county_recount: CountyRecount) -> None:
    """The written notice of the count's place and time goes out before counting (§ 21-2-495(c))."""
    if not county_recount.count_place or county_recount.count_starts_at is None:
        raise RecountError(
            f"Set the place and time of {county_recount.county}'s count first: the candidates and the parties are "
            "told them in writing before the count."
        )


def _start_counting(county_recount: CountyRecount, *, by: AbstractBaseUser, to: CountyRecountStatus) -> None:
    if county_recount.status != to:
        _county_move(county_recount, to)
    request = _locked(county_recount.request)
    county_recount.request = request
    if request.status == RequestStatus.ORDERED:
        case_move(
            request=request, to=RequestStatus.COUNTING, by=by, reason=f"Counting began in {county_recount.county}"
        )


def _save_worksheet(county_recount: CountyRecount, *, by: AbstractBaseUser, reason: str) -> None:
    county_recount.version += 1
    save_with_history(county_recount, by=by, reason=_reason(reason))


def _editable(county_recount: CountyRecount) -> None:
    if county_recount.status in {CountyRecountStatus.SUBMITTED, CountyRecountStatus.APPROVED}:
        raise RecountError(
            f"{county_recount.county}'s worksheet is {county_recount.get_status_display().lower()}; only the "
            "superintendent can reopen it."
        )


def scanner_test_record(
    *,
    county_recount: CountyRecount,
    by: AbstractBaseUser,
    version: int,
    scanner: str,
    machine_marked: int,
    hand_marked: int,
    precincts: int,
    hand_count: int,
    machine_count: int,
    now: datetime.datetime | None = None,
) -> ScannerTest:
    """Record a scanner's test deck. When every scanner tested has failed, the worksheet switches to a
    hand count (and back, should a scanner pass later)."""
    now = now or timezone.now()
    scanner = " ".join(scanner.split())
    if not scanner:
        raise RecountError("Name the scanner (its serial number or label).")
    try:
        deck = rules.scanner_deck(
            machine_marked=machine_marked,
            hand_marked=hand_marked,
            precincts=precincts,
            hand_count=hand_count,
            machine_count=machine_count,
        )
    except ValueError as error:
        raise RecountError(str(error)) from None
    with transaction.atomic():
        county_recount = _locked_county(county_recount, by)
        _check_version(county_recount, version)
        _editable(county_recount)
        _noticed(county_recount)
        if county_recount.scanner_tests.filter(scanner=scanner).exists():
            raise RecountError(f"Scanner {scanner} is already tested on this worksheet.")
        test = ScannerTest(
            county_recount=county_recount,
            scanner=scanner,
            machine_marked=machine_marked,
            hand_marked=hand_marked,
            precincts=precincts,
            hand_count=hand_count,
            machine_count=machine_count,
            passed=deck.passed,
            tested_at=now,
        )
        save_with_history(
            test, by=by, reason=_reason("Passed" if deck.passed else "Failed: " + "; ".join(deck.problems))
        )
        if county_recount.status == CountyRecountStatus.ORDERED:
            _county_move(county_recount, CountyRecountStatus.SCANNER_TESTING)
        county_recount.hand_count = not county_recount.scanner_tests.filter(passed=True).exists()
        _save_worksheet(
            county_recount,
            by=by,
            reason=f"Scanner {scanner} tested: {'passed' if deck.passed else 'failed'}"
            + ("; no scanner passed: the ballots are counted by hand" if county_recount.hand_count else ""),
        )
    return test


@dataclass(frozen=True)
class TallyEntry:
    """A recounted figure entered on a worksheet line, and why it differs from the original."""

    recounted: int | None
    reason: DiscrepancyReason | str = ""
    note: str = ""


@dataclass(frozen=True)
class LateBallots:
    """Ballots counted for the first time: provisional ballots adjudicated since, or military and
    overseas ballots that arrived in time."""

    candidate: Candidate
    line: TallyLine
    votes: int


LATE_LINE_TYPES = {
    TallyLine.PROVISIONAL_ADJUDICATED: VoteType.PROVISIONAL,
    TallyLine.UOCAVA_ARRIVED: VoteType.MILITARY_OVERSEAS,
}


def worksheet_save(
    *,
    county_recount: CountyRecount,
    by: AbstractBaseUser,
    version: int,
    entries: Mapping[int, TallyEntry],
    late_ballots: Sequence[LateBallots] = (),
    tabulator_tapes: Mapping[int, int] | None = None,
) -> CountyRecount:
    """Save the figures entered on the worksheet (by tally id), the late ballots' lines and the
    tabulator tapes' totals (by candidate id). A figure that differs from the original needs a reason
    (and "other" a note). Refused, with nothing saved, when someone saved the worksheet since
    `version` was read."""
    with transaction.atomic():
        county_recount = _locked_county(county_recount, by)
        _check_version(county_recount, version)
        _editable(county_recount)
        _noticed(county_recount)
        tallies = {tally.pk: tally for tally in county_recount.tallies.select_related("candidate")}
        unknown = set(entries) - set(tallies)
        if unknown:
            raise RecountError("Some lines are not on this worksheet; reload it.")
        changed = []
        for pk, entry in entries.items():
            tally = tallies[pk]
            recounted, reason, note = (
                entry.recounted,
                DiscrepancyReason(entry.reason) if entry.reason else "",
                entry.note.strip(),
            )
            if recounted is not None and recounted < 0:
                raise RecountError(f"{tally}: a count cannot be negative.")
            if recounted is not None and recounted != tally.original and not reason:
                raise RecountError(
                    f"{tally}: {recounted:,} differs from the certified {tally.original:,}; give the reason."
                )
            if reason == DiscrepancyReason.OTHER and not note:
                raise RecountError(f"{tally}: say in the note what the other reason is.")
            if (tally.recounted, tally.reason, tally.note) != (recounted, reason, note):
                tally.recounted, tally.reason, tally.note = recounted, reason, note
                changed.append(tally)
        for tally in changed:
            save_with_history(tally, by=by, reason="Recounted figure entered")
        contest_candidates = set(county_recount.request.contest.candidates.values_list("pk", flat=True))
        for late in late_ballots:
            if late.candidate.pk not in contest_candidates:
                raise RecountError(f"{late.candidate} is not a candidate in this contest.")
            if late.line not in LATE_LINE_TYPES:
                raise RecountError(
                    "Late ballots are provisional ballots adjudicated since, or military and overseas ballots."
                )
            if late.votes < 0:
                raise RecountError(f"{late.candidate}: a count cannot be negative.")
            tally = RecountTally.objects.filter(
                county_recount=county_recount, candidate=late.candidate, line=late.line
            ).first() or RecountTally(
                county_recount=county_recount,
                candidate=late.candidate,
                vote_type=LATE_LINE_TYPES[late.line],
                line=late.line,
                original=0,
                reason=DiscrepancyReason.LATE_BALLOTS,
            )
            if tally.pk is None or tally.recounted != late.votes:
                tally.recounted = late.votes
                save_with_history(tally, by=by, reason=f"{TallyLine(late.line).label}: {late.votes:,}")
        if tabulator_tapes is not None:
            tapes = {str(pk): int(votes) for pk, votes in tabulator_tapes.items() if votes is not None}
            if any(pk not in {str(c) for c in contest_candidates} for pk in tapes):
                raise RecountError("A tabulator tape total names a candidate not in this contest.")
            if any(votes < 0 for votes in tapes.values()):
                raise RecountError("A tabulator tape total cannot be negative.")
            county_recount.tabulator_tapes = tapes
        _start_counting(county_recount, by=by, to=CountyRecountStatus.COUNTING)
        _save_worksheet(county_recount, by=by, reason="Worksheet saved")
    return county_recount


def worksheet_problems(county_recount: CountyRecount) -> list[str]:
    """What stands between the worksheet and its submission: figures missing, arithmetic that does not
    check against the tabulator tapes."""
    tallies = list(county_recount.tallies.select_related("candidate"))
    problems = [f"{tally}: no recounted figure yet." for tally in tallies if tally.recounted is None]
    if not tallies:
        problems.append("The worksheet has no lines: the county has no returns for this contest.")
    if not county_recount.scanner_tests.exists():
        problems.append("Test at least one scanner with its test deck first (Rule 183-1-15-.03).")
    if county_recount.hand_count:
        return problems
    by_candidate: dict[Candidate, int] = defaultdict(int)
    for tally in tallies:
        if tally.line == TallyLine.RETURNS and tally.recounted is not None:
            by_candidate[tally.candidate] += tally.recounted
    for candidate, recounted in by_candidate.items():
        tape = county_recount.tabulator_tapes.get(str(candidate.pk))
        if tape is None:
            problems.append(f"{candidate}: enter the total on the tabulator tapes.")
        elif tape != recounted:
            problems.append(f"{candidate}: the lines add up to {recounted:,}, the tabulator tapes say {tape:,}.")
    return problems


def worksheet_submit(
    *, county_recount: CountyRecount, by: AbstractBaseUser, version: int, now: datetime.datetime | None = None
) -> CountyRecount:
    """Submit the worksheet for sign-off, once every line is counted and the arithmetic checks."""
    now = now or timezone.now()
    with transaction.atomic():
        county_recount = _locked_county(county_recount, by)
        _check_version(county_recount, version)
        problems = worksheet_problems(county_recount)
        if problems:
            raise RecountError("The worksheet cannot be submitted yet: " + " ".join(problems))
        _county_move(county_recount, CountyRecountStatus.SUBMITTED)
        county_recount.submitted_at, county_recount.submitted_by = now, by
        _save_worksheet(county_recount, by=by, reason="Submitted for sign-off")
    return county_recount


def worksheet_sign_off(
    *,
    county_recount: CountyRecount,
    by: AbstractBaseUser,
    version: int,
    official_name: str,
    official_title: str,
    attested: bool,
    now: datetime.datetime | None = None,
) -> CountyRecount:
    """A named official signs off the submitted worksheet they read (`version`), attesting to it. When
    every county of the case is signed off, the case is counted."""
    now = now or timezone.now()
    official_name = " ".join(official_name.split())
    if not official_name:
        raise RecountError("Name the official who signs off.")
    if not attested:
        raise RecountError("The official must attest that the worksheet is the true result of the recount.")
    with transaction.atomic():
        county_recount = _locked_county(county_recount, by)
        _check_version(county_recount, version)
        request = _locked(county_recount.request)
        county_recount.request = request
        _county_move(county_recount, CountyRecountStatus.APPROVED)
        county_recount.signed_off_at, county_recount.signed_off_by = now, by
        county_recount.official_name, county_recount.official_title = official_name, " ".join(official_title.split())
        _save_worksheet(county_recount, by=by, reason=f"Signed off by {official_name}")
        if _every_county_signed_off(request):
            case_move(request=request, to=RequestStatus.COUNTED, by=by, reason="Every county's recount is signed off")
    return county_recount


def _every_county_signed_off(request: RecountRequest) -> bool:
    expected = (
        set(request.contest.counties.values_list("pk", flat=True))
        if request.route == Route.SECRETARY_OF_STATE
        else _authority_jurisdictions(request)
    )
    signed = set(
        request.county_recounts.filter(status=CountyRecountStatus.APPROVED).values_list("county_id", flat=True)
    )
    return expected <= signed and request.status == RequestStatus.COUNTING


def worksheet_reopen(*, county_recount: CountyRecount, by: AbstractBaseUser, reason: str) -> CountyRecount:
    """The superintendent reopens a submitted or signed-off worksheet, saying why; its figures stay in
    history. A counted case goes back to counting."""
    reason = reason.strip()
    if not reason:
        raise RecountError("Say why the worksheet is reopened.")
    with transaction.atomic():
        county_recount = _locked_county(county_recount, by)
        if not roles.is_superintendent_of(by, county_recount.county_id):
            raise RecountError(f"Only the superintendent of {county_recount.county} can reopen its worksheet.")
        request = _locked(county_recount.request)
        county_recount.request = request
        if request.status not in {RequestStatus.COUNTING, RequestStatus.COUNTED}:
            raise RecountError(f"The case is {request.get_status_display().lower()}; its worksheets are closed.")
        _county_move(county_recount, CountyRecountStatus.COUNTING)
        county_recount.signed_off_at = county_recount.signed_off_by = None
        county_recount.official_name = county_recount.official_title = ""
        _save_worksheet(county_recount, by=by, reason=f"Reopened: {reason}")
        if request.status == RequestStatus.COUNTED:
            case_move(request=request, to=RequestStatus.COUNTING, by=by, reason=f"{county_recount.county} reopened")
    return county_recount


# -- The end: confirmed, or corrected and recertified -----------------------------------------------


def _corrected_figures(county_recount: CountyRecount) -> dict[int, dict[VoteType, int]]:
    """Each candidate's recounted votes in the county by vote type (late ballots in their type)."""
    figures: dict[int, dict[VoteType, int]] = defaultdict(lambda: defaultdict(int))
    for tally in county_recount.tallies.all():
        figures[tally.candidate_id][VoteType(tally.vote_type)] += tally.recounted or 0
    return figures


def _differs(county_recount: CountyRecount) -> bool:
    return any(tally.recounted != tally.original for tally in county_recount.tallies.all())


def _baseline(results: list[Result], reason: str) -> None:
    """Original returns are imported without per-row history (the ImportBatch is their provenance):
    write each line's "+" row as it stood, before its first change, so the history shows both."""
    without = [result for result in results if not result.history.exists()]
    if without:
        Result.history.bulk_history_create(without, default_change_reason=_reason(reason))


def _line_figures(by_type: Mapping[VoteType, int]) -> dict[str, int | None]:
    """A Result's columns for figures by type: broken down when every figure has a type, otherwise
    one total not broken down (a line cannot be both)."""
    if VoteType.UNSPECIFIED in by_type:
        return {"votes": sum(by_type.values())} | dict.fromkeys(Result.TYPE_FIELDS)
    return {"votes": sum(by_type.values())} | {
        vote_type.value: by_type.get(vote_type) for vote_type in broken_down_types()
    }


def returns_correct(*, request: RecountRequest, by: AbstractBaseUser) -> list[Jurisdiction]:
    """Correct the returns of every county whose recount differs; the counties corrected.

    A county's returns given as one county-level line per candidate are corrected on that line. A
    county's returns given by precinct are replaced by one county-level line per candidate with the
    recounted figures (the recount is a county's count, not a precinct's): the precinct lines are
    deleted with history, so they stay on record. Every change names the case.
    """
    reason = _reason(f"Corrected by recount {request.receipt_number}")
    corrected = []
    for county_recount in request.county_recounts.select_related("county").order_by("county__name"):
        if not _differs(county_recount):
            continue
        figures = _corrected_figures(county_recount)
        lines = list(
            Result.objects.filter(candidate__contest=request.contest, county=county_recount.county).order_by("pk")
        )
        _baseline(lines, f"Imported (as certified, before recount {request.receipt_number})")
        by_candidate: dict[int, list[Result]] = defaultdict(list)
        for line in lines:
            by_candidate[line.candidate_id].append(line)
        county_level = all(len(own) == 1 and own[0].precinct == "" for own in by_candidate.values())
        for candidate_id, by_type in figures.items():
            columns = _line_figures(by_type)
            own = by_candidate.get(candidate_id, [])
            if county_level and own:
                (line,) = own
                if any(getattr(line, name) != value for name, value in columns.items()):
                    for name, value in columns.items():
                        setattr(line, name, value)
                    save_with_history(line, by=by, reason=reason)
                continue
            for line in own:
                line._history_user, line._change_reason = by, reason
                line.delete()
            if columns["votes"] or own:
                save_with_history(
                    Result(candidate_id=candidate_id, county=county_recount.county, precinct="", **columns),
                    by=by,
                    reason=reason,
                )
        corrected.append(county_recount.county)
    return corrected


def recertification_note(request: RecountRequest) -> str:
    """The note of the certifications a case records: how its recertifications are told from others'."""
    return f"Recertified after recount {request.receipt_number}"


def _recertify(
    request: RecountRequest, corrected: list[Jurisdiction], *, by: AbstractBaseUser, now: datetime.datetime
) -> list[Certification]:
    election, contest = request.contest.election, request.contest
    note = recertification_note(request)
    scopes: list[Jurisdiction | None] = (
        [contest.superintendent_jurisdiction] if contest.superintendent_jurisdiction_id else list(corrected)
    )
    if request.route == Route.SECRETARY_OF_STATE:
        scopes.append(None)
    try:
        return [
            certification_record(election=election, jurisdiction=scope, certified_at=now, by=by, note=note)
            for scope in scopes
        ]
    except ElectionsError as error:
        raise RecountError(str(error)) from None


def case_finish(
    *, request: RecountRequest, by: AbstractBaseUser, now: datetime.datetime | None = None
) -> RecountRequest:
    """End a counted case. Nothing differs: confirmed. Otherwise the returns are corrected, a new
    certification version is recorded for each county whose returns changed (and statewide on the
    Secretary of State's route), the declared statuses are recomputed, a change of outcome is flagged
    and told to everyone concerned, and the case is recertified."""
    now = now or timezone.now()
    with transaction.atomic():
        request = _locked(request)
        if not may_decide(by, request):
            raise RecountError(
                "Only the authority the request is addressed to (its superintendent) can finish the case."
            )
        if request.status != RequestStatus.COUNTED:
            raise RecountError(
                f"The case is {request.get_status_display().lower()}; it is finished once every county is signed off."
            )
        county_recounts = list(request.county_recounts.prefetch_related("tallies"))
        request.finished_at = now
        contest = request.contest
        returns_before = contest_outcome_from_votes(contest)
        if not any(_differs(county_recount) for county_recount in county_recounts):
            request.finish_declarations = declarations_record(contest, returns_before, returns_before)
            case_move(request=request, to=RequestStatus.CONFIRMED, by=by, reason="The recount confirmed the returns")
            notices.case_finished(request)
            return request
        # Declarations in force that are not what the certified returns declare by Georgia's rule were
        # made by hand (a tie resolved by lot) or under a rule the desk does not model (a city charter's):
        # the recount does not overwrite them.
        from_returns = _declared(contest) == returns_before
        corrected = returns_correct(request=request, by=by)
        _recertify(request, corrected, by=by, now=now)
        returns_after = contest_outcome_from_votes(contest)
        if from_returns:
            contest_declare_from_votes(
                contest=contest, by=by, reason=_reason(f"Declared again after recount {request.receipt_number}")
            )
        request.outcome_changed = returns_after != returns_before
        # Kept declarations that now agree with the corrected returns need no one; others need an official.
        request.declarations_kept = _declared(contest) != returns_after
        request.finish_declarations = declarations_record(contest, returns_before, returns_after)
        reason = "Returns corrected and recertified"
        if request.declarations_kept:
            reason += "; THE DECLARATIONS NEED AN OFFICIAL"
        elif request.outcome_changed:
            reason += "; THE OUTCOME CHANGED"
        case_move(request=request, to=RequestStatus.RECERTIFIED, by=by, reason=reason)
        notices.case_finished(request)
    return request


def declarations_record(contest, returns_before: dict[int, str], returns_after: dict[int, str]) -> dict:
    """What a finished case keeps of the declarations, by candidate name: those in force, and who the
    certified and the corrected returns declare by Georgia's rule (its documents say it as it was)."""
    names = dict(contest.candidates.values_list("pk", "name"))

    def named(statuses: dict[int, str]) -> list[list[str]]:
        return sorted([names[pk], str(status)] for pk, status in statuses.items())

    return {
        "in_force": named(_declared(contest)),
        "returns_before": named(returns_before),
        "returns_after": named(returns_after),
    }


def _declared(contest) -> dict[int, str]:
    return {
        candidate.pk: candidate.declared_status
        for candidate in contest.candidates.exclude(declared_status=DeclaredStatus.NONE)
    }
