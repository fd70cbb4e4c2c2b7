"""The request's PDF receipt, read back as text: what a candidate or an authority would see on it; and how
every document of the rehearsal copy says so."""

import datetime
import hashlib
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from accounts.models import StaffMembership
from elections.enums import VoteType
from elections.models import Candidate
from recounts.documents import count_notice_pdf, recount_order_pdf, request_receipt_pdf
from recounts.enums import RequestChannel, Signatory
from recounts.models import RecountRequest
from recounts.services.requests import Signature, letter_check, request_file, request_record_received
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    county,
    make_county_recount,
    make_ordered_request,
    make_pdf_bytes,
    make_user,
)

pytestmark = pytest.mark.django_db

DAY_AFTER_CERTIFICATION = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)
MINUTE_AFTER_DEADLINE = datetime.datetime(2017, 12, 13, 17, 1, tzinfo=EASTERN)
LETTER = make_pdf_bytes(pages=2)
FOOTER = "Recount Desk · receipt "
NORWOOD_SIGNS = Signature(name="Mary Norwood")


def norwood_of(contest) -> Candidate:
    candidate = contest.candidates.get(name="Mary Norwood")
    candidate.accounts.add(make_user(username="norwood", email="norwood@example.test"))
    return candidate


def file_online(
    candidate: Candidate,
    at: datetime.datetime,
    *,
    signature: Signature = NORWOOD_SIGNS,
    letter: bytes | None = LETTER,
) -> RecountRequest:
    upload = SimpleUploadedFile("norwood-letter.pdf", letter, content_type="application/pdf") if letter else None
    with time_machine.travel(at, tick=False):
        return request_file(
            candidate=candidate,
            by=candidate.accounts.get(),
            signature=signature,
            statement="I ask for a recount of the votes for Mayor.\nThe margin is 832 votes.",
            letter=letter_check(upload) if upload else None,
        )


def receipt_lines(request: RecountRequest) -> list[str]:
    """The receipt's text, line by line, without the running footer and the audit chain's head
    (`tests/recounts/test_anchors.py`)."""
    reader = PdfReader(io.BytesIO(request_receipt_pdf(request)))
    lines = [line for page in reader.pages for line in page.extract_text().splitlines()]
    return [line for line in lines if not line.startswith((FOOTER, "Audit chain head: "))]


def alert(lines: list[str]) -> str:
    """The warnings between the receipt number and the request, as one paragraph (however it wraps)."""
    return " ".join(lines[3 : lines.index("The request")])


def test_receipt_holds_the_request_the_signature_the_letter_and_the_figures_at_filing():
    request = file_online(norwood_of(build_atlanta_runoff()), DAY_AFTER_CERTIFICATION)

    assert receipt_lines(request) == [
        "RECOUNT DESK",
        "Receipt of a written request for a recount",
        "2017-ATL-MAYOR-001",
        "The request",
        "Candidate Mary Norwood",
        "Contest Mayor, City of Atlanta",
        "Election Atlanta Mayoral Runoff 2017",
        "Filed Tuesday, December 12, 2017, 10:00 a.m. Eastern",
        "2017-12-12T10:00:00-05:00",
        "How Filed online by the candidate",
        "Recorded Tuesday, December 12, 2017, 10:00 a.m. Eastern",
        "2017-12-12T10:00:00-05:00",
        "Addressed to Superintendent, DeKalb County",
        "Superintendent, Fulton County",
        "Statement",
        "I ask for a recount of the votes for Mayor.",
        "The margin is 832 votes.",
        "Signature and signed letter",
        "Typed signature Mary Norwood",
        "Signed by the candidate",
        "Letter norwood-letter.pdf",
        f"Its SHA-256 {hashlib.sha256(LETTER).hexdigest()}",
        "The rule and the returns, as they stood at filing",
        "Rule Georgia, O.C.G.A. § 21-2-495(c), 1 percent",
        "Threshold 1% of the total votes",
        "Total votes 92,502",
        "The candidate’s votes 45,835",
        "Gap 832 votes behind Keisha Lance Bottoms",
        "Gap as a percent of the total 0.899%",
        "Eligible to ask yes",
        "Certified Monday, December 11, 2017, 4:00 p.m. Eastern",
        "2017-12-11T16:00:00-05:00",
        "Filing deadline Wednesday, December 13, 2017, 5:00 p.m. Eastern",
        "2017-12-13T17:00:00-05:00",
        "Figures as recorded when the request was filed (Tuesday, December 12, 2017, 10:00 a.m. Eastern); later",
        "corrections of the returns do not change them.",
    ]


