"""The recount in a real browser, on the demo's rehearsal copy as `make run` loads it.

Norwood's request is in. The Fulton superintendent orders the recount in Fulton, tests a scanner,
enters the recounted figures (Bottoms −6, Norwood +5, as in 2017), submits and signs off; the DeKalb
superintendent does the same with no difference; Fulton finishes the case, which is recertified;
Norwood sees the outcome on her request's page.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from elections.models import Contest
from recounts.enums import RequestStatus
from recounts.models import RecountRequest
from tests.browser.signing_in import demo_log_in
from tests.factories import file_online

pytestmark = pytest.mark.django_db(transaction=True)

ORIGINAL = {
    "Fulton": {"Keisha Lance Bottoms": 42_887, "Mary Norwood": 40_668},
    "DeKalb": {"Keisha Lance Bottoms": 3_780, "Mary Norwood": 5_167},
}
RECOUNTED = {
    "Fulton": {"Keisha Lance Bottoms": 42_881, "Mary Norwood": 40_673},
    "DeKalb": ORIGINAL["DeKalb"],
}


def recount_county(page: Page, request: RecountRequest, county: str) -> None:
    demo_log_in(page, county.lower())
    page.goto(f"/requests/{request.pk}/")
    page.get_by_label("Place of the count").fill(f"{county} County Elections Hub")
    page.get_by_label("The count starts at").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name=f"Order the recount in {county} County").click()
    page.get_by_role("link", name=f"{county} County", exact=True).click()
    expect(page.get_by_role("heading", name=f"Recount worksheet: {county} County")).to_be_visible()

    page.get_by_label("Scanner").fill(f"{county}-ICP-01")
    page.get_by_label("Machine-marked ballots").fill("75")
    page.get_by_label("Hand-marked ballots").fill("25")
    page.get_by_label("Precincts").fill("3")
    page.get_by_label("Hand count").fill("100")
    page.get_by_label("Machine count").fill("100")
    page.get_by_role("button", name="Record the test").click()

    for candidate, figure in RECOUNTED[county].items():
        line = f"{candidate} — Not broken down by type (Recount of the returns)"
        page.get_by_label(f"{line}: recounted").fill(str(figure))
        if figure != ORIGINAL[county][candidate]:
            page.get_by_label(f"{line}: reason").select_option(label="Ballot misread by the scanner")
        page.get_by_label(f"{candidate}: tapes").fill(str(figure))
    page.get_by_role("button", name="Save the worksheet").click()
    page.get_by_role("button", name="Submit for sign-off").click()

    page.get_by_label("Official's name").fill(f"{county} Superintendent")
    page.get_by_label("Title").fill("Superintendent")
    page.get_by_label(re.compile("I attest that this worksheet")).check()
    page.get_by_role("button", name="Sign off the worksheet").click()
    expect(page.get_by_text("Signed off", exact=True).first).to_be_visible()
    page.get_by_role("button", name="Log out").click()


def test_both_superintendents_recount_the_case_is_recertified_and_norwood_sees_it(page: Page):
    call_command("load_demo", stdout=io.StringIO())
    rehearsal = Contest.objects.get(election__slug__startswith="atlanta-mayor-runoff-2017-rehearsal-")
    request = file_online(rehearsal.candidates.get(name="Mary Norwood"), timezone.now())

    recount_county(page, request, "Fulton")
    recount_county(page, request, "DeKalb")
    demo_log_in(page, "fulton")
    page.goto(f"/requests/{request.pk}/")
    page.get_by_role("button", name="Finish the case").click()

    request.refresh_from_db()
    assert (request.status, request.outcome_changed) == (RequestStatus.RECERTIFIED, False)
    page.get_by_role("button", name="Log out").click()
    demo_log_in(page, "norwood")
    page.goto(f"/requests/{request.pk}/")
    expect(page.get_by_text("Recertified").first).to_be_visible()
    page.get_by_role("link", name="Discrepancy report").click()
    expect(page.get_by_text("46,661").first).to_be_visible()
    expect(page.get_by_text("45,840").first).to_be_visible()
