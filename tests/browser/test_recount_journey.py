"""The recount in a real browser, on the demo's rehearsal copy as `make run` loads it, each duty by
its own demo login.

Norwood's request is in. Each county's superintendent orders the recount in their county. In Fulton
the superintendent tests a scanner and enters the recounted figures (Bottoms −6, Norwood +5, as in
2017), and the superintendent's designee signs off; in DeKalb the clerk counts (no difference) and the
superintendent signs off. Each superintendent then records their county's outcome: Fulton's returns
are corrected and recertified, DeKalb's confirmed, and the case closes, recertified. Norwood sees
the outcome on her request's page.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from elections.models import Certification, Contest
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
#: Who does what in each county: the superintendent orders and records the outcome; one person
#: counts and submits; someone else (the superintendent or their designee) signs off.
OFFICES = {
    "Fulton": {"superintendent": "fulton", "counts": "fulton", "signs": "fulton-designee"},
    "DeKalb": {"superintendent": "dekalb", "counts": "dekalb-clerk", "signs": "dekalb"},
}


def open_worksheet(page: Page, request: RecountRequest, county: str) -> None:
    page.goto(f"/requests/{request.pk}/")
    page.get_by_role("link", name=f"{county} County", exact=True).click()
    expect(page.get_by_role("heading", name=f"Recount worksheet: {county} County")).to_be_visible()


def order(page: Page, request: RecountRequest, county: str) -> None:
    demo_log_in(page, OFFICES[county]["superintendent"])
    page.goto(f"/requests/{request.pk}/")
    page.get_by_label("Place of the count").fill(f"{county} County Elections Hub")
    page.get_by_label("The count starts at").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name=f"Order the recount in {county} County").click()
    page.get_by_role("button", name="Log out").click()


def count(page: Page, request: RecountRequest, county: str) -> None:
    demo_log_in(page, OFFICES[county]["counts"])
    open_worksheet(page, request, county)
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
    # Whoever entered the figures is not offered the sign-off, and is told why.
    expect(page.get_by_role("button", name="Sign off the worksheet")).to_have_count(0)
    expect(page.locator("#not-now")).to_contain_text(
        re.compile("someone who did not must sign it off|or a designee the superintendent named, signs off")
    )
    page.get_by_role("button", name="Log out").click()


def sign_off(page: Page, request: RecountRequest, county: str) -> None:
    demo_log_in(page, OFFICES[county]["signs"])
    open_worksheet(page, request, county)
    expect(
        page.get_by_text(re.compile(r"You sign as .+, (Superintendent|Designee of the superintendent), "))
    ).to_be_visible()
    page.get_by_label(re.compile("I attest that this worksheet")).check()
    page.get_by_role("button", name="Sign off the worksheet").click()
    expect(page.get_by_text("Signed off", exact=True).first).to_be_visible()
    page.get_by_role("button", name="Log out").click()


def record_outcome(page: Page, request: RecountRequest, county: str) -> None:
    demo_log_in(page, OFFICES[county]["superintendent"])
    open_worksheet(page, request, county)
    page.get_by_label(re.compile("I certify this county's returns")).check()
    corrected = RECOUNTED[county] != ORIGINAL[county]
    button = "Correct and recertify the returns" if corrected else "Confirm the returns"
    page.get_by_role("button", name=button).click()
    page.get_by_role("button", name="Log out").click()


def test_each_duty_by_its_own_official_the_case_is_recertified_and_norwood_sees_it(page: Page):
    call_command("load_demo", stdout=io.StringIO())
    rehearsal = Contest.objects.get(election__slug__startswith="atlanta-mayor-runoff-2017-rehearsal-")
    request = file_online(rehearsal.candidates.get(name="Mary Norwood"), timezone.now())

    for county in ("Fulton", "DeKalb"):
        order(page, request, county)
    for county in ("Fulton", "DeKalb"):
        count(page, request, county)
        sign_off(page, request, county)
    request.refresh_from_db()
    assert request.status == RequestStatus.COUNTED
    for county in ("Fulton", "DeKalb"):
        record_outcome(page, request, county)

    request.refresh_from_db()
    assert (request.status, request.outcome_changed) == (RequestStatus.RECERTIFIED, False)
    recertified = Certification.objects.get(election=rehearsal.election, version=2)
    assert (recertified.jurisdiction.name, recertified.certified_by.username) == ("Fulton", "fulton")
    demo_log_in(page, "norwood")
    page.goto(f"/requests/{request.pk}/")
    expect(page.get_by_text("Recertified").first).to_be_visible()
    page.get_by_role("link", name="Discrepancy report").click()
    expect(page.get_by_text("46,661").first).to_be_visible()
    expect(page.get_by_text("45,840").first).to_be_visible()
