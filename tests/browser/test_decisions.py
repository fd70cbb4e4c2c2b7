"""Deciding and withdrawing in a real browser, on the demo's rehearsal copy: the error summary takes the
focus and links to the field in error, no statutory reason is chosen for the superintendent, and each
decision goes through its check page (with "Change your answers") before it is made.
"""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from elections.models import Contest
from recounts.enums import DenialReason, RequestStatus
from recounts.models import RecountRequest
from tests.browser.accessibility import check_at_each_width, screenshots_in
from tests.browser.signing_in import demo_log_in
from tests.factories import file_online

pytestmark = pytest.mark.django_db(transaction=True)


def filed_by_norwood() -> RecountRequest:
    call_command("load_demo", stdout=io.StringIO())
    rehearsal = Contest.objects.get(election__slug__startswith="atlanta-mayor-runoff-2017-rehearsal-")
    return file_online(rehearsal.candidates.get(name="Mary Norwood"), timezone.now())


def test_a_denial_is_found_wanting_through_the_error_summary_then_checked_changed_and_made(page: Page):
    request = filed_by_norwood()
    shots, found = screenshots_in(), []
    demo_log_in(page, "fulton")
    page.goto(f"/requests/{request.pk}/")
    reasons = page.get_by_role("group", name="Statutory reason").get_by_role("radio")
    expect(reasons).to_have_count(len(DenialReason.choices))
    for index in range(len(DenialReason.choices)):
        expect(reasons.nth(index)).not_to_be_checked()

    page.get_by_role("button", name="Deny the request").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(page).to_have_title("Error: Request " + request.receipt_number + " · Recount Desk")
    found += check_at_each_width(page, "deny-errors", shots)
    summary.get_by_role("link", name="Choose the statutory reason the request is denied for.").click()
    expect(reasons.first).to_be_focused()

    page.get_by_label("Not made in writing").check()
    page.get_by_label("Ruling").last.fill("The request came by telephone.")
    page.get_by_role("button", name="Deny the request").click()
    expect(page.get_by_role("heading", name="Check before you deny the request")).to_be_visible()
    expect(page.get_by_text("Not made in writing")).to_be_visible()
    found += check_at_each_width(page, "deny-check", shots)
    page.get_by_role("button", name="Change your answers").click()
    expect(page.get_by_label("Not made in writing")).to_be_checked()
    page.get_by_label("Not eligible on the certified returns").check()
    page.get_by_role("button", name="Deny the request").click()
    expect(page.get_by_text("Not eligible on the certified returns")).to_be_visible()
    page.get_by_role("button", name="Confirm and deny the request").click()

    expect(page.get_by_text(f"Request {request.receipt_number} is denied")).to_be_visible()
    request.refresh_from_db()
    assert (request.status, request.denial_reason, request.ruling) == (
        RequestStatus.DENIED,
        DenialReason.NOT_ELIGIBLE,
        "The request came by telephone.",
    )
    assert found == []


def test_a_withdrawal_is_signed_checked_and_made(page: Page):
    request = filed_by_norwood()
    shots = screenshots_in()
    demo_log_in(page, "norwood")
    page.goto(f"/requests/{request.pk}/")

    section = page.locator("#withdraw")
    section.get_by_label("Signature").fill("Mary Norwood")
    expect(section.get_by_label("Signed by")).to_have_value("candidate")
    section.get_by_role("checkbox").check()
    section.get_by_role("button", name="Withdraw the request").click()
    expect(page.get_by_role("heading", name="Check before you withdraw the request")).to_be_visible()
    found = check_at_each_width(page, "withdraw-check", shots)
    request.refresh_from_db()
    assert request.status == RequestStatus.FILED
    page.get_by_role("button", name="Confirm and withdraw the request").click()

    expect(page.get_by_text(f"Request {request.receipt_number} is withdrawn.")).to_be_visible()
    request.refresh_from_db()
    assert (request.status, found) == (RequestStatus.WITHDRAWN, [])
