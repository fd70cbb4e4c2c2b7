"""The written request in a real browser, on the demo as `make run` loads it.

Norwood logs in, sees the rehearsal copy's open window and its countdown ticking, files a written
request with a signed PDF letter, downloads the receipt; then the Fulton superintendent finds the
request in the inbox. The clock is the real one: the rehearsal copy is certified when the demo is
loaded, so its window is open now.
"""

import io
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from recounts.models import RecountRequest
from tests.browser.signing_in import demo_log_in
from tests.factories import make_pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def test_norwood_files_with_a_letter_and_the_fulton_superintendent_sees_it(page: Page, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    letter = tmp_path / "signed-letter.pdf"
    letter.write_bytes(make_pdf_bytes())

    demo_log_in(page, "norwood")
    expect(page.get_by_role("heading", name="My contests")).to_be_visible()
    rehearsal = page.locator("section.card").filter(has_text="REHEARSAL COPY")
    expect(rehearsal.get_by_text("Open.")).to_be_visible()
    countdown = rehearsal.locator("[data-countdown-seconds]")
    first = countdown.inner_text()
    assert re.fullmatch(r"(\d+ days?, )?(\d+ hours?, )?\d+ minutes?, \d+ seconds?", first), first
    expect(countdown).not_to_have_text(first, timeout=3_000)  # it ticks

    rehearsal.get_by_role("link", name="File a written request").click()
    page.get_by_label("Statement").fill("I ask for a recount of the Atlanta mayoral runoff.")
    page.get_by_label("Signature").fill("Mary Norwood")
    page.get_by_label(re.compile("I am the candidate")).check()
    page.get_by_label("Signed letter (PDF)").set_input_files(str(letter))
    page.get_by_role("button", name="File the written request").click()

    request = RecountRequest.objects.get()
    expect(page.get_by_role("heading", name=f"Request {request.receipt_number}")).to_be_visible()
    assert (request.candidate.name, request.late, request.eligible, request.letter_name) == (
        "Mary Norwood",
        False,
        True,
        "signed-letter.pdf",
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the receipt (PDF)").click()
    receipt = "\n".join(page.extract_text() for page in PdfReader(download.value.path()).pages)
    assert request.receipt_number in receipt
    assert request.letter_sha256 in receipt.replace("\n", "")

    page.get_by_role("button", name="Log out").click()
    demo_log_in(page, "fulton")
    page.get_by_role("link", name="Inbox").click()
    row = page.get_by_role("row").filter(has_text=request.receipt_number)
    expect(row).to_contain_text("Mary Norwood")
    expect(row).to_contain_text("Filed online by the candidate")
