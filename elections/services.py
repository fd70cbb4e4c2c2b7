"""Every write to elections data goes through here: certification and declared statuses."""

import datetime
from collections.abc import Iterable, Iterator, Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.timezone import localtime
from simple_history.utils import bulk_update_with_history

from elections.enums import CertificationScope, DeclaredStatus, ElectionKind, JurisdictionKind
from elections.models import Candidate, Certification, Contest, Election, Jurisdiction
from elections.offices import is_presidential

# How far ahead of this server's clock a certification time may be (another office's clock).
CLOCK_SKEW = datetime.timedelta(minutes=5)


class ElectionsError(Exception):
    """A request that cannot be carried out; the message says why, for a person to act on."""


def _winning_status(election: Election) -> DeclaredStatus:
    if election.kind in {ElectionKind.PRIMARY, ElectionKind.PRIMARY_RUNOFF}:
        return DeclaredStatus.NOMINATED
    return DeclaredStatus.ELECTED


#: simple-history's `history_change_reason` column.
HISTORY_REASON_LENGTH = 100


def history_reason(text: str) -> str:
    """A history row's reason: the text, cut to the column with “…” when longer."""
    return text if len(text) <= HISTORY_REASON_LENGTH else text[: HISTORY_REASON_LENGTH - 1] + "…"


def save_with_history(instance, *, by: AbstractBaseUser | None, reason: str) -> None:
    """Save a tracked model with its history row naming who and why."""
    instance._history_user = by
    instance._change_reason = history_reason(reason)
    instance.save()


PLURALITY_KINDS = frozenset({ElectionKind.RUNOFF, ElectionKind.PRIMARY_RUNOFF})


def _clear_of_tie(candidates: list[Candidate], places: int) -> list[Candidate]:
    """The first `places` candidates (by votes, highest first), less any tied across the last place."""
    if len(candidates) > places and candidates[places - 1].total == candidates[places].total:
        return [c for c in candidates if c.total > candidates[places].total]
    return candidates[:places]


def _outcome(contest: Contest, candidates: list[Candidate], total: int) -> dict[int, DeclaredStatus]:
    """Who the returns declare, by Georgia's rule (O.C.G.A. § 21-2-501(a)).

    A single-seat primary, general or special election needs a majority of the votes cast (write-ins
    included); without one, the two highest go to a runoff. A runoff, a contest for several seats,
    and the presidential electors in a general election are won by the most votes. Ties are left for
    the officials to resolve.
    """
    winning = _winning_status(contest.election)
    plurality = contest.election.kind in PLURALITY_KINDS or (
        is_presidential(contest.office) and contest.election.kind == ElectionKind.GENERAL
    )
    if contest.seats > 1 or plurality:
        return {c.pk: winning for c in _clear_of_tie(candidates, contest.seats)}
    if candidates and 2 * candidates[0].total > total:
        return {candidates[0].pk: winning}
    if len(candidates) < 2:  # no votes at all, or a lone candidate outpolled by write-ins
        return {}
    return {c.pk: DeclaredStatus.RUNOFF for c in _clear_of_tie(candidates, 2)}


def _outcomes_from_votes(
    contests: Iterable[Contest], totals: Mapping[int, int] | None = None
) -> Iterator[tuple[list[Candidate], dict[int, DeclaredStatus]]]:
    """Each contest's candidates (write-in totals left out) and who its returns declare (`_outcome`),
    from one query for every contest's totals (or from ``totals``, candidate id → votes, when the
    caller has just written every one of the contests' lines and added them up). Write-in totals
    count in the votes cast."""
    by_contest: dict[int, list[Candidate]] = {}
    candidates = Candidate.objects.filter(contest__in=list(contests)).select_related("contest__election")
    if totals is None:
        candidates = candidates.annotate(total=Sum("results__votes", default=0)).order_by(
            "contest_id", "-total", "ballot_order", "name"
        )
    else:
        candidates = list(candidates)
        for candidate in candidates:
            candidate.total = totals.get(candidate.pk, 0)
        candidates.sort(key=lambda c: (c.contest_id, -c.total, c.ballot_order, c.name))
    for candidate in candidates:
        by_contest.setdefault(candidate.contest_id, []).append(candidate)
    for everyone in by_contest.values():
        candidates = [c for c in everyone if not c.write_in_aggregate]
        yield candidates, _outcome(everyone[0].contest, candidates, sum(c.total for c in everyone))


def contest_outcome_from_votes(contest: Contest) -> dict[int, DeclaredStatus]:
    """Who the contest's returns declare, by candidate id (the others are not declared); writes nothing."""
    return next((outcome for _, outcome in _outcomes_from_votes([contest])), {})


@transaction.atomic
def contests_declare_from_votes(
    *,
    contests: Iterable[Contest],
    by: AbstractBaseUser | None,
    reason: str,
    totals: Mapping[int, int] | None = None,
) -> list[Candidate]:
    """Declare each contest's outcome from its returns (see `_outcome`); the others not declared.

    One query for every contest's totals (none when the importer, which has just written every
    line of these contests, gives ``totals``), one bulk update with history. Write-in aggregate
    lines count in the votes cast but are never declared. Returns the candidates whose status
    changed.
    """
    changed = []
    for candidates, outcome in _outcomes_from_votes(contests, totals):
        for candidate in candidates:
            status = outcome.get(candidate.pk, DeclaredStatus.NONE)
            if candidate.declared_status != status:
                candidate.declared_status = status
                changed.append(candidate)
    bulk_update_with_history(changed, Candidate, ["declared_status"], default_user=by, default_change_reason=reason)
    return changed


