"""The tamper-evident audit trail: real actions chain every history row and notice; a row changed,
deleted or slipped in behind the application's back is named by `verify_audit`."""

import datetime
import io
from io import StringIO

import pytest
import time_machine
from django.contrib import admin
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory

from elections.enums import ElectionKind
from elections.importers.returns import import_openelections_csv
from elections.models import Certification, Contest, Result
from elections.services import certification_record
from recounts import audit
from recounts.models import AuditLink, CountyRecount, Notice, RecountRequest
from recounts.notices import notice_send
from recounts.services.requests import Signature, request_file
from tests.factories import EASTERN, build_atlanta_runoff, county, make_candidate_account, make_user

pytestmark = pytest.mark.django_db

FILED_AT = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)
RECERTIFIED_AT = datetime.datetime(2017, 12, 20, 16, 0, tzinfo=EASTERN)


@pytest.fixture
def case():
    """Atlanta's runoff (results and statuses written in bulk, certified one by one), Norwood's
    request filed online (history rows and notices), then Fulton's recertification."""
    contest = build_atlanta_runoff()
    norwood = contest.candidates.get(name="Mary Norwood")
    account = make_candidate_account(norwood, username="norwood")
    with time_machine.travel(FILED_AT, tick=False):
        request = request_file(candidate=norwood, by=account, signature=Signature(name=norwood.name))
    with time_machine.travel(RECERTIFIED_AT, tick=False):
        certification_record(
            election=contest.election, jurisdiction=county("Fulton"), certified_at=RECERTIFIED_AT, by=None
        )
    return request


def audited_rows() -> int:
    return sum(model._base_manager.count() for model in audit.audited_models().values())


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def broken() -> str:
    with pytest.raises(CommandError) as error:
        verify()
    return str(error.value)


def link_of(row) -> AuditLink:
    return AuditLink.objects.get(label=row._meta.label, object_id=row.pk)


