"""One county's worksheet: scanner test decks, the recounted figures and tabulator tapes, late
ballots, submission, sign-off by the superintendent or their designee, and reopening.

County staff enter figures; the superintendent, or a designee the superintendent named, signs off,
never someone who entered or submitted the figures; the signer is the person signed in
(`recounts.permissions`). Every save raises the worksheet's version: a save made on an older
version than the stored one is refused, never overwritten silently.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.enums import StaffRole
from elections.enums import VoteType
from elections.instants import in_words
from elections.models import Candidate
from elections.services import save_with_history
from recounts import rules
from recounts.enums import CountyRecountStatus, DiscrepancyReason, RequestStatus, Route, TallyLine
from recounts.models import CountyRecount, RecountRequest, RecountTally, ScannerTest
from recounts.services.cases import RecountError, case_move, require
from recounts.services.decisions import locked_county_recount


def check_version(county_recount: CountyRecount, version: int) -> None:
    """Refuse a save made on an older worksheet than the one stored (never overwrite silently)."""
    if county_recount.version != version:
        last = county_recount.history.select_related("history_user").first()
        who = f" by {last.history_user}" if last and last.history_user else ""
        when = f" on {in_words(last.history_date)}," if last else ""
        raise RecountError(
            f"{county_recount.county}'s worksheet was saved{who}{when} after you opened it (version "
            f"{county_recount.version}, yours {version}); nothing of yours was saved. Reload it, check their "
            "figures and enter yours again."
        )


def _worksheet(county_recount: CountyRecount, *, by: AbstractBaseUser, action: str, version: int) -> CountyRecount:
    """The county's part, locked, once the rule allows `action` on it and nobody saved it since `version`."""
    county_recount = locked_county_recount(county_recount)
    require(by, action, county_recount)
    check_version(county_recount, version)
    return county_recount


def _save_worksheet(county_recount: CountyRecount, *, by: AbstractBaseUser, reason: str) -> None:
    county_recount.version += 1
    save_with_history(county_recount, by=by, reason=reason)