def test_a_late_request_is_marked_late_with_the_deadline_it_missed():
    request = file_online(norwood_of(build_atlanta_runoff()), MINUTE_AFTER_DEADLINE)

    lines = receipt_lines(request)

    assert alert(lines) == (
        "LATE: made after the filing deadline, Wednesday, December 13, 2017, 5:00 p.m. Eastern. "
        "The request is recorded; the authority rules on it."
    )
    assert "Filed Wednesday, December 13, 2017, 5:01 p.m. Eastern" in lines


def test_a_request_signed_by_an_agent_names_the_agent():
    signature = Signature(name="Mary Norwood", signatory=Signatory.AGENT, agent_name="Jane Q. Agent")
    request = file_online(norwood_of(build_atlanta_runoff()), DAY_AFTER_CERTIFICATION, signature=signature)

    lines = receipt_lines(request)

    assert lines[lines.index("Signature and signed letter") + 1 :][:2] == [
        "Typed signature Mary Norwood",
        "Signed by the candidate's authorised agent, Jane Q. Agent",
    ]


def test_a_request_the_returns_do_not_entitle_carries_the_warning():
    wide_margin = {
        "Keisha Lance Bottoms": [{VoteType.UNSPECIFIED: 50_000}, {VoteType.UNSPECIFIED: 5_000}],
        "Mary Norwood": [{VoteType.UNSPECIFIED: 40_000}, {VoteType.UNSPECIFIED: 5_000}],
    }
    request = file_online(norwood_of(build_atlanta_runoff(votes=wide_margin)), DAY_AFTER_CERTIFICATION)

    lines = receipt_lines(request)

    assert alert(lines) == (
        "NOT ELIGIBLE ON THE CERTIFIED RETURNS: under the rule below, these returns do not give the candidate "
        "the right to ask for a recount. The request is recorded; the authority decides."
    )
    assert lines[lines.index("Total votes 100,000") :][:5] == [
        "Total votes 100,000",
        "The candidate’s votes 45,000",
        "Gap 10,000 votes behind Keisha Lance Bottoms",
        "Gap as a percent of the total 10%",
        "Eligible to ask no",
    ]


def test_a_request_without_a_letter_has_no_letter_section():
    request = file_online(norwood_of(build_atlanta_runoff()), DAY_AFTER_CERTIFICATION, letter=None)

    lines = receipt_lines(request)

    assert lines[lines.index("Signature") + 1 : lines.index("The rule and the returns, as they stood at filing")] == [
        "Typed signature Mary Norwood",
        "Signed by the candidate",
    ]


def test_a_paper_request_shows_when_it_was_received_and_when_it_was_entered():
    contest = build_atlanta_runoff()
    clerk = make_user(username="fulton-clerk", email="clerk@fulton.example.test")
    StaffMembership.objects.create(user=clerk, jurisdiction=county("Fulton"))
    scan = letter_check(SimpleUploadedFile("scan.pdf", LETTER, content_type="application/pdf"))
    request = request_record_received(
        candidate=contest.candidates.get(name="Mary Norwood"),
        by=clerk,
        channel=RequestChannel.PAPER,
        received_at=datetime.datetime(2017, 12, 13, 16, 45, tzinfo=EASTERN),
        signature=Signature(name="Mary Norwood"),
        scan=scan,
        now=datetime.datetime(2017, 12, 14, 9, 30, tzinfo=EASTERN),
    )

    lines = receipt_lines(request)

    assert lines[lines.index("Election Atlanta Mayoral Runoff 2017") + 1 :][:6] == [
        "Filed Wednesday, December 13, 2017, 4:45 p.m. Eastern",
        "2017-12-13T16:45:00-05:00",
        "How Received on paper (entered by staff)",
        "Recorded Thursday, December 14, 2017, 9:30 a.m. Eastern",
        "2017-12-14T09:30:00-05:00",
        "Addressed to Superintendent, DeKalb County",
    ]
    assert lines[lines.index("Signature and scan of the written request") + 1 :][:4] == [
        "Typed signature Mary Norwood",
        "Signed by the candidate",
        "Scan scan.pdf",
        f"Its SHA-256 {hashlib.sha256(LETTER).hexdigest()}",
    ]


