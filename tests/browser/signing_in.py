"""Signing in through the real pages, as a person would: the password, then the second factor."""

from collections.abc import Callable

from django_otp.plugins.otp_static.models import StaticToken
from playwright.sync_api import Page

from accounts.two_factor import recovery_code_shown
from recounts.management.commands.load_demo import DEMO_PASSWORD


def demo_log_in(page: Page, username: str, *, at_second_factor: Callable[[], None] | None = None) -> None:
    """A demo login: its password, then for staff one of the recovery codes `load_demo` printed
    (`at_second_factor` is called on the page that asks for it)."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    code = StaticToken.objects.filter(device__user__username=username).values_list("token", flat=True).first()
    if code is not None:
        if at_second_factor is not None:
            at_second_factor()
        page.get_by_label("Code").fill(recovery_code_shown(code))
        page.get_by_role("button", name="Continue").click()