def _counting_begins(county_recount: CountyRecount, *, by: AbstractBaseUser) -> None:
    """The first count in a county moves an ordered case to counting."""
    request = county_recount.request
    if request.status == RequestStatus.ORDERED:
        case_move(
            subject=request, to=RequestStatus.COUNTING, by=by, reason=f"Counting began in {county_recount.county}"
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
        county_recount = _worksheet(county_recount, by=by, action="test_scanner", version=version)
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
        save_with_history(test, by=by, reason="Passed" if deck.passed else "Failed: " + "; ".join(deck.problems))
        county_recount.hand_count = not county_recount.scanner_tests.filter(passed=True).exists()
        reason = f"Scanner {scanner} tested: {'passed' if deck.passed else 'failed'}" + (
            "; no scanner passed: the ballots are counted by hand" if county_recount.hand_count else ""
        )
        if county_recount.status == CountyRecountStatus.ORDERED:
            case_move(subject=county_recount, to=CountyRecountStatus.SCANNER_TESTING, by=by, reason=reason)
        else:
            _save_worksheet(county_recount, by=by, reason=reason)
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


def _figures_saved(county_recount: CountyRecount, *, by: AbstractBaseUser, reason: str) -> None:
    """Save the worksheet after figures were entered: it is counting now, and so is its case."""
    if county_recount.status == CountyRecountStatus.COUNTING:
        _save_worksheet(county_recount, by=by, reason=reason)
    else:
        case_move(subject=county_recount, to=CountyRecountStatus.COUNTING, by=by, reason=reason)
    _counting_begins(county_recount, by=by)


def worksheet_save(
    *,
    county_recount: CountyRecount,
    by: AbstractBaseUser,
    version: int,
    entries: Mapping[int, TallyEntry],
    tabulator_tapes: Mapping[int, int | None] | None = None,
) -> CountyRecount:
    """Save the figures entered on the worksheet (by tally id) and the tabulator tapes' totals (by
    candidate id). A figure that differs from the original needs a reason (and "other" a note).
    Refused, with nothing saved, when someone saved the worksheet since `version` was read."""
    with transaction.atomic():
        county_recount = _worksheet(county_recount, by=by, action="enter_figures", version=version)
        tallies = {tally.pk: tally for tally in county_recount.tallies.select_related("candidate")}
        if set(entries) - set(tallies):
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
        if tabulator_tapes is not None:
            contest_candidates = {
                str(pk) for pk in county_recount.request.contest.candidates.values_list("pk", flat=True)
            }
            tapes = {str(pk): int(votes) for pk, votes in tabulator_tapes.items() if votes is not None}
            if set(tapes) - contest_candidates:
                raise RecountError("A tabulator tape total names a candidate not in this contest.")
            if any(votes < 0 for votes in tapes.values()):
                raise RecountError("A tabulator tape total cannot be negative.")
            county_recount.tabulator_tapes = tapes
        _figures_saved(county_recount, by=by, reason="Worksheet saved")
    return county_recount


def late_ballots_enter(
    *, county_recount: CountyRecount, by: AbstractBaseUser, version: int, late_ballots: Sequence[LateBallots]
) -> CountyRecount:
    """Enter ballots counted for the first time on lines of their own; entering a line again replaces
    its figure."""
    with transaction.atomic():
        county_recount = _worksheet(county_recount, by=by, action="enter_late_ballots", version=version)
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
        _figures_saved(county_recount, by=by, reason="Late ballots entered")
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
        county_recount = _worksheet(county_recount, by=by, action="submit", version=version)
        problems = worksheet_problems(county_recount)
        if problems:
            raise RecountError("The worksheet cannot be submitted yet: " + " ".join(problems))
        county_recount.submitted_at, county_recount.submitted_by = now, by
        case_move(subject=county_recount, to=CountyRecountStatus.SUBMITTED, by=by, reason="Submitted for sign-off")
    return county_recount


def signing_title(user: AbstractBaseUser, county_recount: CountyRecount) -> str:
    """In what capacity the user signs off the county's worksheet."""
    if roles.staff_roles(user).get(county_recount.county_id) == StaffRole.SUPERINTENDENT:
        return f"Superintendent, {county_recount.county}"
    return f"Designee of the superintendent, {county_recount.county}"


SIGNED_OFF = frozenset({CountyRecountStatus.APPROVED, CountyRecountStatus.CONFIRMED, CountyRecountStatus.RECERTIFIED})


def worksheet_sign_off(
    *,
    county_recount: CountyRecount,
    by: AbstractBaseUser,
    version: int,
    attested: bool,
    now: datetime.datetime | None = None,
) -> CountyRecount:
    """The superintendent, or their designee, signs off the submitted worksheet they read (`version`),
    attesting to it, under their own name. When every county of the case is signed off, the case is
    counted."""
    now = now or timezone.now()
    if not attested:
        raise RecountError("Attest that the worksheet is the true result of the recount to sign it off.")
    with transaction.atomic():
        county_recount = _worksheet(county_recount, by=by, action="sign_off", version=version)
        county_recount.signed_off_at, county_recount.signed_off_by = now, by
        county_recount.official_name = " ".join(by.get_full_name().split())
        county_recount.official_title = signing_title(by, county_recount)
        case_move(
            subject=county_recount,
            to=CountyRecountStatus.APPROVED,
            by=by,
            reason=f"Signed off by {county_recount.official_name}, {county_recount.official_title}",
        )
        request = county_recount.request
        if request.status == RequestStatus.COUNTING and _every_county_signed_off(request):
            case_move(subject=request, to=RequestStatus.COUNTED, by=by, reason="Every county's recount is signed off")
    return county_recount


def expected_counties(request: RecountRequest) -> set[int]:
    """The counties whose recount the case waits for: every county of the contest on the Secretary
    of State's route, each superintendent it is addressed to on the other."""
    if request.route == Route.SECRETARY_OF_STATE:
        return set(request.contest.counties.values_list("pk", flat=True))
    return set(request.authorities.exclude(jurisdiction=None).values_list("jurisdiction_id", flat=True))


def _every_county_signed_off(request: RecountRequest) -> bool:
    signed = set(request.county_recounts.filter(status__in=SIGNED_OFF).values_list("county_id", flat=True))
    return expected_counties(request) <= signed


def worksheet_reopen(*, county_recount: CountyRecount, by: AbstractBaseUser, reason: str) -> CountyRecount:
    """The superintendent reopens a submitted or signed-off worksheet, saying why; its figures stay in
    history. A counted case goes back to counting."""
    reason = reason.strip()
    if not reason:
        raise RecountError("Say why the worksheet is reopened.")
    with transaction.atomic():
        county_recount = locked_county_recount(county_recount)
        require(by, "reopen", county_recount)
        county_recount.signed_off_at = county_recount.signed_off_by = None
        county_recount.official_name = county_recount.official_title = ""
        case_move(subject=county_recount, to=CountyRecountStatus.COUNTING, by=by, reason=f"Reopened: {reason}")
        request = county_recount.request
        if request.status == RequestStatus.COUNTED:
            case_move(subject=request, to=RequestStatus.COUNTING, by=by, reason=f"{county_recount.county} reopened")
    return county_recount
