"""The head of the audit chain leaves the database at each certification, decision and recertification:
a deleted tail is found through the anchor file, a rebuilt chain through the head a PDF printed."""

import io
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from accounts.enums import StaffRole
from elections.enums import VoteType
from recounts import audit
from recounts.anchors import ChainHead, chain_head, head_of_record
from recounts.documents import recertification_pdf
from recounts.enums import NoticeKind
from recounts.models import AuditAnchorFailure, AuditLink, Notice
from recounts.permissions import Returns
from recounts.services.certifications import returns_certify
from tests.factories import (
    ATLANTA_CERTIFIED_AT,
    at,
    build_race,
    georgia_counties,
    make_superintendent_staff,
    record_outcome,
)
from tests.factories import file_online as file
from tests.recounts.test_counting import count, order, sign_off

pytestmark = pytest.mark.django_db

UNSPEC = VoteType.UNSPECIFIED


@pytest.fixture
def anchor_file(settings, tmp_path):
    settings.RECOUNT_AUDIT_ANCHOR_FILE = str(tmp_path / "anchors.jsonl")
    return tmp_path / "anchors.jsonl"


@pytest.fixture
def fulton():
    return make_superintendent_staff(username="fulton", county_name="Fulton", role=StaffRole.SUPERINTENDENT)


@pytest.fixture
def recertified(anchor_file, fulton, django_capture_on_commit_callbacks):
    """Fulton certifies its returns in the app; Ben Baker asks for a recount; Fulton orders it, counts
    (Able −10, Baker +6), signs off and records its outcome: corrected, recertified, the case closed.
    Each step commits on its own. Returns the case and the head of the chain after each step."""
    contest = build_race(
        slug="flip",
        office="Mayor",
        district="City of Atlanta",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{UNSPEC: 1_000}], "Ben Baker": [{UNSPEC: 995}]},
        certified_at=None,
    )
    (county,) = georgia_counties("Fulton")
    heads = {}
    with django_capture_on_commit_callbacks(execute=True):
        returns_certify(
            returns=Returns(election=contest.election, jurisdiction=county),
            by=fulton,
            certified_at=ATLANTA_CERTIFIED_AT,
        )
    heads["certified"] = chain_head()
    request = file(contest.candidates.get(name="Ben Baker"), at(2017, 12, 12, 10, 0))
    with django_capture_on_commit_callbacks(execute=True):
        part = order(request, "Fulton", fulton, at(2017, 12, 12, 14, 0))
    heads["ordered"] = chain_head()
    count(part, {("Ada Able", UNSPEC): 990, ("Ben Baker", UNSPEC): 1_001}, when=at(2017, 12, 13, 18, 0))
    sign_off(part, fulton, at(2017, 12, 13, 19, 0))
    with django_capture_on_commit_callbacks(execute=True):
        record_outcome(part, by=fulton, now=at(2017, 12, 14, 9, 0))
    heads["finished"] = chain_head()
    request.refresh_from_db()
    recertification = contest.election.certifications.get(version=2)
    heads["recertified"] = head_of_record(recertification.history.get())
    return request, heads


