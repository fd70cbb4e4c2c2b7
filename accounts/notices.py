"""What accounts tell people, delivered by whoever registers to deliver it.

A change to how an account signs in is told to its holder, an enrolment link is emailed, and a
change of a county's staff is told to its superintendent. The messages themselves are the recount
desk's notices (`recounts.notices`: a `Notice` row, chained in the audit trail, shown in the app and
emailed). Accounts sit below recounts and cannot import them, so recounts registers its notices here
when it starts (`RecountsConfig.ready`); until something is registered, telling anyone fails loudly.
"""

from typing import Any, Protocol

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured


class Teller(Protocol):
    def sign_in_changed(
        self, *, user: AbstractBaseUser, change: str, by: AbstractBaseUser | None = None, also_to: str = ""
    ) -> list[Any]: ...

    def two_factor_link(self, *, user: AbstractBaseUser, link: str) -> Any: ...

    def staff_changed(
        self, *, jurisdiction: Any, change: str, by: AbstractBaseUser | None, also: list[AbstractBaseUser]
    ) -> list[Any]: ...

    def latest_sign_in_change(self, user: AbstractBaseUser) -> int | None: ...


_teller: Teller | None = None


def register(teller: Teller) -> None:
    global _teller
    _teller = teller


def _registered() -> Teller:
    if _teller is None:
        raise ImproperlyConfigured("No notices are registered with accounts.notices (is the recounts app installed?).")
    return _teller


def sign_in_changed(
    *, user: AbstractBaseUser, change: str, by: AbstractBaseUser | None = None, also_to: str = ""
) -> list[Any]:
    """Tells the account holder that how the account signs in changed (and who changed it, if not
    them); `also_to`: a former email address, told too."""
    return _registered().sign_in_changed(user=user, change=change, by=by, also_to=also_to)


def email_changed(*, user: AbstractBaseUser, old: str, by: AbstractBaseUser) -> list[Any]:
    """A change of the account's email address (where its enrolment links and notices go), told to the
    new address and the old one, so that the holder hears of it even if someone else made it."""
    change = f"The account's email address was changed from {old or '(none)'} to {user.email or '(none)'}"
    return sign_in_changed(user=user, change=change, by=by, also_to=old)


def two_factor_link(*, user: AbstractBaseUser, link: str) -> Any:
    """The one-time link to set up a first second factor."""
    return _registered().two_factor_link(user=user, link=link)


def staff_changed(
    *, jurisdiction: Any, change: str, by: AbstractBaseUser | None, also: list[AbstractBaseUser] = ()
) -> list[Any]:
    """A change of a county's (or city's) staff or superintendent, told to its superintendent and to
    `also` (a superintendent replaced)."""
    return _registered().staff_changed(jurisdiction=jurisdiction, change=change, by=by, also=list(also))


def latest_sign_in_change(user: AbstractBaseUser) -> int | None:
    """An id that changes whenever a change to how the account signs in is told (None before the first)."""
    return _registered().latest_sign_in_change(user)
