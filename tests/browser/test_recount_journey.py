"""The recount in a real browser, on the demo's rehearsal copy as `make run` loads it, each duty by
its own demo login, and every page of the worksheet read by axe at a desktop's width and a phone's,
none scrolling sideways, none logging an error.

Norwood's request is in. Each county's superintendent orders the recount in their county, after
checking it. In Fulton the superintendent works through the worksheet's steps: types a scanner's
machine count wrong (the test fails, the ballots would be counted by hand) and corrects it; types
the tallies (Bottoms −6, Norwood +5, as in 2017) but forgets one reason, finds it through the error
summary, whose link takes the focus to the input, and saves; reads the late ballots (none), enters
the tapes, checks the figures and submits them; reopens the worksheet after checking, and submits
again; the superintendent's designee signs off after checking. In DeKalb the clerk counts (no
difference) and the superintendent signs off. Each superintendent then records their county's outcome
after checking it: Fulton's returns are corrected and recertified, DeKalb's confirmed, and the case
closes, recertified. Norwood sees the outcome on her request's page.
"""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import ConsoleMessage, Page, expect

from elections.models import Certification, Contest
from recounts.enums import RequestStatus
from recounts.models import RecountRequest
from tests.browser.accessibility import check_at_each_width, screenshots_in
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


class Journey:
    """The browser's page, and what was found wrong on the way: axe's findings, a page that scrolls
    sideways, an error in the console."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.folder = screenshots_in()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.problems.append(f"{self.page.url}: console error: {message.text}")

    def read(self, name: str) -> None:
        """axe and the page's width, at each width, on the page as it is now."""
        self.problems += check_at_each_width(self.page, f"recount-{name}", self.folder)

    def log_out(self) -> None:
        self.page.get_by_role("button", name="Log out").click()


def line(candidate: str) -> str:
    return f"{candidate} — Not broken down by type (Recount of the returns)"


def open_worksheet(page: Page, request: RecountRequest, county: str) -> None:
    page.goto(f"/requests/{request.pk}/")
    page.get_by_role("link", name=f"{county} County", exact=True).click()
    expect(page.get_by_role("heading", name=f"Recount worksheet: {county} County")).to_be_visible()


def order(journey: Journey, request: RecountRequest, county: str) -> None:
    page = journey.page
    demo_log_in(page, OFFICES[county]["superintendent"])
    page.goto(f"/requests/{request.pk}/")
    page.get_by_label("Place of the count").fill(f"{county} County Elections Hub")
    page.get_by_label("The count starts at").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name=f"Order the recount in {county} County").click()
    expect(page.get_by_role("heading", name=f"Check before you order the recount in {county} County")).to_be_visible()
    page.get_by_role("button", name="Confirm and order the recount").click()
    journey.log_out()


def scanner_step(journey: Journey, county: str, *, mistyped: bool) -> None:
    """Step 1: a scanner's test deck; when `mistyped`, its machine count is typed wrong, then corrected."""
    page = journey.page
    page.get_by_role("link", name="Test the scanners").first.click()
    expect(page.get_by_role("heading", name="Test the scanners")).to_be_visible()
    scanner = f"{county}-ICP-01"
    page.get_by_label("Scanner").fill(scanner)
    page.get_by_label("Machine-marked ballots").fill("75")
    page.get_by_label("Hand-marked ballots").fill("25")
    page.get_by_label("Precincts").fill("3")
    page.get_by_label("Hand count").fill("100")
    page.get_by_label("Machine count").fill("10" if mistyped else "100")
    page.get_by_role("button", name="Record the test").click()
    if not mistyped:
        expect(page.get_by_text(f"Scanner {scanner} passed its test deck.")).to_be_visible()
        return
    expect(page.get_by_text(f"Scanner {scanner} failed its test deck.")).to_be_visible()
    journey.read("scanner-tests")
    page.get_by_role("link", name=f"Change scanner {scanner}’s test").click()
    expect(page.get_by_role("heading", name=f"Correct scanner {scanner}’s test")).to_be_visible()
    expect(page.get_by_label("Machine count")).to_have_value("10")
    journey.read("scanner-test-change")
    page.get_by_label("Machine count").fill("100")
    page.get_by_label("Why is the test corrected?").fill("The machine count was typed 10 for 100.")
    page.get_by_role("button", name="Save the corrected test").click()
    expect(page.get_by_text(f"Scanner {scanner}'s test is corrected: it passes its test deck.")).to_be_visible()


def enter_the_tallies(journey: Journey, county: str, *, forget_a_reason: bool) -> None:
    """Step 2: the tallies; when `forget_a_reason`, the first difference goes without its reason, is
    found through the error summary, and is given one."""
    page = journey.page
    page.get_by_role("link", name="Continue to the tallies").click()
    expect(page.get_by_role("heading", name="Enter the tallies")).to_be_visible()
    forgotten = ""
    for candidate, figure in RECOUNTED[county].items():
        page.get_by_label(f"{line(candidate)}: recounted").fill(str(figure))
        if figure == ORIGINAL[county][candidate]:
            continue
        if forget_a_reason and not forgotten:
            forgotten = candidate
            continue
        page.get_by_label(f"{line(candidate)}: reason").select_option(label="Ballot misread by the scanner")
    page.get_by_role("button", name="Save the tallies").click()
    if forgotten:
        summary = page.locator(".error-summary")
        expect(summary).to_be_focused()
        expect(page.get_by_text(re.compile("Your tallies are kept as you typed them"))).to_be_visible()
        difference = RECOUNTED[county][forgotten] - ORIGINAL[county][forgotten]
        row = page.locator("tr.worksheet-line-invalid")
        expect(row).to_have_count(1)
        expect(row.locator(".worksheet-difference")).to_have_text(f"{difference:+d}")
        journey.read("tallies-with-a-problem")
        summary.get_by_role("link", name=re.compile(f"^{re.escape(line(forgotten))}: .* choose the reason")).click()
        reason = page.get_by_label(f"{line(forgotten)}: reason")
        expect(reason).to_be_focused()
        reason.select_option(label="Ballot misread by the scanner")
        page.get_by_role("button", name="Save the tallies").click()
    expect(page.get_by_text(f"{county} County's tallies are saved.")).to_be_visible()


