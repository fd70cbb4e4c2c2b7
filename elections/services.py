"""Every write to elections data goes through here: certification and declared statuses."""

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils.timezone import localtime
from simple_history.utils import bulk_update_with_history

from elections.enums import CertificationScope, DeclaredStatus, ElectionKind, JurisdictionKind
from elections.models import Candidate, Certification, Contest, Election, Jurisdiction


class ElectionsError(Exception):
    """A request that cannot be carried out; the message says why, for a person to act on."""


def _winning_status(election: Election) -> DeclaredStatus:
    if election.kind in {ElectionKind.PRIMARY, ElectionKind.PRIMARY_RUNOFF}:
        return DeclaredStatus.NOMINATED
    return DeclaredStatus.ELECTED


def _save_with_history(instance, *, by: AbstractBaseUser | None, reason: str) -> None:
    instance._history_user = by
    instance._change_reason = reason
    instance.save()


@transaction.atomic
def contests_declare_from_votes(
    *, contests: Iterable[Contest], by: AbstractBaseUser | None, reason: str
) -> list[Candidate]:
    """Declare each contest's top `seats` candidates by total votes elected (nominated, in a
    primary); the rest not. One query for every contest's totals, one bulk update with history.

    Write-in aggregate lines are never declared. A tie across the last seat declares only the
    candidates clear of it: a tie is for the officials to resolve, not the software.
    Returns the candidates whose status changed.
    """
    by_contest: dict[int, list[Candidate]] = {}
    totals = (
        Candidate.objects.filter(contest__in=list(contests), write_in_aggregate=False)
        .select_related("contest__election")
        .annotate(total=Sum("results__votes", default=0))
        .order_by("contest_id", "-total", "ballot_order", "name")
    )
    for candidate in totals:
        by_contest.setdefault(candidate.contest_id, []).append(candidate)
    changed = []
    for candidates in by_contest.values():
        contest = candidates[0].contest
        winning = _winning_status(contest.election)
        seats = contest.seats
        if len(candidates) > seats and candidates[seats - 1].total == candidates[seats].total:
            tied = candidates[seats].total
            declared_ids = {c.pk for c in candidates if c.total > tied}
        else:
            declared_ids = {c.pk for c in candidates[:seats]}
        for candidate in candidates:
            status = winning if candidate.pk in declared_ids else DeclaredStatus.NONE
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
    _save_with_history(candidate, by=by, reason=reason)
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


@transaction.atomic
def certification_record(
    *,
    election: Election,
    county: Jurisdiction | None,
    certified_at: datetime.datetime,
    by: AbstractBaseUser | None,
    note: str = "",
) -> Certification:
    """Record a certification of the election's returns: a county's, or statewide when county is None.

    The first is version 1; certifying the same scope again records the next version (a
    recertification). Two simultaneous calls cannot take the same version: the database's unique
    constraint refuses the second, which is then told to try again.
    """
    if certified_at.tzinfo is None:
        raise ElectionsError("The certification time needs a time zone (e.g. 2017-12-11T16:00-05:00).")
    if county is not None and county.kind != JurisdictionKind.COUNTY:
        raise ElectionsError(f"{county} is not a county; certifications are by county or statewide.")
    scope = CertificationScope.STATEWIDE if county is None else CertificationScope.COUNTY
    earlier = Certification.objects.filter(election=election, scope=scope, jurisdiction=county)
    last = earlier.aggregate(last=Max("version"))["last"] or 0
    previous = earlier.filter(version=last).first()
    if previous is not None and certified_at < previous.certified_at:
        raise ElectionsError(
            f"The certification time {localtime(certified_at).isoformat()} is before version {last}'s "
            f"({localtime(previous.certified_at).isoformat()}); a recertification comes after the one it replaces."
        )
    certification = Certification(
        election=election,
        scope=scope,
        jurisdiction=county,
        version=last + 1,
        certified_at=certified_at,
        certified_by=by,
        note=note,
    )
    certification._history_user = by
    certification._change_reason = note or ("Certified" if last == 0 else f"Recertified (version {last + 1})")
    try:
        with transaction.atomic():
            certification.save()
    except IntegrityError:
        raise ElectionsError(
            f"Another certification of {certification} was recorded at the same moment; look at the "
            "certifications and try again if this one is still needed."
        ) from None
    return certification
