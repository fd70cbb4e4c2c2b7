"""The Secretary of State's board in a real browser, on the state of tests/recounts/test_board.py (one
overdue county, one overdue request, one county due today and one request due tomorrow): axe-core finds
nothing at 1280 and 390 px and the page does not scroll sideways; the filters and the pages' links work."""

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from recounts.views import board
from tests.browser.accessibility import check_at_each_width, screenshots_in
from tests.recounts.conftest import (  # noqa: F401 (the fixtures `state` asks for, by name)
    atlanta_runoff,
    clock,
    dekalb_superintendent,
    fulton_superintendent,
    norwood,
    norwood_user,
    sos_user,
)
from tests.recounts.test_board import state  # noqa: F401 (a fixture, asked by name)

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(page: Page, user, base_url: str) -> None:
    """The browser holds the session of a test client signed in as `user` (with its second factor)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}])


def test_the_board_reads_at_each_width_and_its_filters_and_pages_work(page: Page, request, live_server, monkeypatch):
    request.getfixturevalue("state")  # after `page`: the reference data (counties) are loaded by then
    monkeypatch.setattr(board, "COUNTIES_PER_PAGE", 2)
    signed_in(page, request.getfixturevalue("sos_user"), live_server.url)

    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="Recount dashboard", level=1)).to_be_visible()
    found = check_at_each_width(page, "board", screenshots_in())

    page.get_by_label("County’s status").select_option(label="Ordered")
    page.get_by_role("button", name="Show the counties").click()
    expect(page.get_by_text("Counties 1 to 2 of 3")).to_be_visible()
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Counties 3 to 3 of 3")).to_be_visible()
    expect(page.get_by_label("County’s status")).to_have_value("ordered")
    cells = page.locator("table[aria-describedby=board-counties-shown] tbody tr td:first-child")
    expect(cells).to_have_text(["Gwinnett County"])

    page.get_by_label("Election").select_option(label="Atlanta Mayoral Runoff 2017")
    page.get_by_label("Overdue counties only").check()
    page.get_by_role("button", name="Show the counties").click()
    expect(cells).to_have_text(["Fulton County"])
    found += check_at_each_width(page, "board-filtered", screenshots_in())

    page.goto("/dashboard/?election=no-such-election")
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    found += check_at_each_width(page, "board-error", screenshots_in())

    assert found == []
