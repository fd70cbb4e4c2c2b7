"""Linking an account to a candidate, so that the candidate can follow their contests and file online.

Only the authority the contest's requests go to links an account (its superintendent, or the
Secretary of State's staff on the Secretary of State's route; `recounts.permissions`), and only at
the candidate's address of record: entered once by that authority when none is on record, changed
afterwards only in the admin with a reason. The account gets a one-time link to set its password,
and every account already linked to the candidate is told, so that a link nobody expected is seen.
"""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.email_budget import EmailBudgetSpent, link_spend
from elections.models import Candidate
from elections.services import save_with_history
from recounts import notices
from recounts.services.cases import RecountError, require


def email_address(email: str) -> str:
    """An email address as accounts keep it (lower case), or `RecountError`."""
    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise RecountError(f"“{email}” is not an email address.") from None
    return email.lower()


def candidate_link(
    *,
    candidate: Candidate,
    by: AbstractBaseUser,
    link_for: Callable[[AbstractBaseUser], str],
    email: str = "",
) -> AbstractBaseUser:
    """Open (or extend) the account at the candidate's address of record, link it to the candidate and
    email it a one-time link to set a password; tell the candidate's other accounts.

    `email` is needed only while the candidate has no address of record: it becomes the address of
    record. Given when one is on record, it must be that address. An account that already exists is
    linked too, unless it is a staff account. `link_for(user)` builds the absolute link (the view knows
    the host); with Django's password-reset tokens it works once and expires after
    `PASSWORD_RESET_TIMEOUT`. Refused, with nothing linked or sent, once the address or `by` has had
    too many links lately (`accounts.email_budget`).
    """
    with transaction.atomic():
        candidate = (
            Candidate.objects.select_for_update(of=("self",)).select_related("contest__election").get(pk=candidate.pk)
        )
        require(by, "link", candidate)
        on_record = candidate.email.lower()
        given = email_address(email) if email.strip() else ""
        if on_record and given and given != on_record:
            raise RecountError(
                f"Accounts are linked to {candidate} only at the address of record, {candidate.email}. Another "
                "address is recorded in the admin by the Secretary of State's staff, with the reason."
            )
        if not on_record and not given:
            raise RecountError(f"{candidate} has no address of record yet: give the address to record and link.")
        address = on_record or given
        User = get_user_model()
        # By its address only (never by a user name, which anyone keeping accounts may choose).
        found = list(User.objects.filter(email__iexact=address).order_by("pk")[:2])
        if len(found) > 1:
            raise RecountError(f"More than one account has the address {address}; ask an administrator.")
        user = found[0] if found else None
        if user is None:
            if User.objects.filter(username__iexact=address).exists():
                raise RecountError(
                    f"An account named {address} has another address; ask an administrator before linking."
                )
            user = User(username=address, email=address)
            user.set_unusable_password()
            user.save()
        elif user.is_staff or user.is_superuser or roles.is_staff_of_an_authority(user):
            raise RecountError(f"{address} belongs to a staff account; a candidate needs an account of their own.")
        elif not user.is_active:
            raise RecountError(f"The account {user.username} is disabled; ask an administrator.")
        others = list(candidate.accounts.exclude(pk=user.pk).filter(is_active=True).order_by("username"))
        changes = []
        if not on_record:
            candidate.email = address
            changes.append("address of record entered")
        if not candidate.accounts.filter(pk=user.pk).exists():
            candidate.accounts.add(user)
            roles.forget(user)
            changes.append(f"account {user.username} linked")
        if changes:
            save_with_history(candidate, by=by, reason=f"{'; '.join(changes).capitalize()} by {by.get_username()}")
        try:
            link_spend(to=user.email, by=by, now=timezone.now())
        except EmailBudgetSpent as spent:
            raise RecountError(str(spent)) from spent
        notices.candidate_invited(user=user, candidates=[candidate], link=link_for(user), by=by)
        if others and f"account {user.username} linked" in changes:
            notices.account_linked(candidate=candidate, account=user, by=by, recipients=others)
    return user
