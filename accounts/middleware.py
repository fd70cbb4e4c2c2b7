"""Two-factor sign-in, enforced on every page (installed after django-otp's `OTPMiddleware`).

A signed-in session that has not passed its second factor reaches only the pages that let it pass
one, sign-out and security.txt: an account with a second factor is sent to enter a code, a staff
account without one is sent to set one up (through an emailed link). Candidates who did not turn it
on pass through.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django_otp import user_has_device

from accounts import roles

#: Open to every session: signing out, and where to report a vulnerability.
ALWAYS_OPEN = frozenset({"logout", "admin:logout", "security_txt"})
VERIFY = "accounts:two_factor_verify"
#: The setup page, the button that emails the enrolment link, and the link.
SET_UP = frozenset({"accounts:two_factor_setup", "accounts:two_factor_link", "accounts:two_factor_enrol"})


class SecondFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        page = request.resolver_match.view_name
        if user_has_device(user):
            return None if page in ALWAYS_OPEN | {VERIFY} else redirect_to_login(_then(request), VERIFY)
        if roles.needs_second_factor(user) and page not in ALWAYS_OPEN | SET_UP:
            return redirect_to_login(_then(request), "accounts:two_factor_setup")
        return None


def _then(request: HttpRequest) -> str:
    """Where to go on once the second factor is passed: the page asked for, unless it was a POST (a
    form sent before signing in again is not sent a second time; a GET to it would answer 405)."""
    return request.get_full_path() if request.method in ("GET", "HEAD") else resolve_url(settings.LOGIN_REDIRECT_URL)
