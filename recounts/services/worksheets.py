"""One county's worksheet, in steps each saved on its own: scanner test decks (correctable until the
tallies are saved), the recounted tallies (kept as a draft, as typed, while a line is wrong), late
ballots, the tabulator tapes; then submission, sign-off by the superintendent or their designee, and
reopening.

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
from recounts.enums import (
    CountyRecountStatus,
    DiscrepancyReason,
    RequestStatus,
    Route,
    TallyLine,
    WorksheetStepStatus,
)
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
    scanner = _scanner_name(scanner)
    deck = _deck(
        machine_marked=machine_marked,
        hand_marked=hand_marked,
        precincts=precincts,
        hand_count=hand_count,
        machine_count=machine_count,
    )
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
        save_with_history(test, by=by, reason=_deck_result(deck))
        county_recount.hand_count = not county_recount.scanner_tests.filter(passed=True).exists()
        reason = f"Scanner {scanner} tested: {'passed' if deck.passed else 'failed'}" + _hand_count_note(county_recount)
        if county_recount.status == CountyRecountStatus.ORDERED:
            case_move(subject=county_recount, to=CountyRecountStatus.SCANNER_TESTING, by=by, reason=reason)
        else:
            _save_worksheet(county_recount, by=by, reason=reason)
    return test


def _scanner_name(scanner: str) -> str:
    scanner = " ".join(scanner.split())
    if not scanner:
        raise RecountError("Name the scanner (its serial number or label).")
    return scanner


def _deck(**counts: int) -> rules.DeckResult:
    try:
        return rules.scanner_deck(**counts)
    except ValueError as error:
        raise RecountError(str(error)) from None


def _deck_result(deck: rules.DeckResult) -> str:
    return "Passed" if deck.passed else "Failed: " + "; ".join(deck.problems)


def _hand_count_note(county_recount: CountyRecount) -> str:
    return "; no scanner passed: the ballots are counted by hand" if county_recount.hand_count else ""


def scanner_test_correct(
    *,
    scanner_test: ScannerTest,
    by: AbstractBaseUser,
    version: int,
    reason: str,
    scanner: str,
    machine_marked: int,
    hand_marked: int,
    precincts: int,
    hand_count: int,
    machine_count: int,
) -> ScannerTest:
    """Correct a scanner test's figures as they should have been typed, saying why, while no tally is
    saved on the worksheet (`recounts.permissions`: "correct_scanner_test"). Its result follows the
    corrected deck, and so does the hand count; the test's earlier figures stay in its history."""
    reason = " ".join(reason.split())
    if not reason:
        raise RecountError("Say why the scanner test is corrected (for example, a figure was mistyped).")
    scanner = _scanner_name(scanner)
    deck = _deck(
        machine_marked=machine_marked,
        hand_marked=hand_marked,
        precincts=precincts,
        hand_count=hand_count,
        machine_count=machine_count,
    )
    with transaction.atomic():
        county_recount = _worksheet(scanner_test.county_recount, by=by, action="correct_scanner_test", version=version)
        test = ScannerTest.objects.select_for_update().get(pk=scanner_test.pk, county_recount=county_recount)
        if county_recount.scanner_tests.filter(scanner=scanner).exclude(pk=test.pk).exists():
            raise RecountError(f"Scanner {scanner} is already tested on this worksheet.")
        was = test.scanner
        test.scanner, test.passed = scanner, deck.passed
        test.machine_marked, test.hand_marked, test.precincts = machine_marked, hand_marked, precincts
        test.hand_count, test.machine_count = hand_count, machine_count
        save_with_history(test, by=by, reason=f"Corrected ({reason}): {_deck_result(deck)}")
        county_recount.hand_count = not county_recount.scanner_tests.filter(passed=True).exists()
        _save_worksheet(
            county_recount,
            by=by,
            reason=f"Scanner {was} test corrected: {reason}; {'passed' if deck.passed else 'failed'}"
            + _hand_count_note(county_recount),
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
    """Ballots counted for the first time: provisional ballots accepted after the count, or military
    and overseas ballots that arrived in time."""

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
    """Save the figures entered on the worksheet (by tally id) and, when given, the tabulator tapes'
    totals (by candidate id); the tallies' draft, if any, is done with. A figure that differs from the
    original needs a reason (and "other" a note). Refused, with nothing saved, when someone saved the
    worksheet since `version` was read."""
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
            county_recount.tabulator_tapes = _tapes(county_recount, tabulator_tapes)
        county_recount.tally_draft = {}
        _figures_saved(county_recount, by=by, reason="Worksheet saved")
    return county_recount


def _tapes(county_recount: CountyRecount, tabulator_tapes: Mapping[int, int | None]) -> dict[str, int]:
    contest_candidates = {str(pk) for pk in county_recount.request.contest.candidates.values_list("pk", flat=True)}
    tapes = {str(pk): int(votes) for pk, votes in tabulator_tapes.items() if votes is not None}
    if set(tapes) - contest_candidates:
        raise RecountError("A tabulator tape total names a candidate not in this contest.")
    if any(votes < 0 for votes in tapes.values()):
        raise RecountError("A tabulator tape total cannot be negative.")
    return tapes


#: What a draft keeps of each line, as typed.
DRAFT_INPUTS = ("recounted", "reason", "note")


def tally_draft_save(
    *, county_recount: CountyRecount, by: AbstractBaseUser, version: int, draft: Mapping[int, Mapping[str, str]]
) -> CountyRecount:
    """Keep the tallies as typed (by tally id: the recounted figure, the reason and the note, as text)
    when some line cannot be saved yet, so that nothing typed is lost: the page shows them again with
    the lines to correct. The saved figures stay as they were until the tallies are saved."""
    with transaction.atomic():
        county_recount = _worksheet(county_recount, by=by, action="enter_figures", version=version)
        lines = set(county_recount.tallies.filter(line=TallyLine.RETURNS).values_list("pk", flat=True))
        if set(draft) - lines:
            raise RecountError("Some lines are not on this worksheet; reload it.")
        county_recount.tally_draft = {
            str(pk): {name: str(typed.get(name, ""))[:1_000] for name in DRAFT_INPUTS} for pk, typed in draft.items()
        }
        _save_worksheet(county_recount, by=by, reason="Tallies kept as typed: some lines need correcting")
    return county_recount


def tapes_save(
    *, county_recount: CountyRecount, by: AbstractBaseUser, version: int, tabulator_tapes: Mapping[int, int | None]
) -> CountyRecount:
    """Save each candidate's total as the tabulator tapes give it (by candidate id; None: not read yet)."""
    with transaction.atomic():
        county_recount = _worksheet(county_recount, by=by, action="enter_figures", version=version)
        county_recount.tabulator_tapes = _tapes(county_recount, tabulator_tapes)
        _figures_saved(county_recount, by=by, reason="Tabulator tapes saved")
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
                    "Late ballots are provisional ballots accepted after the count, or military and overseas "
                    "ballots that arrived in time."
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
    if county_recount.tally_draft:
        problems.append("Some tallies were typed but not saved: correct the lines marked on the tallies and save them.")
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


@dataclass(frozen=True)
class WorksheetStep:
    """A step of the worksheet on its overview: the name of its page's URL, what it is, where it stands."""

    url_name: str
    title: str
    status: WorksheetStepStatus
    hint: str = ""


def worksheet_steps(
    county_recount: CountyRecount,
    *,
    tallies: Sequence[RecountTally],
    scanner_tests: Sequence[ScannerTest],
    candidates: Sequence[Candidate],
    problems: Sequence[str],
) -> list[WorksheetStep]:
    """The worksheet's steps in their order (scanner tests, tallies, late ballots, tapes, submission),
    each with where it stands, from what the page has read already (no query)."""
    status = WorksheetStepStatus
    noticed = bool(county_recount.count_place) and county_recount.count_starts_at is not None
    open_ = county_recount.status in {
        CountyRecountStatus.ORDERED,
        CountyRecountStatus.SCANNER_TESTING,
        CountyRecountStatus.COUNTING,
    }
    waiting = (status.CANNOT_START, "The place and time of the count are set first.")

    passed = sum(test.passed for test in scanner_tests)
    scanners = (
        (status.DONE, f"{len(scanner_tests)} tested, {passed} passed.")
        if scanner_tests
        else waiting
        if not noticed
        else (status.NOT_STARTED, "At least one scanner, before the ballots are counted.")
    )

    returns = [tally for tally in tallies if tally.line == TallyLine.RETURNS]
    entered = sum(tally.recounted is not None for tally in returns)
    if county_recount.tally_draft:
        counted = (status.IN_PROGRESS, "Some lines need correcting; what was typed is kept.")
    elif returns and entered == len(returns):
        counted = (status.DONE, f"Every line counted ({len(returns)}).")
    elif entered:
        counted = (status.IN_PROGRESS, f"{entered} of {len(returns)} lines counted.")
    else:
        counted = waiting if not noticed else (status.NOT_STARTED, "")

    late = [tally for tally in tallies if tally.line != TallyLine.RETURNS]
    if late:
        late_ballots = (status.DONE, f"{len(late)} {'line' if len(late) == 1 else 'lines'} entered.")
    elif not open_:
        late_ballots = (status.DONE, "None entered.")
    else:
        late_ballots = waiting if not noticed else (status.NOT_STARTED, "Only if there are any.")

    taped = sum(str(candidate.pk) in county_recount.tabulator_tapes for candidate in candidates)
    if county_recount.hand_count:
        tapes = (status.NOT_NEEDED, "The ballots are counted by hand.")
    elif candidates and taped == len(candidates):
        tapes = (status.DONE, "")
    elif taped:
        tapes = (status.IN_PROGRESS, f"{taped} of {len(candidates)} candidates entered.")
    else:
        tapes = waiting if not noticed else (status.NOT_STARTED, "")

    if not open_:
        submission = (status.DONE, "")
    elif problems:
        submission = (status.CANNOT_START, "Once every step above is done and the figures add up.")
    else:
        submission = (status.NOT_STARTED, "Check the figures, then submit them for sign-off.")

    return [
        WorksheetStep("recounts:scanner_test", "Test the scanners", *scanners),
        WorksheetStep("recounts:tallies", "Enter the tallies", *counted),
        WorksheetStep("recounts:late_ballots", "Enter late ballots", *late_ballots),
        WorksheetStep("recounts:tapes", "Enter the tabulator tapes", *tapes),
        WorksheetStep("recounts:submit", "Check and submit for sign-off", *submission),
    ]


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