def enter_the_tapes(journey: Journey, county: str) -> None:
    """Steps 3 and 4: no late ballots to enter; each candidate's total on the tapes."""
    page = journey.page
    page.get_by_role("link", name="Enter late ballots").click()
    expect(page.get_by_role("heading", name="Enter late ballots")).to_be_visible()
    if county == "Fulton":
        journey.read("late-ballots")
    page.get_by_role("link", name="Continue to the tabulator tapes").click()
    expect(page.get_by_role("heading", name="Enter the tabulator tapes")).to_be_visible()
    for candidate, figure in RECOUNTED[county].items():
        page.get_by_label(candidate, exact=True).fill(str(figure))
    if county == "Fulton":
        journey.read("tapes")
    page.get_by_role("button", name="Save the tapes").click()
    expect(page.get_by_text(f"{county} County's tabulator tapes are saved.")).to_be_visible()


def check_and_submit(journey: Journey, county: str, *, read: bool) -> None:
    """Step 5: check every figure and its difference, then submit them."""
    page = journey.page
    page.get_by_role("link", name="Check and submit for sign-off").click()
    expect(page.get_by_role("heading", name=f"Check before you submit {county} County’s figures")).to_be_visible()
    if read:
        journey.read("submit")
    page.get_by_role("button", name="Confirm and submit for sign-off").click()
    expect(page.get_by_text(f"{county} County's worksheet is submitted for sign-off.")).to_be_visible()


def count(journey: Journey, request: RecountRequest, county: str) -> None:
    page = journey.page
    demo_log_in(page, OFFICES[county]["counts"])
    open_worksheet(page, request, county)
    fulton = county == "Fulton"
    if fulton:
        journey.read("worksheet")
    scanner_step(journey, county, mistyped=fulton)
    enter_the_tallies(journey, county, forget_a_reason=fulton)
    enter_the_tapes(journey, county)
    check_and_submit(journey, county, read=fulton)
    if fulton:
        # The superintendent, who counted, reopens the worksheet after checking, and submits again.
        page.get_by_label("Why is the worksheet reopened?").fill("A second look at the tapes before sign-off.")
        page.get_by_role("button", name="Reopen").click()
        expect(page.get_by_role("heading", name=f"Check before you reopen {county} County's worksheet")).to_be_visible()
        journey.read("reopen-check")
        page.get_by_role("button", name="Confirm and reopen the worksheet").click()
        expect(page.get_by_text(f"{county} County's worksheet is reopened")).to_be_visible()
        check_and_submit(journey, county, read=False)
    # Whoever entered the figures is not offered the sign-off, and is told why.
    expect(page.get_by_role("button", name="Sign off the worksheet")).to_have_count(0)
    expect(page.locator("#not-now")).to_contain_text(
        re.compile("someone who did not must sign it off|or a designee the superintendent named, signs off")
    )
    journey.log_out()


def sign_off(journey: Journey, request: RecountRequest, county: str) -> None:
    page = journey.page
    demo_log_in(page, OFFICES[county]["signs"])
    open_worksheet(page, request, county)
    expect(
        page.get_by_text(re.compile(r"You sign as .+, (Superintendent|Designee of the superintendent), "))
    ).to_be_visible()
    page.get_by_label(re.compile("I attest that this worksheet")).check()
    page.get_by_role("button", name="Sign off the worksheet").click()
    expect(page.get_by_role("heading", name=f"Check before you sign off {county} County's count")).to_be_visible()
    if county == "Fulton":
        journey.read("sign-off-check")
    page.get_by_role("button", name="Confirm and sign off").click()
    expect(page.get_by_text("Signed off", exact=True).first).to_be_visible()
    journey.log_out()


def record_outcome(journey: Journey, request: RecountRequest, county: str) -> None:
    page = journey.page
    demo_log_in(page, OFFICES[county]["superintendent"])
    open_worksheet(page, request, county)
    page.get_by_label(re.compile("I certify this county's returns")).check()
    corrected = RECOUNTED[county] != ORIGINAL[county]
    page.get_by_role("button", name="Correct and recertify the returns" if corrected else "Confirm the returns").click()
    heading = (
        f"Check before you correct and recertify {county} County's returns"
        if corrected
        else f"Check before you confirm {county} County's returns"
    )
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    journey.read(f"outcome-check-{county.lower()}")
    page.get_by_role(
        "button", name="Confirm and recertify the returns" if corrected else "Confirm and keep the returns as certified"
    ).click()
    journey.log_out()


def test_each_duty_by_its_own_official_the_case_is_recertified_and_norwood_sees_it(page: Page):
    call_command("load_demo", stdout=io.StringIO())
    rehearsal = Contest.objects.get(election__slug__startswith="atlanta-mayor-runoff-2017-rehearsal-")
    request = file_online(rehearsal.candidates.get(name="Mary Norwood"), timezone.now())
    journey = Journey(page)

    for county in ("Fulton", "DeKalb"):
        order(journey, request, county)
    for county in ("Fulton", "DeKalb"):
        count(journey, request, county)
        sign_off(journey, request, county)
    request.refresh_from_db()
    assert request.status == RequestStatus.COUNTED
    for county in ("Fulton", "DeKalb"):
        record_outcome(journey, request, county)

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
    assert journey.problems == []
