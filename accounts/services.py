"""Who works in a superintendent's office, changed with the rules of the office (`recounts.permissions`
decides who may; these write): an administrator appoints the superintendent; the Secretary of State's
staff or an administrator add and remove staff; the superintendent names designees. Every change is
kept in history with its reason and told to the office's superintendent.

The checks are the callers' (the admin and the office page ask `recounts.permissions`): accounts sit
below recounts and cannot ask its rules themselves.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from accounts import notices
from accounts.enums import StaffRole
from accounts.models import StaffMembership
from accounts.roles import SECRETARY_OF_STATE_GROUP
from elections.models import Jurisdiction
from elections.services import history_reason, save_with_history


class StaffError(Exception):
    """A change of staff that cannot be made; the message says why."""


def _name(user: AbstractBaseUser) -> str:
    return user.get_full_name() or user.get_username()


def office_member_check(user: AbstractBaseUser) -> None:
    """An office's staff are not the Secretary of State's staff, administrators or a candidate's accounts:
    each would then check their own work."""
    if user.is_superuser:
        raise StaffError(f"{_name(user)} is an administrator: an administrator does not work in an office.")
    if user.groups.filter(name=SECRETARY_OF_STATE_GROUP).exists():
        raise StaffError(f"{_name(user)} is on the Secretary of State's staff, which oversees the offices.")
    if user.candidacies.exists():
        raise StaffError(f"{_name(user)} is linked to a candidate: a candidate's account does not work in an office.")


@transaction.atomic
def membership_save(
    *, membership: StaffMembership, by: AbstractBaseUser | None, reason: str, before: StaffRole | None = None
) -> StaffMembership:
    """Save a membership (new, or with a changed title or role) with its history row and tell the
    office's superintendent (the superintendent appointed, when this appoints one, and the one before).
    A superintendent is appointed here: the office's earlier superintendent becomes a designee."""
    if not reason.strip():
        raise StaffError("Give the reason for the change; it is kept in the history with your name.")
    jurisdiction = Jurisdiction.objects.select_for_update().get(pk=membership.jurisdiction_id)
    office_member_check(membership.user)
    previous = None
    if membership.role == StaffRole.SUPERINTENDENT and before != StaffRole.SUPERINTENDENT:
        previous = (
            StaffMembership.objects.filter(jurisdiction=jurisdiction, role=StaffRole.SUPERINTENDENT)
            .exclude(pk=membership.pk)
            .select_related("user")
            .first()
        )
        if previous is not None:
            # Back to staff: designees are the new superintendent's to name.
            previous.role = StaffRole.CLERK
            save_with_history(previous, by=by, reason=f"Superintendent no longer: {reason}")
    try:
        with transaction.atomic():
            save_with_history(membership, by=by, reason=reason)
    except IntegrityError:
        raise StaffError(f"{membership.user} already works in the office of {jurisdiction}.") from None
    role = StaffRole(membership.role).label.lower()
    change = (
        f"{_name(membership.user)} is {role}"
        if before is None
        else f"{_name(membership.user)} is now {role} (was {StaffRole(before).label.lower()})"
    )
    if previous is not None:
        change += f"; {_name(previous.user)} is no longer the superintendent"
    if before is None or before != membership.role:
        # The office's superintendent (as it is now), the member, and a superintendent replaced.
        also = [membership.user] + ([previous.user] if previous is not None else [])
        notices.staff_changed(jurisdiction=jurisdiction, change=change, by=by, also=also)
    return membership


@transaction.atomic
def membership_end(*, membership: StaffMembership, by: AbstractBaseUser | None, reason: str) -> None:
    """Remove someone from the office (kept in history, told to the superintendent)."""
    if not reason.strip():
        raise StaffError("Give the reason for the change; it is kept in the history with your name.")
    jurisdiction, member = membership.jurisdiction, membership.user
    role = StaffRole(membership.role).label.lower()
    membership._history_user, membership._change_reason = by, history_reason(reason)
    membership.delete()
    notices.staff_changed(
        jurisdiction=jurisdiction,
        change=f"{_name(member)} ({role}) no longer works in the office",
        by=by,
        also=[member],
    )
