"""Notices: who is told of a filing or a withdrawal, that email leaves only after the commit, and
that a notice records whether it went."""

import datetime
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from accounts.models import StaffMembership
from accounts.roles import SECRETARY_OF_STATE_GROUP
from elections.enums import Level, VoteType
from elections.models import Candidate
from elections.services import certification_record
from recounts.enums import NoticeKind, NoticeStatus
from recounts.models import Notice, RecountRequest
from recounts.notices import notice_send
from recounts.services.requests import Signature, request_file
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    build_race,
    county,
    georgia_counties,
    make_user,
    withdraw_in_writing,
)

pytestmark = pytest.mark.django_db

DAY_AFTER_CERTIFICATION = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)
RECEIPT = "Receipt 2017-ATL-MAYOR-001: your written request for a recount"
NEW_REQUEST = "New recount request 2017-ATL-MAYOR-001: Mary Norwood, Mayor, City of Atlanta"
NO_ADDRESS = "The account has no email address; shown in the app only."


class RefusingMailServer(BaseEmailBackend):
    """A mail server that drops the connection on every message."""

    def send_messages(self, email_messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")


class Rollback(Exception):
    """Raised to roll back the transaction around a filing."""


@pytest.fixture
def norwood() -> Candidate:
    candidate = build_atlanta_runoff().candidates.get(name="Mary Norwood")
    candidate.accounts.add(make_user(username="norwood", email="norwood@example.test"))
    return candidate


@pytest.fixture
def clerks() -> None:
    """Staff of both Atlanta counties, of a county the request is not addressed to, and of the State."""
    for username, place in [("dekalb-clerk", "DeKalb"), ("fulton-clerk", "Fulton"), ("cobb-clerk", "Cobb")]:
        user = make_user(username=username, email=f"{username}@example.test")
        StaffMembership.objects.create(user=user, jurisdiction=county(place))
    make_user(username="sos-clerk", email="sos-clerk@example.test").groups.add(
        Group.objects.get(name=SECRETARY_OF_STATE_GROUP)
    )


def file(candidate: Candidate, at: datetime.datetime = DAY_AFTER_CERTIFICATION) -> RecountRequest:
    with time_machine.travel(at, tick=False):
        return request_file(
            candidate=candidate, by=candidate.accounts.order_by("pk").first(), signature=Signature(name=candidate.name)
        )


def file_in_a_failing_transaction(candidate: Candidate) -> None:
    """A filing inside a transaction that a later step fails: the whole transaction rolls back."""
    with transaction.atomic():
        file(candidate)
        raise Rollback


def notices() -> list[tuple]:
    return [
        (notice.kind, notice.recipient.username, notice.email, notice.subject, notice.status, notice.error)
        for notice in Notice.objects.select_related("recipient").order_by("pk")
    ]


def sent(mailoutbox) -> list[tuple[list[str], str]]:
    return [(message.to, message.subject) for message in mailoutbox]


def test_filing_sends_the_receipt_to_the_candidate_and_the_new_request_to_each_superintendent_s_staff(
    norwood, clerks, mailoutbox, django_capture_on_commit_callbacks
):
    norwood.accounts.add(make_user(username="norwood-campaign", email="campaign@example.test"))

    with time_machine.travel(DAY_AFTER_CERTIFICATION, tick=False), django_capture_on_commit_callbacks(execute=True):
        request = file(norwood)

    assert notices() == [
        (NoticeKind.REQUEST_RECEIPT, "norwood", "norwood@example.test", RECEIPT, NoticeStatus.SENT, ""),
        (NoticeKind.REQUEST_RECEIPT, "norwood-campaign", "campaign@example.test", RECEIPT, NoticeStatus.SENT, ""),
        (NoticeKind.REQUEST_RECEIVED, "dekalb-clerk", "dekalb-clerk@example.test", NEW_REQUEST, NoticeStatus.SENT, ""),
        (NoticeKind.REQUEST_RECEIVED, "fulton-clerk", "fulton-clerk@example.test", NEW_REQUEST, NoticeStatus.SENT, ""),
    ]
    assert set(Notice.objects.values_list("request", "created_at", "sent_at")) == {
        (request.pk, DAY_AFTER_CERTIFICATION, DAY_AFTER_CERTIFICATION)
    }
    assert sent(mailoutbox) == [
        (["norwood@example.test"], RECEIPT),
        (["campaign@example.test"], RECEIPT),
        (["dekalb-clerk@example.test"], NEW_REQUEST),
        (["fulton-clerk@example.test"], NEW_REQUEST),
    ]


def test_a_request_to_the_secretary_of_state_goes_to_the_secretary_of_state_s_staff(
    clerks, mailoutbox, django_capture_on_commit_callbacks
):
    counties = georgia_counties("Fulton", "Cobb", "Gwinnett")
    contest = build_race(
        slug="psc-runoff",
        office="Public Service Commission",
        district="District 5",
        level=Level.STATE,
        counties=counties,
        votes={
            "Ada Able": [{VoteType.ELECTION_DAY: 10_000}] * 3,
            "Ben Baker": [{VoteType.ELECTION_DAY: 9_990}] * 3,
        },
        certified_at=None,
    )
    for place in [*counties, None]:
        certification_record(
            election=contest.election,
            jurisdiction=place,
            certified_at=datetime.datetime(2017, 12, 11, 16, tzinfo=EASTERN),
            by=None,
        )
    baker = contest.candidates.get(name="Ben Baker")
    baker.accounts.add(make_user(username="baker", email="baker@example.test"))
    former = make_user(username="sos-former", email="former@example.test", is_active=False)
    former.groups.add(Group.objects.get(name=SECRETARY_OF_STATE_GROUP))

    with django_capture_on_commit_callbacks(execute=True):
        file(baker)

    new_request = "New recount request 2017-D5-PSC-001: Ben Baker, Public Service Commission, District 5"
    assert sent(mailoutbox) == [
        (["baker@example.test"], "Receipt 2017-D5-PSC-001: your written request for a recount"),
        (["sos-clerk@example.test"], new_request),
    ]


def test_email_waits_for_the_commit(norwood, clerks, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        file(norwood)

    assert mailoutbox == []
    assert [status for *_, status, _error in notices()] == [NoticeStatus.QUEUED] * 3
    assert len(callbacks) == 3


def test_a_rolled_back_filing_sends_nothing(norwood, clerks, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Rollback):
        file_in_a_failing_transaction(norwood)

    assert (callbacks, mailoutbox, Notice.objects.count(), RecountRequest.objects.count()) == ([], [], 0, 0)


def test_an_account_without_an_email_gets_its_notice_in_the_app_only(
    norwood, clerks, mailoutbox, django_capture_on_commit_callbacks
):
    norwood.accounts.update(email="")

    with django_capture_on_commit_callbacks(execute=True):
        file(norwood)

    assert notices()[0] == (NoticeKind.REQUEST_RECEIPT, "norwood", "", RECEIPT, NoticeStatus.FAILED, NO_ADDRESS)
    assert sent(mailoutbox) == [
        (["dekalb-clerk@example.test"], NEW_REQUEST),
        (["fulton-clerk@example.test"], NEW_REQUEST),
    ]


def test_a_mail_server_failure_marks_the_notice_failed_with_the_error(
    norwood, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingMailServer"}}

    with django_capture_on_commit_callbacks(execute=True):
        request = file(norwood)

    error = "SMTPServerDisconnected: Connection unexpectedly closed"
    assert notices() == [
        (NoticeKind.REQUEST_RECEIPT, "norwood", "norwood@example.test", RECEIPT, NoticeStatus.FAILED, error)
    ]
    assert Notice.objects.get().sent_at is None
    assert RecountRequest.objects.get() == request
    assert mailoutbox == []


def test_a_notice_already_sent_is_not_sent_again(norwood, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        file(norwood)
    receipt = Notice.objects.get()

    assert notice_send.call(receipt.pk) == NoticeStatus.SENT
    assert sent(mailoutbox) == [(["norwood@example.test"], RECEIPT)]


def test_withdrawal_notifies_the_authorities_staff_and_the_candidate(
    norwood, clerks, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = file(norwood)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        withdraw_in_writing(request=request, by=norwood.accounts.get(), reason="Conceded the race.")

    withdrawn = "Recount request 2017-ATL-MAYOR-001 withdrawn"
    assert notices()[3:] == [
        (NoticeKind.REQUEST_WITHDRAWN, "dekalb-clerk", "dekalb-clerk@example.test", withdrawn, NoticeStatus.SENT, ""),
        (NoticeKind.REQUEST_WITHDRAWN, "fulton-clerk", "fulton-clerk@example.test", withdrawn, NoticeStatus.SENT, ""),
        (NoticeKind.REQUEST_WITHDRAWN, "norwood", "norwood@example.test", withdrawn, NoticeStatus.SENT, ""),
    ]
    assert sent(mailoutbox) == [
        (["dekalb-clerk@example.test"], withdrawn),
        (["fulton-clerk@example.test"], withdrawn),
        (["norwood@example.test"], withdrawn),
    ]
    assert mailoutbox[0].body == (
        "Mary Norwood has withdrawn the written request for a recount 2017-ATL-MAYOR-001 "
        "(Mayor, City of Atlanta, Atlanta Mayoral Runoff 2017).\n\nReason given: Conceded the race."
    )
