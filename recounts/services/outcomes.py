"""The end of a recount: each county's outcome, then the case's.

Once every county is signed off (the case is counted), each county's superintendent records their
own county's outcome: confirmed when nothing differs there, otherwise its returns are corrected and
recertified (the next certification version, by that superintendent). On the superintendent's route
the case closes when the last county records its outcome; on the Secretary of State's route the
Secretary of State's staff then recertify the statewide returns and close it. At the close the
declared statuses are recomputed from the corrected returns (unless they were not the returns' own),
a change of outcome is flagged, and everyone concerned is told.
"""

import datetime
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from elections.enums import DeclaredStatus, VoteType
from elections.models import Certification, Contest, Jurisdiction, Result
from elections.services import (
    ElectionsError,
    certification_record,
    contest_declare_from_votes,
    contest_outcome_from_votes,
    history_reason,
    save_with_history,
)
from recounts import anchors, notices
from recounts.enums import CountyRecountStatus, RequestStatus, Route
from recounts.models import CountyRecount, RecountRequest
from recounts.services.cases import RecountError, case_move, require
from recounts.services.decisions import locked_case, locked_county_recount
from recounts.services.worksheets import check_version, expected_counties


def _corrected_figures(county_recount: CountyRecount) -> dict[int, dict[VoteType, int]]:
    """Each candidate's recounted votes in the county by vote type (late ballots in their type)."""
    figures: dict[int, dict[VoteType, int]] = defaultdict(lambda: defaultdict(int))
    for tally in county_recount.tallies.all():
        figures[tally.candidate_id][VoteType(tally.vote_type)] += tally.recounted or 0
    return figures


def differs(county_recount: CountyRecount) -> bool:
    """Whether the county's recount found any figure other than the certified one."""
    return any(tally.recounted != tally.original for tally in county_recount.tallies.all())


def _baseline(results: list[Result], reason: str) -> None:
    """Original returns are imported without per-row history (the ImportBatch is their provenance):
    write each line's "+" row as it stood, before its first change, so the history shows both."""
    without = [result for result in results if not result.history.exists()]
    if without:
        Result.history.bulk_history_create(without, default_change_reason=history_reason(reason))


def _line_figures(by_type: Mapping[VoteType, int]) -> dict[str, int | None]:
    """A Result's columns for figures by type: one total when none of it is broken down; otherwise
    each type on its own column, the part not broken down (returns not broken down, beside the late
    ballots counted on their own types) on ``unspecified``. A type with no figure stays empty."""
    columns: dict[str, int | None] = {"votes": sum(by_type.values())} | dict.fromkeys(Result.TYPE_FIELDS)
    if set(by_type) == {VoteType.UNSPECIFIED}:
        return columns
    return columns | {vote_type.value: votes for vote_type, votes in by_type.items()}


def county_returns_correct(*, county_recount: CountyRecount, by: AbstractBaseUser) -> None:
    """Correct the county's returns to its recount.

    Returns given as one county-level line per candidate are corrected on that line. Returns given by
    precinct are replaced by one county-level line per candidate with the recounted figures (the
    recount is a county's count, not a precinct's): the precinct lines are deleted with history, so
    they stay on record. Ballots counted for the first time are counted in their own vote type
    (provisional ballots in "Provisional", military and overseas ballots in "Military and overseas"),
    never in the part not broken down by type: when the returns were not broken down, the corrected
    line keeps that part beside them. Every change names the case.
    """
    request = county_recount.request
    reason = f"Corrected by recount {request.receipt_number}"
    figures = _corrected_figures(county_recount)
    lines = list(Result.objects.filter(candidate__contest=request.contest, county=county_recount.county).order_by("pk"))
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
            line._history_user, line._change_reason = by, history_reason(reason)
            line.delete()
        if columns["votes"] or own:
            save_with_history(
                Result(candidate_id=candidate_id, county=county_recount.county, precinct="", **columns),
                by=by,
                reason=reason,
            )