def contest_declare_from_votes(*, contest: Contest, by: AbstractBaseUser | None, reason: str) -> list[Candidate]:
    """`contests_declare_from_votes` for one contest."""
    return contests_declare_from_votes(contests=[contest], by=by, reason=reason)


@transaction.atomic
def candidate_declare(
    *, candidate: Candidate, status: DeclaredStatus | str, by: AbstractBaseUser | None, reason: str
) -> Candidate:
    """Set one candidate's declared status (e.g. two candidates to a runoff), with the reason recorded."""
    if not reason.strip():
        raise ElectionsError("Give a reason for the change of declared status; it is kept in the history.")
    if status not in DeclaredStatus.values:
        raise ElectionsError(f"“{status}” is not a declared status; use one of {', '.join(DeclaredStatus.values)}.")
    if candidate.write_in_aggregate and status != DeclaredStatus.NONE:
        raise ElectionsError(f"“{candidate.name}” is a write-in total, not a candidate; it cannot be declared.")
    candidate.declared_status = status
    save_with_history(candidate, by=by, reason=reason)
    return candidate


def county_by_name(name: str, *, state: str = "GA") -> Jurisdiction:
    """Find a county as import files and people write it: any case, with or without “County”."""
    cleaned = " ".join(name.split())
    if cleaned.lower().endswith(" county"):
        cleaned = cleaned[: -len(" county")]
    try:
        return Jurisdiction.objects.get(state=state, kind=JurisdictionKind.COUNTY, name__iexact=cleaned)
    except Jurisdiction.DoesNotExist:
        raise ElectionsError(f"“{name}” is not a {state} county.") from None


def certification_scope(jurisdiction: Jurisdiction | None) -> CertificationScope:
    """What a certification by `jurisdiction` covers (None: the statewide one)."""
    if jurisdiction is None:
        return CertificationScope.STATEWIDE
    if jurisdiction.kind == JurisdictionKind.MUNICIPALITY:
        return CertificationScope.MUNICIPALITY
    return CertificationScope.COUNTY


def certification_check(
    *, election: Election, jurisdiction: Jurisdiction | None, certified_at: datetime.datetime
) -> Certification | None:
    """Refuse a certification that cannot be right; return the version it would follow (or None).

    A certification comes after election day and not in the future; a recertification comes after
    the version it replaces (the same instant again is the same certification, already recorded).
    """
    if certified_at.tzinfo is None:
        raise ElectionsError("The certification time needs a time zone (e.g. 2017-12-11T16:00-05:00).")
    when = localtime(certified_at)
    if when.date() <= election.date:
        raise ElectionsError(
            f"The certification time {when.isoformat()} is not after election day ({election.date:%Y-%m-%d})."
        )
    if certified_at > timezone.now() + CLOCK_SKEW:
        raise ElectionsError(f"The certification time {when.isoformat()} is in the future.")
    previous = (
        Certification.objects.filter(
            election=election, jurisdiction=jurisdiction, scope=certification_scope(jurisdiction)
        )
        .order_by("-version")
        .first()
    )
    if previous is not None and certified_at <= previous.certified_at:
        earlier = localtime(previous.certified_at).isoformat()
        if certified_at == previous.certified_at:
            raise ElectionsError(f"{previous} at {earlier} is already recorded.")
        raise ElectionsError(
            f"The certification time {when.isoformat()} is before version {previous.version}'s ({earlier}); "
            "a recertification comes after the one it replaces."
        )
    return previous


def municipality_by_name(name: str, *, state: str = "GA") -> Jurisdiction:
    """Find a municipality by its name, in any case."""
    cleaned = " ".join(name.split())
    try:
        return Jurisdiction.objects.get(state=state, kind=JurisdictionKind.MUNICIPALITY, name__iexact=cleaned)
    except Jurisdiction.DoesNotExist:
        raise ElectionsError(f"“{name}” is not a {state} municipality known here (add it in the admin).") from None


@transaction.atomic
def certification_record(
    *,
    election: Election,
    jurisdiction: Jurisdiction | None,
    certified_at: datetime.datetime,
    by: AbstractBaseUser | None,
    note: str = "",
) -> Certification:
    """Record a certification of the election's returns: a county's (or a city's that runs its own
    election), or the statewide one when `jurisdiction` is None.

    The first is version 1; certifying the same scope again records the next version (a
    recertification). Two simultaneous calls cannot take the same version: the database's unique
    constraint refuses the second, which is then told to try again.
    """
    previous = certification_check(election=election, jurisdiction=jurisdiction, certified_at=certified_at)
    version = previous.version + 1 if previous is not None else 1
    certification = Certification(
        election=election,
        scope=certification_scope(jurisdiction),
        jurisdiction=jurisdiction,
        version=version,
        certified_at=certified_at,
        certified_by=by,
        note=note,
    )
    certification._history_user = by
    certification._change_reason = note or ("Certified" if version == 1 else f"Recertified (version {version})")
    try:
        with transaction.atomic():
            certification.save()
    except IntegrityError:
        raise ElectionsError(
            f"Another certification of {certification} was recorded at the same moment; look at the "
            "certifications and try again if this one is still needed."
        ) from None
    return certification
