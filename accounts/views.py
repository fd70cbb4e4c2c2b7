"""Signing in: the second factor (an authenticator app or recovery codes) and the password page.

`accounts.middleware` sends a signed-in session here until it passes its second factor; these pages
are reached before that, so each checks where the account stands itself. They show or take secrets:
never cached, and the codes are hidden from error reports.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import notices, roles
from accounts.forms import AuthenticatorForm, SecondFactorForm
from accounts.two_factor import (
    SecondFactorError,
    authenticator_confirm,
    authenticator_key_new,
    enrolment_for,
    enrolment_link_send,
    enrolment_link_valid,
    has_authenticator,
    may_turn_off,
    recovery_code_shown,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_check,
    second_factor_remove,
)

PENDING_KEY = "two_factor_pending_key"
#: The account (pk) whose authenticator this session, having confirmed a current code, may replace.
REPLACING = "two_factor_replacing"
#: The enrolment link's token this session opened: while it is valid for the account, the session may
#: set up a first second factor.
ENROLMENT_OPENED = "two_factor_enrolment_token"


def _next_page(request: HttpRequest) -> str:
    """Where to go once the second factor is passed: the page asked for, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # A path on this site only: anything else (a view's name, a number, another host) is not followed.
    on_this_site = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if target.startswith("/") and on_this_site:
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _second_factor_passed(request: HttpRequest, device) -> None:
    otp_login(request, device)
    # A new session id and CSRF token for the stronger session, as Django's login() does for the password.
    request.session.cycle_key()
    rotate_token(request)


def _may_set_up(request: HttpRequest) -> bool:
    """A session may set up an authenticator once it passed a second factor, or opened the account's
    enrolment link (a password alone never does)."""
    return request.user.is_verified() or enrolment_link_valid(request.user, request.session.get(ENROLMENT_OPENED, ""))


def _recovery_codes_page(request: HttpRequest, codes: list[str], *, next_page: str) -> HttpResponse:
    shown = [recovery_code_shown(code) for code in codes]
    return render(request, "registration/recovery_codes.html", {"codes": shown, "next": next_page})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a recovery code."""
    if request.user.is_verified() or not user_has_device(request.user):
        return redirect(_next_page(request))
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        try:
            device = second_factor_check(user=request.user, code=form.cleaned_data["code"])
        except SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            _second_factor_passed(request, device)
            if isinstance(device, StaticDevice):
                left = recovery_codes_left(request.user)
                messages.warning(
                    request,
                    f"You signed in with a recovery code; {left} left. Each works once: make new ones under "
                    "Account security when you run low.",
                )
            return redirect(_next_page(request))
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": _next_page(request)})


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Adds an authenticator app: shows a new secret (QR code and text), turns it on once the app's
    code matches, and shows the recovery codes once. Without a second factor passed, the account's
    enrolment link must have been opened in this session first."""
    replacing = request.session.get(REPLACING) == request.user.pk and request.user.is_verified()
    if has_authenticator(request.user) and not replacing:
        messages.info(request, "This account already has an authenticator app.")
        return redirect("accounts:two_factor")
    context = {
        "next": _next_page(request),
        "required": roles.needs_second_factor(request.user),
        "replacing": replacing,
    }
    if not _may_set_up(request):
        return render(request, "registration/two_factor_link.html", context | {"email": request.user.email})
    key = request.session.get(PENDING_KEY) or authenticator_key_new()
    request.session[PENDING_KEY] = key
    form = AuthenticatorForm(request.POST or None)
    if form.is_valid():
        try:
            device, codes = authenticator_confirm(
                user=request.user, key=key, code=form.cleaned_data["code"], replacing=replacing
            )
        except SecondFactorError as error:
            form.add_error("code", str(error))
        else:
            for done in (PENDING_KEY, ENROLMENT_OPENED, REPLACING):
                request.session.pop(done, None)
            _second_factor_passed(request, device)
            return _recovery_codes_page(request, codes, next_page=_next_page(request))
    return render(
        request,
        "registration/two_factor_setup.html",
        context | {"form": form, "enrolment": enrolment_for(request.user, key)},
    )