def anchored(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def verify(*arguments: str) -> list[str]:
    out = StringIO()
    call_command("verify_audit", *arguments, stdout=out)
    return out.getvalue().splitlines()


def broken(*arguments: str) -> list[str]:
    with pytest.raises(CommandError) as error:
        verify(*arguments)
    return str(error.value).splitlines()


def printed_head(pdf: bytes) -> ChainHead:
    """The head printed at the foot of a document, read back from its text."""
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    (found,) = re.findall(r"Audit chain head: ([0-9a-f]{64}) \(link (\d+)\)", text)
    return ChainHead(link=int(found[1]), sha256=found[0])


def delete_tail(links: int) -> None:
    """Behind the application's back: the last links and the rows they chain, deleted."""
    tail = list(AuditLink.objects.order_by("-sequence")[:links])
    for link in tail:
        audit.model_of(link.label)._base_manager.filter(pk=link.object_id).delete()
    AuditLink.objects.filter(pk__in=[link.pk for link in tail]).delete()


def rebuild_chain() -> None:
    """Behind the application's back: every link's hashes computed again from the rows as they are now."""
    previous = audit.GENESIS
    for link in AuditLink.objects.order_by("sequence"):
        model = audit.model_of(link.label)
        row = model._base_manager.filter(pk=link.object_id).values(*audit.content_fields(model)).get()
        content = audit.content_hash(row)
        chained = audit.chain_hash(
            previous=previous, content=content, label=link.label, object_id=link.object_id, sequence=link.sequence
        )
        AuditLink.objects.filter(pk=link.pk).update(
            content_sha256=content, previous_sha256=previous, chain_sha256=chained
        )
        previous = chained


def test_each_certification_decision_and_recertification_is_anchored_after_it_commits(recertified, anchor_file):
    request, heads = recertified
    number = request.receipt_number

    assert anchored(anchor_file) == [
        {
            "at": "2017-12-11T16:00:00-05:00",
            "link": heads["certified"].link,
            "head": heads["certified"].sha256,
            "event": "Certification of Test Election (2017-12-05) — Fulton County, version 1",
        },
        {
            "at": "2017-12-12T14:00:00-05:00",
            "link": heads["ordered"].link,
            "head": heads["ordered"].sha256,
            "event": f"Request {number}: recount ordered in Fulton County",
        },
        {
            "at": "2017-12-14T09:00:00-05:00",
            "link": heads["recertified"].link,
            "head": heads["recertified"].sha256,
            "event": f"Recertification of Test Election (2017-12-05) — Fulton County, version 2 after recount {number}",
        },
        {
            "at": "2017-12-14T09:00:00-05:00",
            "link": heads["finished"].link,
            "head": heads["finished"].sha256,
            "event": f"Request {number} finished: Recertified",
        },
    ]


def test_a_normal_case_verifies_against_its_anchors_and_its_printed_head(recertified, anchor_file):
    request, heads = recertified
    head = printed_head(recertification_pdf(request))

    assert verify("--anchors", str(anchor_file), "--head", head.sha256) == [
        f"Audit trail intact: {heads['finished'].link} entries",
        f"Head of the chain: {heads['finished'].sha256} (keep it elsewhere: a rebuilt chain would not end there)",
        "Anchored heads found in the chain: 5",
    ]
    assert head == head_of_record(request.history.order_by("-history_id").first())


def test_a_deleted_tail_is_detected_through_the_anchor_file(recertified, anchor_file):
    request, heads = recertified
    delete_tail(5)
    last = heads["finished"].link - 5

    assert verify()[0] == f"Audit trail intact: {last} entries"  # the chain alone cannot tell
    assert broken("--anchors", str(anchor_file)) == [
        f"The audit trail is not the one anchored outside the database ({last} entries now):",
        f"anchors.jsonl line 4 (Request {request.receipt_number} finished: Recertified, 2017-12-14T09:00:00-05:00): "
        f"link {heads['finished'].link} is missing; the chain ends at link {last} (its tail was deleted)",
    ]


def test_a_rebuilt_chain_is_detected_through_a_pdfs_printed_head(recertified, anchor_file):
    request, heads = recertified
    head = printed_head(recertification_pdf(request))
    filing = request.history.order_by("history_id").first()
    type(filing)._base_manager.filter(pk=filing.pk).update(history_change_reason="Filed on paper")
    rebuild_chain()
    now = AuditLink.objects.values_list("chain_sha256", flat=True).get(sequence=head.link)

    assert verify()[0] == f"Audit trail intact: {heads['finished'].link} entries"  # the chain alone cannot tell
    assert broken("--head", head.sha256) == [
        f"The audit trail is not the one anchored outside the database ({heads['finished'].link} entries now):",
        f"--head: head {head.sha256} is not in the chain (truncated or rebuilt)",
    ]
    assert broken("--anchors", str(anchor_file))[1:] == [
        f"anchors.jsonl line {number} ({line['event']}, {line['at']}): link {line['link']} hashes to "
        f"{AuditLink.objects.get(sequence=line['link']).chain_sha256} now, not {line['head']} (the chain was rebuilt)"
        for number, line in enumerate(anchored(anchor_file)[1:], start=2)  # the certification came before the filing
    ]
    assert now != head.sha256


def test_the_decision_notices_say_the_head_as_of_the_decision(recertified):
    """Each notice of the decision ends with the head just before the first of them was written."""

    def last_lines(kind: NoticeKind) -> set[str]:
        return {notice.body.splitlines()[-1] for notice in Notice.objects.filter(kind=kind)}

    def said(first_notice_of: NoticeKind) -> str:
        first = Notice.objects.filter(kind=first_notice_of).order_by("pk").first()
        before = AuditLink.objects.get(sequence=head_of_record(first).link - 1)
        return (
            f"Audit chain head as of this decision: {before.chain_sha256} (link {before.sequence}). Keep this "
            "notice: the desk's audit check (verify_audit --head) shows from it whether its records were rewritten "
            "since."
        )

    assert last_lines(NoticeKind.RECOUNT_ORDERED) == {said(NoticeKind.RECOUNT_ORDERED)}
    assert last_lines(NoticeKind.CASE_RECERTIFIED) == {said(NoticeKind.CASE_RECERTIFIED)}
    assert not any(line.startswith("Audit chain head") for line in last_lines(NoticeKind.COUNT_NOTICE))


def test_an_anchor_that_cannot_be_written_leaves_the_action_and_is_reported(
    settings, tmp_path, fulton, django_capture_on_commit_callbacks, caplog
):
    settings.RECOUNT_AUDIT_ANCHOR_FILE = str(tmp_path)  # a directory: cannot be opened for appending
    contest = build_race(
        slug="flip",
        office="Mayor",
        district="City of Atlanta",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{UNSPEC: 1_000}], "Ben Baker": [{UNSPEC: 995}]},
        certified_at=None,
    )
    (county,) = georgia_counties("Fulton")
    with django_capture_on_commit_callbacks(execute=True):
        certification = returns_certify(
            returns=Returns(election=contest.election, jurisdiction=county),
            by=fulton,
            certified_at=ATLANTA_CERTIFIED_AT,
        )
    head = chain_head()
    error = f"{tmp_path}: [Errno 21] Is a directory: '{tmp_path}'"

    assert contest.election.certifications.get() == certification
    assert [(record.levelname, record.getMessage()) for record in caplog.records] == [
        (
            "ERROR",
            f"Audit anchor not written to {tmp_path}: [Errno 21] Is a directory: '{tmp_path}' "
            f"(Certification of Test Election (2017-12-05) — Fulton County, version 1 at link {head.link})",
        )
    ]
    assert list(AuditAnchorFailure.objects.values_list("link", "head", "event", "error")) == [
        (head.link, head.sha256, "Certification of Test Election (2017-12-05) — Fulton County, version 1", error)
    ]
    err = StringIO()
    call_command("verify_audit", stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == [
        "anchor not written: Certification of Test Election (2017-12-05) — Fulton County, version 1, "
        f"2017-12-11T21:00:00+00:00, head {head.sha256} (link {head.link}): {error}"
    ]