def pages_of(pdf: bytes) -> list[list[str]]:
    """Each page's text, line by line (the running header and footer included)."""
    return [page.extract_text().splitlines() for page in PdfReader(io.BytesIO(pdf)).pages]


def rehearsal_copy(contest):
    contest.election.rehearsal = True
    contest.election.save()
    return contest


def test_a_typical_receipt_is_one_page():
    request = file_online(norwood_of(build_atlanta_runoff()), DAY_AFTER_CERTIFICATION)

    (page,) = pages_of(request_receipt_pdf(request))
    assert page[-1] == "Recount Desk · receipt 2017-ATL-MAYOR-001 Page 1 of 1"


def test_a_receipt_with_every_warning_is_still_one_page():
    """Late, not eligible, signed by an agent, with a letter, in the rehearsal copy: all on one page."""
    wide_margin = {
        "Keisha Lance Bottoms": [{VoteType.UNSPECIFIED: 50_000}, {VoteType.UNSPECIFIED: 5_000}],
        "Mary Norwood": [{VoteType.UNSPECIFIED: 40_000}, {VoteType.UNSPECIFIED: 5_000}],
    }
    signature = Signature(name="Mary Norwood", signatory=Signatory.AGENT, agent_name="Jane Q. Agent")
    contest = rehearsal_copy(build_atlanta_runoff(votes=wide_margin))
    request = file_online(norwood_of(contest), MINUTE_AFTER_DEADLINE, signature=signature)
    assert (request.late, request.eligible) == (True, False)

    (page,) = pages_of(request_receipt_pdf(request))
    assert page[-1] == "Recount Desk · receipt REHEARSAL-2017-ATL-MAYOR-001 Page 1 of 1"


def test_a_receipt_of_the_rehearsal_copy_says_rehearsal_on_its_number_and_on_every_page():
    request = file_online(norwood_of(rehearsal_copy(build_atlanta_runoff())), DAY_AFTER_CERTIFICATION)

    (page,) = pages_of(request_receipt_pdf(request))

    # The watermark across the page, the number, and the running header above it.
    assert page[:4] == [
        "REHEARSAL",
        "RECOUNT DESK",
        "Receipt of a written request for a recount",
        "REHEARSAL-2017-ATL-MAYOR-001",
    ]
    assert page[-2:] == [
        "REHEARSAL · PRACTICE ONLY · NOT A REAL DOCUMENT",
        "Recount Desk · receipt REHEARSAL-2017-ATL-MAYOR-001 Page 1 of 1",
    ]


def test_a_real_receipt_says_nothing_of_a_rehearsal():
    request = file_online(norwood_of(build_atlanta_runoff()), DAY_AFTER_CERTIFICATION)

    assert [line for page in pages_of(request_receipt_pdf(request)) for line in page if "REHEARSAL" in line] == []


@pytest.mark.parametrize(
    ("document", "footer"),
    [
        (recount_order_pdf, "Recount Desk · order REHEARSAL-2017-ATL-MAYOR-001 Page 1 of 1"),
        (
            lambda part: count_notice_pdf(part, addressee="Mary Norwood"),
            "Recount Desk · notice REHEARSAL-2017-ATL-MAYOR-001 Page 1 of 1",
        ),
    ],
)
def test_the_documents_of_a_rehearsal_case_say_rehearsal_on_every_page(document, footer):
    superintendent = make_user(username="barron")
    contest = rehearsal_copy(build_atlanta_runoff())
    case = make_ordered_request(
        contest.candidates.get(name="Mary Norwood"),
        filed_at=DAY_AFTER_CERTIFICATION,
        decided_by=superintendent,
        decided_at=MINUTE_AFTER_DEADLINE,
    )
    part = make_county_recount(
        request=case, county_name="Fulton", ordered_by=superintendent, ordered_at=MINUTE_AFTER_DEADLINE
    )

    pages = pages_of(document(part))

    assert [(page[0], page[-2], page[-1]) for page in pages] == [
        ("REHEARSAL", "REHEARSAL · PRACTICE ONLY · NOT A REAL DOCUMENT", footer)
    ]