@require_POST
@login_required
def two_factor_link(request: HttpRequest) -> HttpResponse:
    """Emails the account its one-time link to set up a second factor."""
    try:
        enrolment_link_send(
            user=request.user,
            link_for=lambda token: request.build_absolute_uri(reverse("accounts:two_factor_enrol", args=[token])),
        )
    except SecondFactorError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"We emailed a link to {request.user.email}. Open it in this browser, signed in as "
            f"{request.user.get_username()}, within {settings.PASSWORD_RESET_TIMEOUT // 86_400} days.",
        )
    return redirect("accounts:two_factor_setup")


@never_cache
@require_safe
@login_required
def two_factor_enrol(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: lets this session set up the account's first second factor."""
    if enrolment_link_valid(request.user, token):
        request.session[ENROLMENT_OPENED] = token
    else:
        messages.error(
            request,
            "This link has been used or has expired, or it was sent to another account. Ask for a new one.",
        )
    return redirect("accounts:two_factor_setup")


@never_cache
@require_safe
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Where an account stands: its authenticator app, its recovery codes, and the ways to change them."""
    context = {
        "authenticator": has_authenticator(request.user),
        "codes_left": recovery_codes_left(request.user),
        "enrolled": user_has_device(request.user),
        "required": roles.needs_second_factor(request.user),
        "may_turn_off": may_turn_off(request.user),
        "renew_form": SecondFactorForm(auto_id="renew_%s"),
        "replace_form": SecondFactorForm(auto_id="replace_%s"),
        "off_form": SecondFactorForm(auto_id="off_%s"),
    }
    return render(request, "registration/two_factor.html", context)


def _with_a_current_code(request: HttpRequest, action: Callable[..., object]) -> tuple[bool, object]:
    """Runs `action(user=, code=)` with the code posted: (True, what it returned), or on a bad or wrong
    code (False, None), having said why."""
    form = SecondFactorForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["code"][0])
        return False, None
    try:
        return True, action(user=request.user, code=form.cleaned_data["code"])
    except SecondFactorError as error:
        messages.error(request, str(error))
        return False, None


@never_cache
@sensitive_post_parameters("code")
@require_POST
@login_required
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """A new set of recovery codes, confirmed by a current code."""
    done, codes = _with_a_current_code(request, recovery_codes_renew)
    if not done:
        return redirect("accounts:two_factor")
    return _recovery_codes_page(request, codes, next_page=reverse("accounts:two_factor"))


@sensitive_post_parameters("code")
@require_POST
@login_required
def authenticator_replace(request: HttpRequest) -> HttpResponse:
    """A new phone, or a lost one: once a current code confirms it (a recovery code when the phone is
    gone), the setup page takes the new authenticator; the old one works until then."""
    done, _ = _with_a_current_code(request, second_factor_check)
    if not done:
        return redirect("accounts:two_factor")
    request.session[REPLACING] = request.user.pk
    return redirect("accounts:two_factor_setup")


@sensitive_post_parameters("code")
@require_POST
@login_required
def two_factor_off(request: HttpRequest) -> HttpResponse:
    """A candidate turns two-factor sign-in off, confirmed by a current code."""
    done, _ = _with_a_current_code(request, second_factor_remove)
    if done:
        messages.success(request, "Two-factor sign-in is off: your password alone signs you in.")
    return redirect("accounts:two_factor")


class PasswordChange(auth_views.PasswordChangeView):
    """Django's page (it ends the account's other sessions); the account holder is told, by email too,
    so that a password changed by someone else does not go unnoticed."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form) -> HttpResponse:
        with transaction.atomic():
            response = super().form_valid(form)
            notices.sign_in_changed(user=self.request.user, change="Your password was changed")
        return response