def execute(sql: str, *params) -> None:
    """Behind the application's back: plain SQL, no model, no signal."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_chain_built_by_real_actions_verifies_intact(case):
    entries = audited_rows()

    assert verify().splitlines() == [
        f"Audit trail intact: {entries} entries",
        f"Head of the chain: {AuditLink.objects.last().chain_sha256} (keep it elsewhere: a rebuilt chain would "
        "not end there)",
    ]
    assert entries == AuditLink.objects.count()
    assert {label.split(".")[1] for label in AuditLink.objects.values_list("label", flat=True)} == {
        "HistoricalElection",
        "HistoricalContest",
        "HistoricalContest_counties",
        "HistoricalCandidate",
        "HistoricalResult",  # bulk_create_with_history
        "HistoricalCertification",
        "HistoricalRecountRequest",
        "Notice",
    }


def test_links_follow_the_order_of_writing_in_an_unbroken_sequence(case):
    links = list(AuditLink.objects.order_by("sequence"))

    assert [link.sequence for link in links] == list(range(1, len(links) + 1))
    assert [link.previous_sha256 for link in links] == [audit.GENESIS] + [link.chain_sha256 for link in links[:-1]]
    recertification = Certification.objects.get(version=2)
    assert links[-1] == link_of(recertification.history.get())
    assert link_of(case.history.get()).sequence < min(link_of(notice).sequence for notice in Notice.objects.all())


def test_a_history_row_edited_with_raw_sql_is_named(case):
    record = case.history.get()
    link = link_of(record)
    table = RecountRequest.history.model._meta.db_table
    execute(f"UPDATE {table} SET statement = %s WHERE history_id = %s", "Never asked for a recount.", record.pk)  # noqa: S608

    assert broken() == (
        f"Audit trail broken after {link.sequence - 1} intact entries. Link {link.sequence}: "
        f"recounts.HistoricalRecountRequest {record.pk}: content changed since it was written"
    )


def test_a_history_row_whose_author_is_rewritten_is_named(case):
    record = Certification.objects.get(version=2).history.get()
    link = link_of(record)
    table = record._meta.db_table
    execute(f"UPDATE {table} SET history_user_id = %s WHERE history_id = %s", make_user().pk, record.pk)  # noqa: S608

    assert broken().endswith(
        f"Link {link.sequence}: elections.HistoricalCertification {record.pk}: content changed since it was written"
    )


def test_a_deleted_history_row_is_found(case):
    record = Certification.objects.get(version=2).history.get()
    link = link_of(record)
    execute(f"DELETE FROM {record._meta.db_table} WHERE history_id = %s", record.pk)  # noqa: S608

    assert broken() == (
        f"Audit trail broken after {link.sequence - 1} intact entries. Link {link.sequence}: "
        f"elections.HistoricalCertification {record.pk}: row missing (deleted from the database)"
    )


def test_a_notice_edited_with_raw_sql_is_found(case):
    notice = Notice.objects.order_by("pk").first()
    link = link_of(notice)
    execute(f"UPDATE {Notice._meta.db_table} SET body = %s WHERE id = %s", "Nothing to see.", notice.pk)  # noqa: S608

    assert broken() == (
        f"Audit trail broken after {link.sequence - 1} intact entries. Link {link.sequence}: "
        f"recounts.Notice {notice.pk}: content changed since it was written"
    )


def test_a_notice_sent_after_it_was_written_stays_intact(case, mailoutbox):
    """Its delivery (status, sent_at, error) changes by design; what was said, to whom, does not."""
    notice_send.call(Notice.objects.exclude(email="").order_by("pk").first().pk)

    assert verify().startswith(f"Audit trail intact: {audited_rows()} entries")
    assert len(mailoutbox) == 1


def test_a_link_rewritten_to_match_an_edited_row_breaks_the_chain(case):
    record = case.history.get()
    link = link_of(record)
    execute(f"UPDATE {record._meta.db_table} SET signature = %s WHERE history_id = %s", "Forged", record.pk)  # noqa: S608
    forged = audit._content_hashes(type(record), [record.pk])[record.pk]
    AuditLink.objects.filter(pk=link.pk).update(content_sha256=forged)

    assert broken().endswith(
        f"Link {link.sequence}: recounts.HistoricalRecountRequest {record.pk}: chain broken (a link before it "
        "was removed, inserted or rewritten)"
    )


def test_a_removed_link_breaks_the_chain_at_the_next_one(case):
    removed = link_of(case.history.get())
    following = AuditLink.objects.get(sequence=removed.sequence + 1)
    removed.delete()

    assert broken() == (
        f"Audit trail broken after {removed.sequence - 1} intact entries. Link {following.sequence}: "
        f"{following.label} {following.object_id}: chain broken (a link before it was removed, inserted or "
        "rewritten)"
    )


def test_a_history_row_slipped_in_without_the_trail_is_not_linked(case):
    execute(
        f"INSERT INTO {Notice._meta.db_table} (kind, email, subject, body, created_at, status, error) "  # noqa: S608
        "VALUES ('request_receipt', 'x@example.test', 'Forged', 'Forged', %s, 'sent', '')",
        FILED_AT,
    )
    forged = Notice.objects.get(subject="Forged")

    assert broken() == (
        f"Audit trail broken after {AuditLink.objects.count()} intact entries. "
        f"recounts.Notice {forged.pk}: row not linked (written without the audit trail)"
    )


def test_link_existing_links_rows_written_before_the_trail(case):
    AuditLink.objects.all().delete()  # as on the day the trail is installed
    out = StringIO()

    call_command("verify_audit", "--link-existing", "--chunk-size", "7", stdout=out)

    entries = audited_rows()
    assert out.getvalue().splitlines()[:2] == [
        f"Linked {entries} existing rows.",
        f"Audit trail intact: {entries} entries",
    ]


def test_verification_reads_in_chunks_without_a_query_per_row(case, django_assert_max_num_queries):
    entries = AuditLink.objects.count()
    chunks = -(-entries // 10)
    labels = len(set(AuditLink.objects.values_list("label", flat=True)))
    # Per chunk: the links, and one read per model in it; then one anti-join per audited model.
    with django_assert_max_num_queries(chunks * (1 + labels) + 1 + len(audit.audited_models())):
        report = audit.trail_verify(chunk_size=10)

    assert (report.entries, report.mismatch) == (entries, None)


def test_an_import_is_linked():
    source = io.BytesIO(b"county,precinct,office,district,party,candidate,votes\nFulton,,Mayor,,,Ada Able,10\n")
    import_openelections_csv(
        source=source,
        file_name="returns.csv",
        election_name="2020 General",
        date=datetime.date(2020, 11, 3),
        kind=ElectionKind.GENERAL,
        municipal=True,
    )
    assert Contest.objects.count() == 1

    assert verify().startswith("Audit trail intact")


@pytest.mark.parametrize("model", [RecountRequest, CountyRecount, Certification, Result])
def test_the_admin_never_deletes_cases_certifications_or_results(model):
    request = RequestFactory().get("/")
    request.user = make_user(username="root", is_superuser=True, is_staff=True)

    assert admin.site._registry[model].has_delete_permission(request) is False
