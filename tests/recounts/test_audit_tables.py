"""The live tables against the audit trail: a row of a table of legal records changed behind the
application's back (here with `QuerySet.update()`, no history row) is named by table, row and column,
an imported line by its batch's hash; a whole case run through the services, on the demo's data,
stays intact."""

import datetime
import hashlib
import io
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.enums import StaffRole
from accounts.models import StaffMembership
from elections.enums import ElectionKind
from elections.importers.returns import import_openelections_csv
from elections.models import Certification, Contest, ImportBatch, Result
from recounts import audit
from recounts.enums import RequestStatus, TallyLine
from recounts.management.commands.load_demo import ELECTION_SLUG
from recounts.models import AuditLink, CountyRecount, RecountRequest, RecountTally
from recounts.services.decisions import recount_order
from recounts.services.requests import Signature, request_file
from recounts.services.worksheets import TallyEntry, scanner_test_record, worksheet_save, worksheet_submit
from tests.factories import at, georgia_counties, make_superintendent_staff, record_outcome
from tests.recounts.test_recount_views import signed_off

pytestmark = pytest.mark.django_db

DAY_AFTER_CERTIFICATION = at(2017, 12, 12, 10, 0)


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def findings() -> str:
    with pytest.raises(CommandError) as error:
        verify()
    return str(error.value)


def differ(*lines: str) -> str:
    """The command's refusal for these findings, after an intact chain."""
    count = f"{len(lines)} finding{'s' if len(lines) > 1 else ''}"
    return (
        f"The live tables differ from the audit trail ({AuditLink.objects.count()} intact entries), {count}:\n"
        + "\n".join(lines)
    )