def recertification_note(request: RecountRequest) -> str:
    """The note of the certifications a case records: how its recertifications are told from others'."""
    return f"Recertified after recount {request.receipt_number}"


def _recertify(
    request: RecountRequest, jurisdiction: Jurisdiction | None, *, by: AbstractBaseUser, now: datetime.datetime
) -> Certification:
    try:
        certification = certification_record(
            election=request.contest.election,
            jurisdiction=jurisdiction,
            certified_at=now,
            by=by,
            note=recertification_note(request),
        )
    except ElectionsError as error:
        raise RecountError(str(error)) from None
    anchors.anchor(event=f"Recertification of {certification} after recount {request.receipt_number}", now=now)
    return certification


def county_outcome_record(
    *, county_recount: CountyRecount, by: AbstractBaseUser, version: int, now: datetime.datetime | None = None
) -> CountyRecount:
    """The county's superintendent records its outcome, once every county is signed off: confirmed
    when nothing differs in the county; otherwise its returns are corrected and recertified. On the
    superintendent's route the last county's outcome closes the case. `version`: the worksheet the
    superintendent read (refused if it was saved since)."""
    now = now or timezone.now()
    with transaction.atomic():
        county_recount = locked_county_recount(county_recount)
        require(by, "recertify", county_recount)
        check_version(county_recount, version)
        request = county_recount.request
        if not request.finish_declarations:
            # The first county to record: who the returns declare before any correction, and who is declared.
            contest = request.contest
            request.finish_declarations = {
                "returns_before": named_declarations(contest, contest_outcome_from_votes(contest)),
                "in_force_before": named_declarations(contest, _declared(contest)),
            }
            save_with_history(request, by=by, reason=f"{county_recount.county} records its outcome")
        if differs(county_recount):
            county_returns_correct(county_recount=county_recount, by=by)
            certification = _recertify(request, county_recount.county, by=by, now=now)
            case_move(
                subject=county_recount,
                to=CountyRecountStatus.RECERTIFIED,
                by=by,
                reason=f"Returns corrected and recertified (version {certification.version})",
            )
        else:
            case_move(
                subject=county_recount,
                to=CountyRecountStatus.CONFIRMED,
                by=by,
                reason="The recount confirmed the returns",
            )
        if request.route == Route.SUPERINTENDENT and _every_county_recorded(request):
            _close(request, by=by, now=now)
            anchors.anchor(event=f"Request {request.receipt_number} finished: {request.get_status_display()}", now=now)
    return county_recount


def _every_county_recorded(request: RecountRequest) -> bool:
    recorded = {CountyRecountStatus.CONFIRMED, CountyRecountStatus.RECERTIFIED}
    done = set(request.county_recounts.filter(status__in=recorded).values_list("county_id", flat=True))
    return expected_counties(request) <= done


def case_finish(
    *, request: RecountRequest, by: AbstractBaseUser, now: datetime.datetime | None = None
) -> RecountRequest:
    """The Secretary of State's staff close a counted case on their route, once every county has
    recorded its outcome: the statewide returns are recertified when any county's were corrected."""
    now = now or timezone.now()
    with transaction.atomic():
        request = locked_case(request)
        require(by, "finish", request)
        if request.county_recounts.filter(status=CountyRecountStatus.RECERTIFIED).exists():
            _recertify(request, None, by=by, now=now)
        _close(request, by=by, now=now)
        anchors.anchor(event=f"Request {request.receipt_number} finished: {request.get_status_display()}", now=now)
    return request


