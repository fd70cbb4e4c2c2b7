"""Bootstrap's own icons under the site's security policy, and the error pages, in a real browser.

Bootstrap draws a checked box's tick, a select's arrow, an invalid field's mark and the phone menu's
button as SVG images in data: URIs from its stylesheet. A policy that forbade them left boxes blank
when ticked and selects looking like text fields, and logged a violation on every page.
"""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser.accessibility import check_at_each_width, screenshots_in
from tests.browser.signing_in import demo_log_in

pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def test_ticks_arrows_and_the_menu_button_are_drawn_and_nothing_is_refused(page: Page):
    call_command("load_demo", stdout=io.StringIO())
    page.add_init_script(RECORD_VIOLATIONS)
    demo_log_in(page, "sos")

    page.goto("/returns/import/")
    expect(page.get_by_role("heading", name="Import returns", level=1)).to_be_visible()
    box = page.locator("input[type=checkbox]").first
    box.check()
    arrow = page.locator("select").first.evaluate("element => getComputedStyle(element).backgroundImage")
    tick = box.evaluate("element => getComputedStyle(element).backgroundImage")
    page.set_viewport_size({"width": 390, "height": 844})
    menu = page.locator(".navbar-toggler-icon").evaluate("element => getComputedStyle(element).backgroundImage")

    assert all(image.startswith('url("data:image/svg+xml') for image in (arrow, tick, menu)), (arrow, tick, menu)
    assert page.evaluate("window.violations") == []


def test_the_error_pages_pass_axe_at_each_width(page: Page):
    call_command("load_demo", stdout=io.StringIO())
    shots = screenshots_in()
    demo_log_in(page, "dekalb-clerk")

    found = []
    for address, name, heading in (
        ("/dashboard/", "403", "You cannot open this page"),
        ("/no-such-page/", "404", "Page not found"),
    ):
        page.goto(address)
        expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        found += check_at_each_width(page, name, shots)

    assert found == []
