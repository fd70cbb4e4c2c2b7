"""Who a user is to the recount desk: Secretary of State staff, a superintendent's staff (clerk,
designee or the superintendent), a candidate's account, an administrator.

Plain facts over the user's groups, staff memberships and linked candidacies, each read once per
request and kept on the user object. Whether a person may do something is never decided here:
`recounts.permissions` combines these facts into its rules.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from accounts.enums import StaffRole
from elections.models import Candidate

type User = AbstractBaseUser | AnonymousUser

SECRETARY_OF_STATE_GROUP = "Secretary of State"


def _signed_in(user: User) -> bool:
    return user.is_authenticated and user.is_active


def is_administrator(user: User) -> bool:
    return _signed_in(user) and user.is_superuser


def is_secretary_of_state(user: User) -> bool:
    if not _signed_in(user):
        return False
    cached = getattr(user, "_recount_sos", None)
    if cached is None:
        cached = user._recount_sos = user.groups.filter(name=SECRETARY_OF_STATE_GROUP).exists()
    return cached


def staff_roles(user: User) -> dict[int, StaffRole]:
    """The user's role in each county (or city) whose superintendent's office they work in."""
    if not _signed_in(user):
        return {}
    cached = getattr(user, "_recount_staff_roles", None)
    if cached is None:
        cached = user._recount_staff_roles = {
            jurisdiction: StaffRole(role)
            for jurisdiction, role in user.memberships.values_list("jurisdiction_id", "role")
        }
    return cached


def staff_jurisdiction_ids(user: User) -> frozenset[int]:
    """The counties (or cities) whose superintendent's office the user works in, in any role."""
    return frozenset(staff_roles(user))


def is_staff_of_an_authority(user: User) -> bool:
    """Secretary of State staff, or staff of some superintendent's office."""
    return is_secretary_of_state(user) or bool(staff_roles(user))


def superintendent_jurisdiction_ids(user: User) -> frozenset[int]:
    """The counties (or cities) whose superintendent the user is."""
    return frozenset(place for place, role in staff_roles(user).items() if role == StaffRole.SUPERINTENDENT)


def is_superintendent_of(user: User, jurisdiction_id: int) -> bool:
    """The superintendent of the jurisdiction, not merely their staff."""
    return staff_roles(user).get(jurisdiction_id) == StaffRole.SUPERINTENDENT


def signs_off_for(user: User, jurisdiction_id: int) -> bool:
    """The superintendent of the jurisdiction, or a designee the superintendent named."""
    return staff_roles(user).get(jurisdiction_id) in {StaffRole.SUPERINTENDENT, StaffRole.DESIGNEE}


def candidacy_ids(user: User) -> frozenset[int]:
    """The candidates the account is linked to (kept on the user object: `forget` after linking it)."""
    if not _signed_in(user):
        return frozenset()
    cached = getattr(user, "_recount_candidacies", None)
    if cached is None:
        cached = user._recount_candidacies = frozenset(user.candidacies.values_list("pk", flat=True))
    return cached


def is_candidate_account(user: User, candidate: Candidate) -> bool:
    """An account linked to the candidate."""
    return candidate.pk in candidacy_ids(user)


def has_candidacies(user: User) -> bool:
    return bool(candidacy_ids(user))


def forget(user: User) -> None:
    """Drop what this module kept on the user object (after its memberships or links changed)."""
    for kept in ("_recount_sos", "_recount_staff_roles", "_recount_candidacies"):
        user.__dict__.pop(kept, None)


def needs_second_factor(user: User) -> bool:
    """Who must pass two-factor sign-in: administrators, Secretary of State staff and every
    superintendent's staff. A candidate may choose to."""
    if not _signed_in(user):
        return False
    return user.is_superuser or user.is_staff or is_staff_of_an_authority(user)