def _close(request: RecountRequest, *, by: AbstractBaseUser, now: datetime.datetime) -> None:
    """Confirmed when no county's returns changed; otherwise recertified, with the declared statuses
    recomputed from the corrected returns (unless they were not the returns' own: made by hand, a tie
    resolved by lot, or under a rule the desk does not model), a change of outcome flagged."""
    contest = request.contest
    request.finished_at = now
    # Kept by the first county to record its outcome, before any correction (every case closes after one).
    returns_before = request.finish_declarations["returns_before"]
    in_force_before = request.finish_declarations["in_force_before"]
    if not request.county_recounts.filter(status=CountyRecountStatus.RECERTIFIED).exists():
        request.finish_declarations = declarations_record(contest, returns_before, returns_before)
        case_move(subject=request, to=RequestStatus.CONFIRMED, by=by, reason="The recount confirmed the returns")
        notices.case_finished(request)
        return
    returns_after_by_pk = contest_outcome_from_votes(contest)
    if in_force_before == returns_before:
        contest_declare_from_votes(
            contest=contest, by=by, reason=f"Declared again after recount {request.receipt_number}"
        )
    returns_after = named_declarations(contest, returns_after_by_pk)
    request.outcome_changed = returns_after != returns_before
    # Kept declarations that now agree with the corrected returns need no one; others need an official.
    request.declarations_kept = named_declarations(contest, _declared(contest)) != returns_after
    request.finish_declarations = declarations_record(contest, returns_before, returns_after)
    reason = "Returns corrected and recertified"
    if request.declarations_kept:
        reason += "; THE DECLARATIONS NEED AN OFFICIAL"
    elif request.outcome_changed:
        reason += "; THE OUTCOME CHANGED"
    case_move(subject=request, to=RequestStatus.RECERTIFIED, by=by, reason=reason)
    notices.case_finished(request)


def named_declarations(contest: Contest, statuses: Mapping[int, str]) -> list[list[str]]:
    """Declarations by candidate name, sorted: `[[name, status], …]`."""
    names = dict(contest.candidates.values_list("pk", "name"))
    return sorted([names[pk], str(status)] for pk, status in statuses.items())


def declarations_record(contest: Contest, returns_before: list[list[str]], returns_after: list[list[str]]) -> dict:
    """What a finished case keeps of the declarations, by candidate name: those in force, and who the
    certified and the corrected returns declare by Georgia's rule (its documents say it as it was)."""
    return {
        "in_force": named_declarations(contest, _declared(contest)),
        "returns_before": returns_before,
        "returns_after": returns_after,
    }


def _declared(contest: Contest) -> dict[int, str]:
    return {
        candidate.pk: candidate.declared_status
        for candidate in contest.candidates.exclude(declared_status=DeclaredStatus.NONE)
    }


@dataclass(frozen=True, slots=True)
class FinishPreview:
    """What closing a counted case will do, read before anyone confirms it (writes nothing).

    `declared_before`: who the certified returns declared, as the first county to record its outcome
    kept it; `declared_after`: who the returns as they now stand declare. Both by candidate name, with
    the status in words. `kept_by_hand`: the declarations in force were not the returns' own, so
    they are left as they are and need an official."""

    recertify: bool
    declared_before: tuple[tuple[str, str], ...]
    declared_after: tuple[tuple[str, str], ...]
    kept_by_hand: bool

    @property
    def outcome_changes(self) -> bool:
        return self.recertify and self.declared_before != self.declared_after


def _in_words(named: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, DeclaredStatus(status).label) for name, status in named)


def case_finish_preview(request: RecountRequest) -> FinishPreview:
    """What `case_finish` would do to the case now (see `_close`)."""
    contest = request.contest
    before = request.finish_declarations.get("returns_before", [])
    recertify = request.county_recounts.filter(status=CountyRecountStatus.RECERTIFIED).exists()
    after = named_declarations(contest, contest_outcome_from_votes(contest)) if recertify else before
    return FinishPreview(
        recertify=recertify,
        declared_before=_in_words(before),
        declared_after=_in_words(after),
        kept_by_hand=recertify and request.finish_declarations.get("in_force_before", before) != before,
    )
