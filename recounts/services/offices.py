"""Changes to a superintendent's office, under the rules of the office (`recounts.permissions`): an
administrator appoints the superintendent, the Secretary of State's staff or an administrator add and
remove staff, the superintendent names designees. The writes are `accounts.services`' (history, and
the notice to the office's superintendent)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from accounts.enums import StaffRole
from accounts.models import StaffMembership
from accounts.services import StaffError, membership_end, membership_save
from recounts.services.cases import RecountError, require


def rule_for(*, before: StaffRole | None, after: StaffRole) -> str:
    """The rule a change of role comes under: appointing (or removing) the superintendent, naming or
    unnaming a designee, or adding staff."""
    if before == after:
        return "manage_staff"
    if StaffRole.SUPERINTENDENT in {before, after}:
        return "appoint_superintendent"
    if StaffRole.DESIGNEE in {before, after}:
        return "name_designee"
    return "manage_staff"


def membership_change(
    *, membership: StaffMembership, by: AbstractBaseUser, reason: str, before: StaffRole | None
) -> StaffMembership:
    """Save a new or changed membership (its role `before` the change: None for a new one). A change of
    an existing membership is checked against the row as it is stored, locked: a change made meanwhile
    (an appointment) is not overwritten by a page read before it."""
    with transaction.atomic():
        if membership.pk is not None:
            stored = StaffMembership.objects.select_for_update().get(pk=membership.pk)
            if stored.role != before:
                raise RecountError(
                    f"{membership.user}'s role changed since you opened the page ({stored.get_role_display()}): "
                    "reload it."
                )
        rule = rule_for(before=before, after=StaffRole(membership.role))
        require(by, rule, membership if rule == "name_designee" else membership.jurisdiction)
        try:
            return membership_save(membership=membership, by=by, reason=reason, before=before)
        except StaffError as error:
            raise RecountError(str(error)) from None


def membership_remove(*, membership: StaffMembership, by: AbstractBaseUser, reason: str) -> None:
    rule = "appoint_superintendent" if membership.role == StaffRole.SUPERINTENDENT else "manage_staff"
    require(by, rule, membership.jurisdiction)
    try:
        membership_end(membership=membership, by=by, reason=reason)
    except StaffError as error:
        raise RecountError(str(error)) from None
