"""Two-factor sign-in on django-otp: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

Staff of the Secretary of State and of every superintendent's office, and administrators, pass a
second factor after their password before any other page (`accounts.middleware`); a candidate may
turn it on. These are its writes and reads; the pages, the admin and `load_demo` call them.

A password alone never sets up a second factor: an account without one gets a one-time link by
email first (`enrolment_link_send`), so that whoever only stole a password cannot enrol their own
phone. A session that has passed its second factor may add or replace an authenticator directly.

django-otp does the cryptography and its safeguards: a code is accepted once (an authenticator's
time step only moves forward), and each wrong code pauses the device for twice as long as the one
before (`OTP_*_THROTTLE_FACTOR` seconds, doubling). The pause is a row on the device, so a wrong
code is committed, never rolled back with the rest of a refused action.
"""

import base64
import re
from collections.abc import Callable
from dataclasses import dataclass

import segno
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.db import transaction
from django.utils import timezone
from django_otp import user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from accounts import notices, roles
from accounts.email_budget import EmailBudgetSpent, link_spend

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
#: What the form accepts: the app's 6 digits, or a recovery code (8 characters of base32, lower case).
AUTHENTICATOR_CODE = re.compile(r"\d{6}")
RECOVERY_CODE = re.compile(r"[a-z2-7]{8}")


class SecondFactorError(Exception):
    """A second-factor step refused, with a message the person can act on."""


# -- Reads -------------------------------------------------------------------------------------------


def has_authenticator(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def may_turn_off(user: AbstractBaseUser) -> bool:
    """Only accounts that need no second factor may give theirs up (candidates)."""
    return user_has_device(user) and not roles.needs_second_factor(user)


def recovery_code_shown(code: str) -> str:
    """A recovery code as people read and type it: “abcd-ef23”."""
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True)
class Enrolment:
    """What the setup page shows for a new authenticator's secret: a QR code, and the key as text."""

    qr_svg: str
    key_text: str


def enrolment_for(user: AbstractBaseUser, key: str) -> Enrolment:
    device = TOTPDevice(user=user, key=key)
    secret = base64.b32encode(device.bin_key).decode()
    return Enrolment(
        qr_svg=segno.make(device.config_url, error="m").svg_inline(scale=5, title="QR code of the key"),
        key_text=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    )


def authenticator_key_new() -> str:
    """A fresh secret for an authenticator being set up (hex, as django-otp stores it)."""
    return default_key()


# -- The enrolment link ------------------------------------------------------------------------------


class EnrolmentTokens(PasswordResetTokenGenerator):
    """Tokens for the enrolment link: Django's password-reset tokens with their own salt. A token stops
    working once the account has a second factor, after any change to how it signs in (each is a
    notice: a password, a second factor set up, turned off or reset), when its email address changes,
    and after `PASSWORD_RESET_TIMEOUT`."""

    # The salt of the module where the tokens were first made: changing it would void every link out.
    key_salt = "recounts.two_factor.EnrolmentTokens"

    def _make_hash_value(self, user: AbstractBaseUser, timestamp: int) -> str:
        last_change = notices.latest_sign_in_change(user)
        return f"{user.pk}{user.password}{user.email}{timestamp}{user_has_device(user)}{last_change}"


enrolment_tokens = EnrolmentTokens()


def enrolment_link_send(*, user: AbstractBaseUser, link_for: Callable[[str], str]) -> object:
    """Emails the account a one-time link to set up its first second factor. `link_for(token)` builds
    the absolute link (the view knows the host). Refused once the address or the account has had too
    many links lately (`accounts.email_budget`)."""
    if user_has_device(user):
        raise SecondFactorError("This account already has a second factor: enter its code instead.")
    if not user.email:
        raise SecondFactorError(
            "This account has no email address to send the link to. Ask an administrator to add one."
        )
    try:
        link_spend(to=user.email, by=user, now=timezone.now())
    except EmailBudgetSpent as spent:
        raise SecondFactorError(str(spent)) from spent
    with transaction.atomic():
        return notices.two_factor_link(user=user, link=link_for(enrolment_tokens.make_token(user)))


def enrolment_link_valid(user: AbstractBaseUser, token: str) -> bool:
    return enrolment_tokens.check_token(user, token)


# -- Writes ------------------------------------------------------------------------------------------


def _user_locked(user: AbstractBaseUser) -> None:
    """Serialises the second-factor writes of one account (two setups at once make one device)."""
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()


