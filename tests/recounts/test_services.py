"""The written request, as the statute makes it: filed in writing, recorded late or ineligible, routed."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from accounts.models import StaffMembership
from accounts.roles import SECRETARY_OF_STATE_GROUP
from elections.enums import ElectionKind, Level, VoteType
from elections.models import Candidate, Contest, Election
from elections.services import certification_record
from recounts.enums import AuthorityKind, RequestChannel, RequestStatus, Route, Signatory
from recounts.models import Notice, RecountRequest
from recounts.services import requests as request_services
from recounts.services.cases import RecountError
from recounts.services.requests import (
    DuplicateRequest,
    Signature,
    letter_check,
    receipt_prefix,
    request_file,
    request_record_received,
)
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    build_race,
    county,
    georgia_counties,
    make_pdf_bytes,
    make_user,
    withdraw_in_writing,
)

pytestmark = pytest.mark.django_db

ED, UNSPEC = VoteType.ELECTION_DAY, VoteType.UNSPECIFIED

DAY_AFTER_CERTIFICATION = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)
DEADLINE = datetime.datetime(2017, 12, 13, 17, 0, tzinfo=EASTERN)


@pytest.fixture
def runoff():
    return build_atlanta_runoff()


def candidate_named(contest, name: str) -> Candidate:
    return contest.candidates.get(name=name)


@pytest.fixture
def norwood(runoff):
    candidate = candidate_named(runoff, "Mary Norwood")
    candidate.accounts.add(make_user(username="norwood", email="norwood@example.test"))
    return candidate


def account(candidate: Candidate):
    return candidate.accounts.get()


def pdf(name: str = "letter.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf_bytes() if content is None else content, content_type="application/pdf")


def file_at(candidate: Candidate, at: datetime.datetime, **arguments) -> RecountRequest:
    with time_machine.travel(at, tick=False):
        return request_file(
            candidate=candidate,
            by=account(candidate),
            signature=Signature(name=candidate.name),
            **arguments,
        )


def state_counts() -> tuple[int, int, int]:
    return RecountRequest.objects.count(), RecountRequest.history.count(), Notice.objects.count()


# -- Filing online -----------------------------------------------------------------------------------


def test_eligible_and_in_time(norwood, settings):
    letter = letter_check(pdf())

    request = file_at(norwood, DAY_AFTER_CERTIFICATION, statement="Please recount.", letter=letter)

    assert (
        request.candidate,
        request.channel,
        request.filed_at,
        request.recorded_at,
        request.eligible,
        request.late,
        request.status,
        request.route,
        request.receipt_number,
        request.signature,
        request.signatory,
        request.statement,
        request.letter_sha256,
    ) == (
        norwood,
        RequestChannel.ONLINE,
        DAY_AFTER_CERTIFICATION,
        DAY_AFTER_CERTIFICATION,
        True,
        False,
        RequestStatus.FILED,
        Route.SUPERINTENDENT,
        "2017-ATL-MAYOR-001",
        "Mary Norwood",
        Signatory.CANDIDATE,
        "Please recount.",
        letter.sha256,
    )
    assert request.letter.read() == make_pdf_bytes()
    assert Path(request.letter.path).parent == settings.PRIVATE_FILES_ROOT / "requests"
    record = request.history.get()
    assert (record.history_user, record.history_change_reason) == (account(norwood), "Filed online")


def test_the_snapshot_keeps_the_standing_as_it_was_at_filing(norwood):
    request = file_at(norwood, DAY_AFTER_CERTIFICATION)

    snapshot = request.snapshot
    assert (snapshot["taken_at"], snapshot["time_zone"]) == ("2017-12-12T15:00:00+00:00", "America/New_York")
    assert snapshot["candidate"] == {
        "name": "Mary Norwood",
        "party": "",
        "votes": 45_835,
        "declared": False,
        "declared_status": "none",
        "write_in_aggregate": False,
        "eligible": True,
        "gap": 832,
        "gap_percent": 0.899,
        "against": "Keisha Lance Bottoms",
    }
    contest = snapshot["contest"]
    assert (contest["rule"], contest["total_votes"], contest["certified_at"], contest["filing_deadline"]) == (
        {"name": contest["rule"]["name"], "threshold_percent": 1.0},
        92_502,
        "2017-12-11T16:00:00-05:00",
        "2017-12-13T17:00:00-05:00",
    )


@pytest.mark.parametrize(
    ("at", "late"),
    [
        pytest.param(DEADLINE - datetime.timedelta(minutes=1), False, id="a-minute-before"),
        pytest.param(DEADLINE, False, id="at-the-cut-off"),
        pytest.param(DEADLINE + datetime.timedelta(minutes=1), True, id="a-minute-after"),
        pytest.param(DEADLINE + datetime.timedelta(days=30), True, id="a-month-after"),
    ],
)
def test_a_late_request_is_recorded_and_flagged_never_refused(norwood, at, late):
    request = file_at(norwood, at)

    assert (request.late, request.status, request.filed_at) == (late, RequestStatus.FILED, at)


def test_filed_on_a_holiday_the_deadline_runs_past_it():
    # Certified the day before Thanksgiving 2017: Thursday and Friday (a Georgia state holiday) and
    # the weekend are not business days; the two business days are Monday 27 and Tuesday 28.
    contest = build_race(
        slug="thanksgiving",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{ED: 1_000}], "Ben Baker": [{ED: 995}]},
        date=datetime.date(2017, 11, 7),
        kind=ElectionKind.GENERAL,
        certified_at=datetime.datetime(2017, 11, 22, 12, 0, tzinfo=EASTERN),
    )
    baker = candidate_named(contest, "Ben Baker")
    baker.accounts.add(make_user(username="baker"))

    request = file_at(baker, datetime.datetime(2017, 11, 23, 9, 0, tzinfo=EASTERN))  # Thanksgiving Day

    assert (request.late, request.snapshot["contest"]["filing_deadline"]) == (False, "2017-11-28T17:00:00-05:00")


def test_an_ineligible_request_is_recorded_with_the_warning(runoff):
    # Under the 0.5 % rule (an election after 2019-04-01) Norwood's 0.899 % would not be enough.
    contest = build_race(
        slug="ineligible",
        counties=georgia_counties("Fulton", "DeKalb"),
        votes={
            "Keisha Lance Bottoms": [{UNSPEC: 42_887}, {UNSPEC: 3_780}],
            "Mary Norwood": [{UNSPEC: 40_668}, {UNSPEC: 5_167}],
        },
        date=datetime.date(2021, 11, 30),
        certified_at=datetime.datetime(2021, 12, 6, 16, 0, tzinfo=EASTERN),
    )
    norwood = candidate_named(contest, "Mary Norwood")
    norwood.accounts.add(make_user(username="norwood"))

    request = file_at(norwood, datetime.datetime(2021, 12, 7, 9, 0, tzinfo=EASTERN))

    assert (request.eligible, request.late, request.status) == (False, False, RequestStatus.FILED)
    assert request.snapshot["candidate"]["gap_percent"] == 0.899


def test_the_declared_candidate_cannot_file_online(runoff):
    bottoms = candidate_named(runoff, "Keisha Lance Bottoms")
    bottoms.accounts.add(make_user(username="bottoms"))

    with pytest.raises(RecountError) as error:
        file_at(bottoms, DAY_AFTER_CERTIFICATION)

    assert str(error.value) == (
        "Keisha Lance Bottoms was declared (elected): only a candidate not declared may ask for a recount."
    )
    assert state_counts() == (0, 0, 0)


def test_a_paper_request_of_the_declared_candidate_is_recorded_for_the_authority_to_deny(runoff, fulton_clerk):
    bottoms = candidate_named(runoff, "Keisha Lance Bottoms")

    request = record_paper(bottoms, fulton_clerk, DAY_AFTER_CERTIFICATION, DAY_AFTER_CERTIFICATION)

    assert (request.eligible, request.snapshot["candidate"]["declared"]) == (False, True)


def test_a_second_request_shows_the_existing_one(norwood):
    first = file_at(norwood, DAY_AFTER_CERTIFICATION)
    before = state_counts()

    with pytest.raises(DuplicateRequest) as error:
        file_at(norwood, DAY_AFTER_CERTIFICATION + datetime.timedelta(hours=1))

    assert error.value.existing == first
    assert str(error.value) == (
        "Mary Norwood already has an open request in this contest: receipt 2017-ATL-MAYOR-001, "
        "filed Tuesday, December 12, 2017, 10:00 a.m. Eastern."
    )
    assert state_counts() == before


def test_the_database_allows_one_open_request_per_candidate(norwood):
    first = file_at(norwood, DAY_AFTER_CERTIFICATION)
    second = RecountRequest(**{
        field.attname: getattr(first, field.attname)
        for field in RecountRequest._meta.concrete_fields
        if field.attname not in {"id", "receipt_number"}
    }, receipt_number="2017-ATL-MAYOR-999")  # fmt: skip

    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


def test_after_a_withdrawal_a_new_request_can_be_filed(norwood):
    first = file_at(norwood, DAY_AFTER_CERTIFICATION)
    withdraw_in_writing(request=first, by=account(norwood), reason="Conceded.")

    second = file_at(norwood, DAY_AFTER_CERTIFICATION + datetime.timedelta(hours=2))

    assert (second.receipt_number, second.status) == ("2017-ATL-MAYOR-002", RequestStatus.FILED)


def test_only_the_candidate_s_account_files_online(norwood):
    stranger = make_user(username="stranger")
    with pytest.raises(RecountError, match="Only an account linked to Mary Norwood can file their request online"):
        request_file(candidate=norwood, by=stranger, signature=Signature(name="Mary Norwood"))
    assert state_counts() == (0, 0, 0)


def test_before_certification_the_window_is_not_open():
    contest = build_race(
        slug="uncertified",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{ED: 100}], "Ben Baker": [{ED: 99}]},
        certified_at=None,
    )
    baker = candidate_named(contest, "Ben Baker")
    baker.accounts.add(make_user(username="baker"))

    with pytest.raises(RecountError, match="not certified yet"):
        file_at(baker, DAY_AFTER_CERTIFICATION)
    assert state_counts() == (0, 0, 0)


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        (Signature(name="   "), "Type the full legal name as the signature."),
        (Signature(name="Mary Norwood", signatory=Signatory.AGENT), "Name the authorised agent who signs"),
        (Signature(name="x" * 201), "A name is longer than 200 characters."),
    ],
)
def test_a_signature_must_be_complete(norwood, signature, message):
    with pytest.raises(RecountError, match=message):
        request_file(candidate=norwood, by=account(norwood), signature=signature)
    assert state_counts() == (0, 0, 0)


def test_an_agent_signs_for_the_candidate(norwood):
    with time_machine.travel(DAY_AFTER_CERTIFICATION, tick=False):
        request = request_file(
            candidate=norwood,
            by=account(norwood),
            signature=Signature(name="  Jane   Agent ", signatory=Signatory.AGENT, agent_name=" Jane Agent "),
        )
    assert (request.signature, request.signatory, request.agent_name) == ("Jane Agent", Signatory.AGENT, "Jane Agent")


# -- Routing -------------------------------------------------------------------------------------------


def test_atlanta_s_request_goes_to_both_counties_superintendents(norwood):
    request = file_at(norwood, DAY_AFTER_CERTIFICATION)

    addressed = sorted((authority.kind, authority.jurisdiction.name) for authority in request.authorities.all())
    assert addressed == [(AuthorityKind.SUPERINTENDENT, "DeKalb"), (AuthorityKind.SUPERINTENDENT, "Fulton")]


def test_a_multi_county_state_office_goes_to_the_secretary_of_state():
    contest = build_race(
        slug="psc-runoff",
        office="Public Service Commission",
        district="District 5",
        level=Level.STATE,
        counties=georgia_counties("Fulton", "Cobb", "Gwinnett"),
        votes={
            "Ada Able": [{ED: 10_000}] * 3,
            "Ben Baker": [{ED: 9_990}] * 3,
        },
        certified_at=None,
    )
    for place in georgia_counties("Fulton", "Cobb", "Gwinnett"):
        certification_record(
            election=contest.election,
            jurisdiction=place,
            certified_at=datetime.datetime(2017, 12, 8, tzinfo=EASTERN),
            by=None,
        )
    certification_record(
        election=contest.election,
        jurisdiction=None,
        certified_at=datetime.datetime(2017, 12, 11, 16, tzinfo=EASTERN),
        by=None,
    )
    baker = candidate_named(contest, "Ben Baker")
    baker.accounts.add(make_user(username="baker"))

    request = file_at(baker, DAY_AFTER_CERTIFICATION)

    assert request.route == Route.SECRETARY_OF_STATE
    assert [(a.kind, a.jurisdiction) for a in request.authorities.all()] == [(AuthorityKind.SECRETARY_OF_STATE, None)]
    assert request.receipt_number == "2017-D5-PSC-001"


# -- Paper and email ---------------------------------------------------------------------------------


@pytest.fixture
def fulton_clerk():
    user = make_user(username="fulton-clerk", email="clerk@fulton.test")
    StaffMembership.objects.create(user=user, jurisdiction=county("Fulton"))
    return user


def record_paper(candidate, by, received_at, now, **arguments):
    return request_record_received(
        candidate=candidate,
        by=by,
        channel=RequestChannel.PAPER,
        received_at=received_at,
        signature=Signature(name=candidate.name),
        scan=letter_check(pdf("scan.pdf")),
        now=now,
        **arguments,
    )


def test_paper_request_with_an_earlier_received_at(runoff, fulton_clerk):
    norwood = candidate_named(runoff, "Mary Norwood")
    received = datetime.datetime(2017, 12, 13, 16, 30, tzinfo=EASTERN)
    entered = datetime.datetime(2017, 12, 14, 9, 15, tzinfo=EASTERN)

    request = record_paper(norwood, fulton_clerk, received, entered)

    assert (request.channel, request.filed_at, request.recorded_at, request.late, request.filed_by) == (
        RequestChannel.PAPER,
        received,
        entered,
        False,
        fulton_clerk,
    )
    assert request.snapshot["taken_at"] == entered.isoformat()
    assert request.history.get().history_change_reason == "Received on paper; entered by staff"


def test_paper_request_received_after_the_deadline_is_late(runoff, fulton_clerk):
    norwood = candidate_named(runoff, "Mary Norwood")
    request = record_paper(
        norwood, fulton_clerk, DEADLINE + datetime.timedelta(minutes=1), DEADLINE + datetime.timedelta(hours=1)
    )
    assert request.late is True


def test_paper_request_cannot_be_received_in_the_future(runoff, fulton_clerk):
    norwood = candidate_named(runoff, "Mary Norwood")
    with pytest.raises(RecountError, match="cannot have been received in the future"):
        record_paper(
            norwood, fulton_clerk, DAY_AFTER_CERTIFICATION + datetime.timedelta(hours=1), DAY_AFTER_CERTIFICATION
        )
    assert state_counts() == (0, 0, 0)


def test_only_the_receiving_authority_s_staff_record_a_paper_request(runoff):
    norwood = candidate_named(runoff, "Mary Norwood")
    cobb_clerk = make_user(username="cobb-clerk")
    StaffMembership.objects.create(user=cobb_clerk, jurisdiction=county("Cobb"))
    sos = make_user(username="sos")
    sos.groups.add(Group.objects.get(name=SECRETARY_OF_STATE_GROUP))

    for outsider in (cobb_clerk, sos):
        with pytest.raises(RecountError, match="Only staff of the authority the request is addressed to"):
            record_paper(norwood, outsider, DAY_AFTER_CERTIFICATION, DAY_AFTER_CERTIFICATION)
    assert state_counts() == (0, 0, 0)


# -- Letters -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        pytest.param(
            SimpleUploadedFile("letter.pdf", b"GIF89a not a pdf"),
            "The signed letter is not a PDF file (its content does not start as a PDF does).",
            id="not-a-pdf-named-pdf",
        ),
        pytest.param(
            SimpleUploadedFile("letter.pdf", b"%PDF-1.7\ngarbage that is no document"),
            "The signed letter could not be read as a PDF document; scan or save it again as a PDF.",
            id="pdf-header-but-broken",
        ),
        pytest.param(SimpleUploadedFile("letter.pdf", b""), "The signed letter is an empty file.", id="empty"),
        pytest.param(
            SimpleUploadedFile("letter.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
            "The signed letter is 10.0 MB; the limit is 10 MB.",
            id="too-large",
        ),
    ],
)
def test_a_letter_that_is_not_an_acceptable_pdf_is_refused(norwood, upload, message):
    with pytest.raises(RecountError) as error:
        letter_check(upload)
    assert str(error.value) == message
    assert state_counts() == (0, 0, 0)


def test_a_letter_of_exactly_the_limit_is_checked_for_content_not_refused_for_size(settings):
    settings.LETTER_MAX_BYTES = len(make_pdf_bytes())
    assert letter_check(pdf()).name == "letter.pdf"


def test_a_letter_s_unsafe_name_is_made_safe():
    assert letter_check(pdf("../../etc/pass wd<>.pdf")).name == "pass wd_.pdf"


# -- Withdrawal ----------------------------------------------------------------------------------------


def test_withdrawal_until_the_recount_is_ordered(norwood):
    request = file_at(norwood, DAY_AFTER_CERTIFICATION)

    withdrawn = withdraw_in_writing(request=request, by=account(norwood), reason="I concede.")

    assert (withdrawn.status, withdrawn.withdrawal_reason) == (RequestStatus.WITHDRAWN, "I concede.")
    record = withdrawn.history.first()
    assert (record.history_user, record.history_change_reason, record.status) == (
        account(norwood),
        "Withdrawn in writing, signed Mary Norwood: I concede.",
        RequestStatus.WITHDRAWN,
    )


def test_a_withdrawn_request_cannot_be_withdrawn_again(norwood):
    request = withdraw_in_writing(request=file_at(norwood, DAY_AFTER_CERTIFICATION), by=account(norwood))
    with pytest.raises(RecountError, match="The case is withdrawn; it can be withdrawn only until the recount"):
        withdraw_in_writing(request=request, by=account(norwood))


def test_an_ordered_recount_cannot_be_withdrawn(norwood):
    request = file_at(norwood, DAY_AFTER_CERTIFICATION)
    RecountRequest.objects.filter(pk=request.pk).update(status=RequestStatus.ORDERED)  # (issue 4's service)
    with pytest.raises(RecountError, match="The case is recount ordered"):
        withdraw_in_writing(request=request, by=account(norwood))


def test_only_the_candidate_withdraws(norwood, fulton_clerk):
    request = file_at(norwood, DAY_AFTER_CERTIFICATION)
    with pytest.raises(RecountError, match="Only the candidate's accounts can withdraw"):
        withdraw_in_writing(request=request, by=fulton_clerk)


# -- Receipt numbers and invitations ------------------------------------------------------------------


def test_receipt_prefix_of_a_county_office_in_a_primary():
    contest = build_race(
        slug="sheriff-primary",
        office="Sheriff",
        level=Level.COUNTY,
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{ED: 10}]},
        kind=ElectionKind.PRIMARY,
        date=datetime.date(2020, 6, 9),
        certified_at=None,
    )
    contest.home_county = county("Fulton")
    contest.party = "Democratic"
    assert receipt_prefix(contest) == "2020-FUL-SHERIFF-DEMOCRAT"


@pytest.mark.parametrize(
    ("office", "district", "party", "prefix"),
    [
        ("Mayor", "City of Atlanta", "", "2017-ATL-MAYOR"),
        ("Public Service Commission", "District 5", "", "2017-D5-PSC"),
        ("State House", "84", "", "2017-84-STATEHOUSE"),
        ("U.S. Senate", "", "Republican", "2017-USSENATE-REPUBLIC"),
        ("Board of Education", "At Large Post 9", "", "2017-P9-BE"),
        ("Judge of the Superior Court", "", "", "2017-JSC"),
    ],
)
def test_receipt_prefix_names_year_place_office_and_party(office, district, party, prefix):
    contest = Contest(election=Election(date=datetime.date(2017, 12, 5)), office=office, district=district, party=party)
    assert receipt_prefix(contest) == prefix


def test_a_rehearsal_copy_s_receipt_numbers_say_so_and_are_counted_apart_from_the_real_ones(norwood):
    """The real race's numbers stay as they were; each rehearsal copy's begin with REHEARSAL, and two
    copies of one race share the count, so that no number is given twice."""
    copies = [candidate_named(build_atlanta_runoff(slug=f"atlanta-rehearsal-{day}"), "Mary Norwood") for day in (1, 2)]
    for day, candidate in enumerate(copies, start=1):
        candidate.contest.election.rehearsal = True
        candidate.contest.election.save()
        candidate.accounts.add(make_user(username=f"norwood-rehearsal-{day}"))
    real = file_at(norwood, DAY_AFTER_CERTIFICATION)
    rehearsals = [file_at(candidate, DAY_AFTER_CERTIFICATION) for candidate in copies]

    assert [real.receipt_number, *(request.receipt_number for request in rehearsals)] == [
        "2017-ATL-MAYOR-001",
        "REHEARSAL-2017-ATL-MAYOR-001",
        "REHEARSAL-2017-ATL-MAYOR-002",
    ]


def test_a_receipt_number_taken_at_the_same_moment_by_another_contest_is_skipped(norwood, monkeypatch):
    other = build_race(
        slug="other-atlanta",
        district="City of Atlanta",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{ED: 10}], "Ben Baker": [{ED: 9}]},
    )
    baker = candidate_named(other, "Ben Baker")
    baker.accounts.add(make_user(username="baker"))
    first = file_at(baker, DAY_AFTER_CERTIFICATION)
    numbers = iter([first.receipt_number])
    real = request_services._receipt_number
    monkeypatch.setattr(request_services, "_receipt_number", lambda contest: next(numbers, None) or real(contest))

    request = file_at(norwood, DAY_AFTER_CERTIFICATION)

    assert (first.receipt_number, request.receipt_number) == ("2017-ATL-MAYOR-001", "2017-ATL-MAYOR-002")
