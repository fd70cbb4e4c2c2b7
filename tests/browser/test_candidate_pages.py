"""The candidate's pages in a real browser, on the demo as `make run` loads it: My contests and the
filing page (as sent back with problems, too) pass axe and fit a 390 px phone without scrolling
sideways; the chart's names are at body size; the problems of the form take the focus."""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.accessibility import check_at_each_width, screenshots_in
from tests.browser.signing_in import demo_log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_my_contests_and_the_filing_page_read_well_at_1280_and_390_px(page: Page):
    call_command("load_demo", stdout=io.StringIO())
    folder = screenshots_in()

    demo_log_in(page, "norwood")
    expect(page.get_by_role("heading", name="My contests")).to_be_visible()
    expect(page.get_by_role("note", name="Rehearsal")).to_contain_text("REHEARSAL")
    problems = check_at_each_width(page, "candidate-my-contests", folder)
    # The chart's names and shares are at the size of the page's text, not scaled down with a drawing.
    body, names = page.evaluate(
        """() => [getComputedStyle(document.body).fontSize,
                  [...document.querySelectorAll('.share-name, .share-value')].map(e => getComputedStyle(e).fontSize)]"""
    )
    assert (body, sorted(set(names))) == ("16px", ["16px"])

    rehearsal = page.locator("section.card").filter(has_text="REHEARSAL COPY")
    rehearsal.get_by_role("link", name="File a written request").click()
    expect(page.get_by_role("heading", name="Written request for a recount")).to_be_visible()
    problems += check_at_each_width(page, "candidate-filing", folder)

    # Sent empty: the desk's checks answer (the form asks the browser not to check it first).
    page.get_by_role("button", name="File the written request").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    assert page.title().startswith("Error: Written request")
    problems += check_at_each_width(page, "candidate-filing-problems", folder)
    summary.get_by_role("link").first.click()
    expect(page.locator("#id_signature")).to_be_focused()

    # Filed: My contests lists the request, its receipt number saying it is a rehearsal's.
    page.locator("#id_signature").fill("Mary Norwood")
    page.get_by_label(re.compile("I am the candidate")).check()
    page.get_by_role("button", name="File the written request").click()
    expect(page.get_by_role("heading", name="Request REHEARSAL-2017-ATL-MAYOR-001")).to_be_visible()
    page.get_by_role("link", name="My contests").first.click()
    expect(page.get_by_role("link", name="REHEARSAL-2017-ATL-MAYOR-001").first).to_be_visible()
    problems += check_at_each_width(page, "candidate-my-contests-filed", folder)

    assert problems == []