def _devices_delete(user: AbstractBaseUser) -> None:
    """Every second factor of the account, their pauses with them."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _recovery_codes_replace(user: AbstractBaseUser) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_CODES_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def authenticator_confirm(
    *, user: AbstractBaseUser, key: str, code: str, replacing: bool = False
) -> tuple[TOTPDevice, list[str]]:
    """Turns on the authenticator whose secret the setup page showed, once the code it shows matches;
    returns it and a fresh set of recovery codes (any earlier ones stop working). `replacing`: the
    account's current authenticator (a lost or old phone) stops working in the same step. The page
    checks that the session may do this (an enrolment link, or a second factor passed)."""
    with transaction.atomic():
        _user_locked(user)
        if has_authenticator(user) and not replacing:
            raise SecondFactorError("This account already has an authenticator app.")
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, key=key, confirmed=False)
        if device.verify_token(code):
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            change = (
                "The authenticator app was replaced; the old one no longer works"
                if replacing
                else "Two-factor sign-in with an authenticator app was turned on"
            )
            notices.sign_in_changed(user=user, change=change)
            return device, _recovery_codes_replace(user)
        # Nothing is kept: the unconfirmed device goes with the transaction.
        transaction.set_rollback(True)
    raise SecondFactorError(
        "That is not the code the app shows for this key. Check that the phone's clock is right, "
        "then enter the code it shows now."
    )


def _throttled_message(device: Device) -> str | None:
    allowed, why = device.verify_is_allowed()
    if allowed:
        return None
    until = (why or {}).get("locked_until")
    when = f"after {timezone.localtime(until):%-I:%M:%S %p}" if until else "in a little while"
    return f"Too many wrong codes: sign-in for this account is paused. Try again {when}."


def _accepting_device(user: AbstractBaseUser, code: str) -> Device | None:
    """Inside the caller's transaction: the device that accepts the code, or None for a wrong code
    (counted against the device: the caller must commit, not roll back). Six digits go to the
    authenticator app, anything else to the recovery codes (a recovery code works once)."""
    app, codes = (
        model.objects.devices_for_user(user, confirmed=True).select_for_update().first()
        for model in (TOTPDevice, StaticDevice)
    )
    # A pause on either device pauses both: a wrong app code is not a free guess at the recovery codes.
    for paused in filter(None, (app, codes)):
        if message := _throttled_message(paused):
            raise SecondFactorError(message)
    by_app = AUTHENTICATOR_CODE.fullmatch(code) is not None
    device = app if by_app else codes
    if device is None and by_app:
        raise SecondFactorError("This account has no authenticator app: enter one of its recovery codes.")
    if device is None:
        raise SecondFactorError("This account has no recovery codes: enter the code from the authenticator app.")
    return device if device.verify_token(code) else None


def _wrong_code(code: str) -> SecondFactorError:
    if AUTHENTICATOR_CODE.fullmatch(code):
        return SecondFactorError(
            "That code is not the one the authenticator app shows now (or it was used already). Enter the current code."
        )
    return SecondFactorError("That is not one of this account's unused recovery codes.")


def second_factor_check(*, user: AbstractBaseUser, code: str) -> Device:
    """The device that accepts the code. A wrong code is counted against the device, and a paused
    device accepts nothing until its pause is over."""
    with transaction.atomic():
        if device := _accepting_device(user, code):
            return device
    raise _wrong_code(code)


def recovery_codes_renew(*, user: AbstractBaseUser, code: str) -> list[str]:
    """A new set of recovery codes, confirmed by a current code; the earlier ones stop working."""
    with transaction.atomic():
        _user_locked(user)
        if _accepting_device(user, code):
            notices.sign_in_changed(user=user, change="New recovery codes were made; the earlier ones no longer work")
            return _recovery_codes_replace(user)
    raise _wrong_code(code)


def second_factor_remove(*, user: AbstractBaseUser, code: str) -> None:
    """Turns two-factor sign-in off for an account that does not need it, confirmed by a current code."""
    if roles.needs_second_factor(user):
        raise SecondFactorError(
            "Staff accounts must keep two-factor sign-in. To replace a lost phone, use “Replace the "
            "authenticator app” with a recovery code, or ask an administrator to reset it."
        )
    with transaction.atomic():
        _user_locked(user)
        if _accepting_device(user, code):
            _devices_delete(user)
            notices.sign_in_changed(user=user, change="Two-factor sign-in was turned off")
            return
    raise _wrong_code(code)


@transaction.atomic
def second_factor_reset(*, user: AbstractBaseUser, by: AbstractBaseUser) -> None:
    """An administrator removes every second factor of an account (a lost phone and lost recovery
    codes), pauses included: a staff account sets up again, through the emailed link, at its next
    sign-in. The account holder is told."""
    _user_locked(user)
    _devices_delete(user)
    notices.sign_in_changed(user=user, change="An administrator reset your two-factor sign-in", by=by)


def demo_recovery_codes(*, user: AbstractBaseUser, shown: int) -> list[str]:
    """For `load_demo` only: the first `shown` unused recovery codes of a demo login, with a new set when
    fewer are left, so that the printed codes always let a newcomer in."""
    with transaction.atomic():
        _user_locked(user)
        codes = list(
            StaticToken.objects.filter(device__user=user, device__confirmed=True)
            .order_by("pk")
            .values_list("token", flat=True)
        )
        if len(codes) < shown:
            codes = _recovery_codes_replace(user)
    return codes[:shown]
