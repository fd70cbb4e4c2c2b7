"""Who a user is to the recount desk: Secretary of State staff, a superintendent's staff, a candidate.

Plain predicates over the user's groups, staff memberships and linked candidacies; the pages, the
services and `recounts.queries` ask these rather than checking groups themselves.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from elections.models import SECRETARY_OF_STATE_GROUP, Candidate

type User = AbstractBaseUser | AnonymousUser


def is_secretary_of_state(user: User) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    cached = getattr(user, "_recount_sos", None)
    if cached is None:
        cached = user._recount_sos = user.groups.filter(name=SECRETARY_OF_STATE_GROUP).exists()
    return cached


def staff_jurisdiction_ids(user: User) -> frozenset[int]:
    """The counties (or cities) whose superintendent's office the user works in."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_recount_jurisdictions", None)
    if cached is None:
        cached = user._recount_jurisdictions = frozenset(user.memberships.values_list("jurisdiction_id", flat=True))
    return cached


def is_staff_of_an_authority(user: User) -> bool:
    """Secretary of State staff, or staff of some superintendent's office."""
    return is_secretary_of_state(user) or bool(staff_jurisdiction_ids(user))


def is_candidate_account(user: User, candidate: Candidate) -> bool:
    return user.is_authenticated and user.is_active and candidate.accounts.filter(pk=user.pk).exists()


def superintendent_jurisdiction_ids(user: User) -> frozenset[int]:
    """The counties (or cities) whose superintendent the user is (or the official acting as one)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_recount_superintendent_of", None)
    if cached is None:
        cached = user._recount_superintendent_of = frozenset(
            user.memberships.filter(superintendent=True).values_list("jurisdiction_id", flat=True)
        )
    return cached


def is_superintendent_of(user: User, jurisdiction_id: int) -> bool:
    """The superintendent of the jurisdiction, not merely their staff."""
    return jurisdiction_id in superintendent_jurisdiction_ids(user)


def needs_second_factor(user: User) -> bool:
    """Who must pass two-factor sign-in: administrators, Secretary of State staff and every
    superintendent's staff. A candidate may choose to."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.is_staff or is_staff_of_an_authority(user)