def delete_behind_the_back(row) -> None:
    """Plain SQL: no model's `delete()`, so no history row records it."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {row._meta.db_table} WHERE id = %s", [row.pk])  # noqa: S608


def counted(county_recount: CountyRecount, by, figures: dict[str, int]) -> CountyRecount:
    """The county's staff member `by` tests a scanner, enters every line (as certified unless `figures`
    says) and the tapes, and submits."""
    county_recount.refresh_from_db()
    scanner_test_record(
        county_recount=county_recount, by=by, version=county_recount.version, scanner="ICP-001",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    county_recount.refresh_from_db()
    entries, tapes = {}, {}
    for tally in county_recount.tallies.filter(line=TallyLine.RETURNS).select_related("candidate"):
        figure = figures.get(tally.candidate.name, tally.original)
        entries[tally.pk] = TallyEntry(recounted=figure, reason="scanner_misread" if figure != tally.original else "")
        tapes[tally.candidate_id] = figure
    worksheet_save(
        county_recount=county_recount, by=by, version=county_recount.version, entries=entries, tabulator_tapes=tapes
    )
    county_recount.refresh_from_db()
    return worksheet_submit(county_recount=county_recount, by=by, version=county_recount.version)


@pytest.fixture
def case(time_machine) -> RecountRequest:
    """The demo loaded (Atlanta's runoff imported and certified), then Norwood's whole case on it
    through the services: filed, ordered in Fulton and DeKalb, counted by a clerk, signed off; Fulton
    finds Norwood +5 and its imported returns are corrected and recertified, DeKalb's confirmed."""
    time_machine.move_to(DAY_AFTER_CERTIFICATION, tick=False)
    call_command("load_demo", stdout=StringIO())
    contest = Contest.objects.get(election__slug=ELECTION_SLUG)
    norwood = contest.candidates.get(name="Mary Norwood")
    request = request_file(candidate=norwood, by=norwood.accounts.get(), signature=Signature(name=norwood.name))
    for name, figures in (("Fulton", {"Mary Norwood": 40_673}), ("DeKalb", {})):
        superintendent = get_user_model().objects.get(username=name.lower())  # the demo's
        clerk = make_superintendent_staff(username=f"audit-{name.lower()}-clerk", county_name=name)
        (county,) = georgia_counties(name)
        part = recount_order(
            request=request,
            county=county,
            by=superintendent,
            count_place=f"{name} County Elections Hub",
            count_starts_at=at(2017, 12, 12, 14, 0),
        )
        signed_off(counted(part, clerk, figures), superintendent)
    for part in request.county_recounts.order_by("county__name"):
        record_outcome(part, by=get_user_model().objects.get(username=part.county.name.lower()))
    request.refresh_from_db()
    assert request.status == RequestStatus.RECERTIFIED
    return request


def fulton_line(request: RecountRequest, name: str) -> Result:
    return Result.objects.get(candidate__contest=request.contest, county__name="Fulton", candidate__name=name)


def test_a_whole_case_on_the_demo_stays_intact(case):
    corrected = fulton_line(case, "Mary Norwood")

    assert verify().splitlines()[0] == f"Audit trail intact: {AuditLink.objects.count()} entries"
    assert (corrected.votes, corrected.import_batch_id is not None, corrected.history.count()) == (40_673, True, 2)
    assert audit.records_verify() == []


def test_every_import_links_the_hash_of_its_lines():
    source = io.BytesIO(b"county,precinct,office,district,party,candidate,votes\nFulton,1A,Mayor,,,Ada Able,10\n")
    import_openelections_csv(
        source=source,
        file_name="returns.csv",
        election_name="2020 General",
        date=datetime.date(2020, 11, 3),
        kind=ElectionKind.GENERAL,
        municipal=True,
    )
    batch = ImportBatch.objects.get()
    line = Result.objects.get()

    assert (
        batch.results_sha256
        == hashlib.sha256(f'{line.pk},{line.candidate_id},{line.county_id},"1A",10,,,,,,\n'.encode()).hexdigest()
    )
    assert AuditLink.objects.filter(label="elections.ImportBatch", object_id=batch.pk).count() == 1
    assert verify().startswith("Audit trail intact")


def test_an_import_replacing_an_earlier_one_stays_intact():
    for votes in (10, 12):
        import_openelections_csv(
            source=io.BytesIO(
                f"county,precinct,office,district,party,candidate,votes\nFulton,,Mayor,,,Ada,{votes}\n".encode()
            ),
            file_name=f"returns-{votes}.csv",
            election_name="2020 General",
            date=datetime.date(2020, 11, 3),
            kind=ElectionKind.GENERAL,
            municipal=True,
            replace=True,
        )

    assert ImportBatch.objects.count() == 2
    assert verify().startswith("Audit trail intact")


def test_an_imported_line_changed_is_named_by_its_batch(case):
    line = Result.objects.get(candidate__contest=case.contest, county__name="DeKalb", candidate__name="Mary Norwood")
    batch = line.import_batch
    Result.objects.filter(pk=line.pk).update(votes=line.votes + 900)

    assert findings() == differ(
        f"elections_result lines of import batch {batch.pk} ({batch.file_name}): a line changed, added or deleted "
        f"since the import (their hash no longer matches the one recorded, {batch.results_sha256})"
    )


def test_an_imported_line_deleted_is_named_by_its_batch(case):
    line = Result.objects.get(candidate__contest=case.contest, county__name="DeKalb", candidate__name="Mary Norwood")
    batch = line.import_batch
    delete_behind_the_back(line)

    assert findings() == differ(
        f"elections_result lines of import batch {batch.pk} ({batch.file_name}): a line changed, added or deleted "
        f"since the import (their hash no longer matches the one recorded, {batch.results_sha256})"
    )


def test_a_line_corrected_by_the_recount_then_changed_is_named_by_row_and_column(case):
    line = fulton_line(case, "Mary Norwood")
    Result.objects.filter(pk=line.pk).update(votes=41_573)

    assert findings() == differ(f"elections_result row {line.pk}, column votes: live 41,573, last recorded 40,673")


def test_a_request_s_status_changed_is_named(case):
    RecountRequest.objects.filter(pk=case.pk).update(status=RequestStatus.ORDERED)

    assert findings() == differ(
        f'recounts_recountrequest row {case.pk}, column status: live "ordered", last recorded "recertified"'
    )


def test_a_certification_s_time_changed_is_named(case):
    recertification = Certification.objects.get(election=case.contest.election, jurisdiction__name="Fulton", version=2)
    Certification.objects.filter(pk=recertification.pk).update(certified_at=at(2017, 12, 11, 9, 0))

    assert findings() == differ(
        f'elections_certification row {recertification.pk}, column certified_at: live "2017-12-11T14:00:00+00:00", '
        f'last recorded "{recertification.certified_at.astimezone(datetime.UTC).isoformat()}"'
    )


def test_a_membership_s_role_changed_is_named(case):
    clerk = StaffMembership.objects.get(user__username="audit-fulton-clerk")
    StaffMembership.objects.filter(pk=clerk.pk).update(role=StaffRole.DESIGNEE)

    assert findings() == differ(
        f'accounts_staffmembership row {clerk.pk}, column role: live "designee", last recorded "clerk"'
    )


def test_a_county_recount_and_a_tally_changed_are_both_named(case):
    part = case.county_recounts.get(county__name="Fulton")
    tally = part.tallies.get(line=TallyLine.RETURNS, candidate__name="Mary Norwood")
    CountyRecount.objects.filter(pk=part.pk).update(count_place="Somewhere else")
    RecountTally.objects.filter(pk=tally.pk).update(recounted=40_668, note="Typed in later")

    assert findings() == differ(
        f'recounts_countyrecount row {part.pk}, column count_place: live "Somewhere else", last recorded '
        '"Fulton County Elections Hub"',
        f"recounts_recounttally row {tally.pk}, column recounted: live 40,668, last recorded 40,673",
        f'recounts_recounttally row {tally.pk}, column note: live "Typed in later", last recorded ""',
    )


def test_a_row_written_or_deleted_without_history_is_named(case):
    first = Certification.objects.get(election=case.contest.election, jurisdiction__name="DeKalb", version=1)
    (forged,) = Certification.objects.bulk_create(
        [Certification(election=first.election, scope=first.scope, jurisdiction=first.jurisdiction, version=2,
                       certified_at=first.certified_at)]
    )  # fmt: skip
    RecountRequest.objects.filter(pk=case.pk).update(signature="Someone else")
    clerk = StaffMembership.objects.get(user__username="audit-dekalb-clerk")
    delete_behind_the_back(clerk)

    assert findings() == differ(
        f"elections_certification row {forged.pk}: no history row (written behind the application's back)",
        f'recounts_recountrequest row {case.pk}, column signature: live "Someone else", last recorded "Mary Norwood"',
        f"accounts_staffmembership row {clerk.pk}: deleted, but its history does not record the deletion",
    )


def test_link_existing_hashes_and_links_a_batch_imported_before_the_trail_covered_it():
    import_openelections_csv(
        source=io.BytesIO(b"county,precinct,office,district,party,candidate,votes\nFulton,,Mayor,,,Ada Able,10\n"),
        file_name="returns.csv",
        election_name="2020 General",
        date=datetime.date(2020, 11, 3),
        kind=ElectionKind.GENERAL,
        municipal=True,
    )
    recorded = ImportBatch.objects.get().results_sha256
    AuditLink.objects.all().delete()  # as on the day the trail is installed
    ImportBatch.objects.update(results_sha256="")
    out = StringIO()

    call_command("verify_audit", "--link-existing", stdout=out)

    assert out.getvalue().splitlines()[1] == f"Audit trail intact: {AuditLink.objects.count()} entries"
    assert ImportBatch.objects.get().results_sha256 == recorded
