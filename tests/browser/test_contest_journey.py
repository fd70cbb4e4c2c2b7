import base64
import re

import pytest
from django.core import mail
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.models import StaffMembership
from tests.factories import authenticator_code, build_atlanta_runoff, county, device_code, make_user

# The live server answers from another thread: the data must be committed (the `page` fixture loads
# the counties, groups and rules the migrations would).
pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page: Page) -> None:
    page.goto("/")
    page.get_by_label("Username").fill("fulton")
    page.get_by_label("Password").fill("fulton-password-1")
    page.get_by_role("button", name="Log in").click()


def test_a_superintendent_sets_up_two_factor_sign_in_reads_the_contest_standing_and_logs_out(page: Page):
    build_atlanta_runoff()
    fulton = make_user(
        username="fulton",
        password="fulton-password-1",
        first_name="Fran",
        last_name="Fulton",
        email="fulton@example.test",
    )
    StaffMembership.objects.create(user=fulton, jurisdiction=county("Fulton"), title="Elections director")

    # The first sign-in: the password, then a link by email, then an authenticator app to set up (the
    # test is the app: it reads the key typed under the QR code and computes the code the app would show).
    log_in(page)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    page.get_by_role("button", name="Email me the link").click()
    expect(page.get_by_text("We emailed a link to fulton@example.test")).to_be_visible()
    (email,) = mail.outbox
    page.goto(re.search(r"https?://\S+/account/two-factor/set-up/\S+/", email.body).group(0))
    expect(page.get_by_role("img", name="QR code of the key")).to_be_visible()
    key = base64.b32decode(page.locator("[data-totp-key]").inner_text().replace(" ", "")).hex()
    page.get_by_label("Code from the app").fill(authenticator_code(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="I have kept them: continue").click()
    page.get_by_role("button", name="Log out").click()

    # Every later sign-in: the password, then the code the app shows.
    log_in(page)
    expect(page.get_by_role("heading", name="Two-factor sign-in")).to_be_visible()
    page.get_by_label("Code").fill(device_code(TOTPDevice.objects.get(user=fulton)))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Atlanta Mayoral Runoff 2017").click()
    page.get_by_role("link", name="Mayor").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mayor, City of Atlanta")
    standing = page.locator("dl")
    expect(standing).to_contain_text("832 votes, 0.899% of 92,502")
    expect(standing).to_contain_text("Wednesday, December 13, 2017, 5:00 p.m. EST")
    expect(standing).to_contain_text("2017-12-13 17:00 EST")
    expect(standing).to_contain_text("Superintendent: DeKalb County, Fulton County")
    norwood = page.get_by_role("row").filter(has_text="Mary Norwood").first
    expect(norwood).to_contain_text("eligible")

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.goto("/")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
