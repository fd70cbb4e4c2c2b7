import re

import pytest
from playwright.sync_api import Page, expect

from elections.models import StaffMembership
from tests.factories import build_atlanta_runoff, county, make_user

# The live server answers from another thread: the data must be committed (the `page` fixture loads
# the counties, groups and rules the migrations would).
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_superintendent_logs_in_reads_the_contest_standing_and_logs_out(page: Page):
    build_atlanta_runoff()
    fulton = make_user(username="fulton", password="fulton-password-1", first_name="Fran", last_name="Fulton")
    StaffMembership.objects.create(user=fulton, jurisdiction=county("Fulton"), title="Superintendent")

    page.goto("/")
    page.get_by_label("Username").fill("fulton")
    page.get_by_label("Password").fill("fulton-password-1")
    page.get_by_role("button", name="Log in").click()
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
