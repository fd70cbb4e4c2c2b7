"""The recount pages: every view's happy path, the outsider, the wrong method, and the history written.

The clock is pinned the day after Atlanta's 2017 runoff was certified (see `conftest.py`).
"""

import datetime
import hashlib
import logging
import re
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from elections.enums import ElectionKind, Level, VoteType
from elections.models import Candidate, Contest
from elections.services import certification_record
from recounts.enums import NoticeKind, RequestChannel, RequestStatus, Signatory
from recounts.models import Notice, RecountRequest
from recounts.queries import BusinessCalendar, act_by
from recounts.services.requests import Signature, letter_check, request_file
from tests.factories import (
    ATLANTA_CERTIFIED_AT,
    EASTERN,
    build_atlanta_runoff,
    build_race,
    device_code,
    georgia_counties,
    make_authenticator,
    make_candidate_account,
    make_pdf_bytes,
    make_secretary_of_state_staff,
    make_user,
    withdraw_in_writing,
)
from tests.recounts.conftest import DAY_AFTER_CERTIFICATION, DEADLINE

pytestmark = pytest.mark.django_db

UNSPEC = VoteType.UNSPECIFIED


def text_of(response) -> str:
    """The page's text with tags dropped and white space collapsed (none before punctuation), for
    whole-phrase assertions."""
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    return re.sub(r" ([.,;:)])", r"\1", text)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def pdf(name: str = "letter.pdf", content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, make_pdf_bytes() if content is None else content, content_type="application/pdf")


def file_online(candidate: Candidate, **arguments) -> RecountRequest:
    """A request filed through the service (the pages under test read it)."""
    return request_file(
        candidate=candidate,
        by=candidate.accounts.get(),
        signature=Signature(name=candidate.name),
        **arguments,
    )


def anonymous_is_sent_to_login(url: str, method: str = "get") -> bool:
    response = getattr(Client(), method)(url)
    return (response.status_code, response.url) == (302, f"/login/?next={url}")


def fulton_race(slug: str, account, *, name: str = "Race") -> Candidate:
    """A one-county contest in Fulton whose loser, Ben Baker, is linked to `account`."""
    contest = build_race(
        slug=slug,
        name=name,
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{UNSPEC: 1_000}], "Ben Baker": [{UNSPEC: 995}]},
    )
    baker = contest.candidates.get(name="Ben Baker")
    baker.accounts.add(account)
    return baker


# recounts:start (where a login lands)


def test_login_lands_on_the_page_of_the_role(norwood_user, fulton_user):
    """A candidate lands on their contests; staff pass their second factor first, then land on the elections."""
    device = make_authenticator(fulton_user)
    for username, page in [("norwood", reverse("recounts:mine")), ("fulton", reverse("recounts:elections"))]:
        client = Client()
        response = client.post(reverse("login"), {"username": username, "password": "staff-password-1"})
        assert (response.status_code, response.url) == (302, reverse("recounts:start"))
        if username == "fulton":
            verify = f"{reverse('accounts:two_factor_verify')}?next={reverse('recounts:start')}"
            assert client.get(reverse("recounts:start")).url == verify
            response = client.post(verify, {"code": device_code(device), "next": reverse("recounts:start")})
            assert response.url == reverse("recounts:start")
        assert client.get(reverse("recounts:start")).url == page


def test_start_refuses_an_account_without_a_role(nobody_client):
    assert nobody_client.get(reverse("recounts:start")).status_code == 403


def test_start_sends_an_administrator_without_a_role_to_the_admin(db):
    client = Client()
    client.force_login(make_user(username="admin", is_staff=True, is_superuser=True))

    assert client.get(reverse("recounts:start")).url == reverse("admin:index")


def test_start_anonymous_and_wrong_method(fulton_client):
    url = reverse("recounts:start")
    assert anonymous_is_sent_to_login(url)
    assert fulton_client.post(url).status_code == 405


# recounts:mine


def test_mine_shows_the_standing_the_window_and_the_countdown(norwood_client):
    response = norwood_client.get(reverse("recounts:mine"))

    assert response.status_code == 200
    text = text_of(response)
    assert "Mayor, City of Atlanta Atlanta Mayoral Runoff 2017, December 5, 2017 · Mary Norwood" in text
    assert "Total votes cast 92,502 Your votes 45,835" in text
    assert "Gap 832 votes behind Keisha Lance Bottoms, the closest declared candidate: 0.899% of the total" in text
    assert (
        "Rule in force Georgia, O.C.G.A. § 21-2-495(c), 1 percent: a candidate not declared may ask when within 1% "
        "of the total votes cast"
    ) in text
    assert "May you ask? Yes the gap is within 1% of the total" in text
    assert (
        "Filing window Open. Opened at the certification, Monday, December 11, 2017, 4:00 p.m. Eastern; "
        "closes Wednesday, December 13, 2017, 5:00 p.m. Eastern. Time left: 1 day, 7 hours"
    ) in text
    html = response.content.decode()
    # 31 hours to the deadline, for the script to count down from on the browser's monotonic clock.
    assert 'data-countdown-seconds="111600"' in html
    assert '<script src="/static/js/countdown.js" defer></script>' in html
    assert "<script>" not in html
    assert "None yet." in text
    assert f'href="{reverse("recounts:file", args=[response.context["candidacies"][0][0].candidate.pk])}"' in html


def test_mine_draws_the_shares_and_the_threshold_band(norwood_client):
    response = norwood_client.get(reverse("recounts:mine"))

    chart = response.context["candidacies"][0][0].chart
    assert [(bar.name, bar.percent, bar.width, bar.own, bar.declared, bar.declared_as) for bar in chart.bars] == [
        ("Keisha Lance Bottoms", Decimal("50.45"), 336, False, True, "elected"),
        ("Mary Norwood", Decimal("49.55"), 330, True, False, ""),
    ]
    # From Bottoms's share down by 1 % of the total; Norwood's bar ends inside it.
    assert (chart.axis_percent, chart.band_from, chart.band_to, chart.band_x, chart.band_width) == (
        60,
        Decimal("49.45"),
        Decimal("50.45"),
        330,
        6,
    )
    html = response.content.decode()
    assert html.count('<rect class="share-band" x="330" y="0" width="6" height="24"></rect>') == 2
    assert '<rect class="share-bar share-bar-own" x="0" y="4" width="330" height="16"></rect>' in html
    # The names and shares are text of the page (at body size), the own bar said in words as well as colour.
    assert (
        "Keisha Lance Bottoms (elected) 50.45% Mary Norwood (you) 49.55% 0% 60% Each bar is a candidate’s share of "
        "the votes cast, on a scale from 0% to 60%: yours is blue, a declared candidate’s dark grey. The shaded green "
        "band runs from 49.45% to 50.45%: within 1% of the total behind Keisha Lance Bottoms. A bar that reaches "
        "into it may ask for a recount."
    ) in text_of(response)


def test_mine_before_certification_names_the_missing_county(db, clock):
    contest = build_atlanta_runoff(certified_at=None)
    certification_record(
        election=contest.election,
        jurisdiction=georgia_counties("Fulton")[0],
        certified_at=ATLANTA_CERTIFIED_AT,
        by=None,
    )
    client = Client()
    client.force_login(make_candidate_account(contest.candidates.get(name="Mary Norwood"), username="norwood"))

    text = text_of(client.get(reverse("recounts:mine")))

    assert (
        "Filing window Not open yet. The window opens when the results are certified, and the certification of "
        "DeKalb County is still missing."
    ) in text
    assert "File a written request" not in text


def test_mine_for_a_statewide_office_waits_for_the_secretary_of_state(db, clock):
    contest = build_atlanta_runoff(slug="senate", office="State Senate", district="39", level=Level.STATE)
    client = Client()
    client.force_login(make_candidate_account(contest.candidates.get(name="Mary Norwood"), username="norwood"))

    text = text_of(client.get(reverse("recounts:mine")))

    assert "and the Secretary of State’s statewide certification is still missing." in text


def test_mine_after_the_deadline_says_closed_and_late_is_still_recorded(norwood_client, clock):
    clock.move_to(DEADLINE + datetime.timedelta(minutes=1), tick=False)

    response = norwood_client.get(reverse("recounts:mine"))

    text = text_of(response)
    assert (
        "Filing window Closed Wednesday, December 13, 2017, 5:00 p.m. Eastern (it opened at the certification, "
        "Monday, December 11, 2017, 4:00 p.m. Eastern). A request made now is still recorded, flagged late; "
        "the authority rules on it."
    ) in text
    assert "File a late written request" in text
    assert "data-countdown-seconds" not in response.content.decode()


def test_mine_lists_the_requests_with_receipt_and_withdraw_links(norwood, norwood_client):
    filed = file_online(norwood)

    response = norwood_client.get(reverse("recounts:mine"))

    text = text_of(response)
    assert "2017-ATL-MAYOR-001 Tuesday, December 12, 2017, 10:00 a.m. Eastern Filed Receipt (PDF) · Withdraw" in text
    assert "Your request 2017-ATL-MAYOR-001 is open: a second one cannot be filed." in text
    html = response.content.decode()
    assert f'href="/requests/{filed.pk}/receipt.pdf"' in html
    assert f'href="/requests/{filed.pk}/#withdraw"' in html
    assert "File a written request" not in text


def test_mine_shows_another_candidate_only_their_own(norwood, norwood_user, bottoms_client):
    file_online(norwood)

    response = bottoms_client.get(reverse("recounts:mine"))

    assert [candidacy.candidate.name for candidacy, _ in response.context["candidacies"]] == ["Keisha Lance Bottoms"]
    text = text_of(response)
    assert "Gap None: you were declared (elected)" in text
    assert "May you ask? No only a candidate not declared may ask" in text
    assert "2017-ATL-MAYOR-001" not in text


def test_mine_is_for_candidates_only(fulton_client, sos_client, nobody_client):
    url = reverse("recounts:mine")
    assert [c.get(url).status_code for c in (fulton_client, sos_client, nobody_client)] == [403, 403, 403]
    assert anonymous_is_sent_to_login(url)


def test_mine_wrong_method(norwood_client):
    assert norwood_client.post(reverse("recounts:mine")).status_code == 405


# session + user; whether the account has a second factor (authenticator, recovery codes) and must have
# one (Secretary of State group, superintendent's offices: the navbar asks them again, from cache); the
# account's candidates; contests, counties, candidates with totals, rules, closed days, certifications
# for the clock; every certification of their elections; their requests; the navbar's candidacies.
MINE_QUERIES = 2 + 2 + 2 + 3 + 1 + 6 + 1 + 1 + 1  # 3: the session renewed (savepoint, update, release)


@pytest.mark.parametrize("contest_count", [2, 20])
def test_mine_query_count_is_fixed(db, clock, django_assert_num_queries, contest_count):
    user = make_user(username="baker")
    for index in range(contest_count):
        baker = fulton_race(f"race-{index}", user, name=f"Race {index}")
        if index % 2:
            file_online(baker)
    client = Client()
    client.force_login(user)

    with django_assert_num_queries(MINE_QUERIES):
        response = client.get(reverse("recounts:mine"))

    assert len(response.context["candidacies"]) == contest_count


# recounts:file


FILING = {
    "statement": "I ask for a recount of the returns.",
    "signature": "Mary Norwood",
    "signatory": Signatory.CANDIDATE,
    "agent_name": "",
    "attestation": "on",
}


def file_url(candidate: Candidate) -> str:
    return reverse("recounts:file", args=[candidate.pk])


def test_file_page_shows_the_facts_and_the_form(norwood, norwood_client):
    response = norwood_client.get(file_url(norwood))

    assert response.status_code == 200
    text = text_of(response)
    assert "May you ask? Yes the gap is within 1% of the total" in text
    assert "closes Wednesday, December 13, 2017, 5:00 p.m. Eastern." in text
    assert (
        "I am the candidate, or the candidate's authorised agent named above, and this is my written request for a "
        "recount"
    ) in text
    assert 'enctype="multipart/form-data"' in response.content.decode()
    assert "not entitled to ask" not in text
    assert "deadline has passed" not in text


def test_filing_with_a_letter_records_the_request_and_its_history(norwood, norwood_user, norwood_client):
    content = make_pdf_bytes(pages=2)

    response = norwood_client.post(file_url(norwood), FILING | {"letter": pdf(content=content)}, follow=True)

    filed = RecountRequest.objects.get()
    assert response.redirect_chain == [(reverse("recounts:request", args=[filed.pk]), 302)]
    assert messages_of(response) == ["Your written request was recorded: receipt 2017-ATL-MAYOR-001."]
    assert (
        filed.candidate,
        filed.channel,
        filed.filed_by,
        filed.filed_at,
        filed.statement,
        filed.signature,
        filed.letter_name,
        filed.letter_sha256,
        filed.eligible,
        filed.late,
    ) == (
        norwood,
        RequestChannel.ONLINE,
        norwood_user,
        DAY_AFTER_CERTIFICATION,
        "I ask for a recount of the returns.",
        "Mary Norwood",
        "letter.pdf",
        hashlib.sha256(content).hexdigest(),
        True,
        False,
    )
    record = filed.history.first()
    assert (record.history_change_reason, record.history_user) == ("Filed online", norwood_user)


def test_filing_by_an_agent_needs_the_agent_named(norwood, norwood_client):
    response = norwood_client.post(file_url(norwood), FILING | {"signatory": Signatory.AGENT})

    assert response.context["form"].errors == {"agent_name": ["Name the authorised agent who signs for the candidate."]}
    assert not RecountRequest.objects.exists()

    norwood_client.post(file_url(norwood), FILING | {"signatory": Signatory.AGENT, "agent_name": "Ann Agent"})
    assert RecountRequest.objects.values_list("signatory", "agent_name").get() == (Signatory.AGENT, "Ann Agent")


def test_filing_without_the_attestation_writes_nothing(norwood, norwood_client):
    response = norwood_client.post(file_url(norwood), FILING | {"attestation": ""})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "attestation": ["Tick the box to confirm that this is your written request for a recount."]
    }
    assert not RecountRequest.objects.exists()


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (
            SimpleUploadedFile("letter.pdf", b"GIF89a not a pdf"),
            "The signed letter is not a PDF file (its content does not start as a PDF does).",
        ),
        (
            SimpleUploadedFile("letter.pdf", b"%PDF-1.7 but broken"),
            "The signed letter could not be read as a PDF document; scan or save it again as a PDF.",
        ),
    ],
)
def test_filing_with_a_letter_that_is_not_a_pdf_shows_the_message_on_the_field(norwood, norwood_client, upload, error):
    response = norwood_client.post(file_url(norwood), FILING | {"letter": upload})

    assert response.context["form"].errors == {"letter": [error]}
    assert not RecountRequest.objects.exists()
    assert not list(Path(settings.PRIVATE_FILES_ROOT).rglob("*.pdf"))


def test_filing_a_too_large_letter_shows_the_limit(norwood, norwood_client, settings):
    settings.LETTER_MAX_BYTES = 1024

    response = norwood_client.post(file_url(norwood), FILING | {"letter": pdf(content=make_pdf_bytes(pages=40))})

    (error,) = response.context["form"].errors["letter"]
    assert error.endswith("the limit is 0 MB.")
    assert not RecountRequest.objects.exists()


def test_filing_twice_sends_the_candidate_to_the_open_request(norwood, norwood_client):
    existing = file_online(norwood)

    response = norwood_client.post(file_url(norwood), FILING, follow=True)

    assert response.redirect_chain == [(reverse("recounts:request", args=[existing.pk]), 302)]
    assert messages_of(response) == [
        "Mary Norwood already has an open request in this contest: receipt 2017-ATL-MAYOR-001, filed Tuesday, "
        "December 12, 2017, 10:00 a.m. Eastern."
    ]
    assert RecountRequest.objects.count() == 1


def test_filing_before_certification_shows_why_and_changes_nothing(db, clock):
    contest = build_atlanta_runoff(certified_at=None)
    norwood = contest.candidates.get(name="Mary Norwood")
    client = Client()
    client.force_login(make_candidate_account(norwood, username="norwood"))

    page = client.get(file_url(norwood))
    response = client.post(file_url(norwood), FILING)

    assert "You cannot file a request in this contest: The returns for this contest are not certified yet" in text_of(
        page
    )
    assert "<form" not in page.content.decode().split("</nav>", 1)[1]
    assert response.status_code == 200
    assert messages_of(response) == [
        "The returns for this contest are not certified yet, so the time to ask has not begun; a request can be made "
        "once they are."
    ]
    assert not RecountRequest.objects.exists()


def test_filing_late_warns_and_records_the_late_flag(norwood, norwood_client, clock):
    clock.move_to(DEADLINE + datetime.timedelta(minutes=1), tick=False)

    page = norwood_client.get(file_url(norwood))
    norwood_client.post(file_url(norwood), FILING)

    assert (
        "The deadline has passed. A request made now is still recorded, flagged late, and the authority rules on it."
    ) in text_of(page)
    assert RecountRequest.objects.values_list("late", flat=True).get() is True


def test_filing_when_not_eligible_warns_and_records_it(db, clock):
    contest = build_race(
        slug="wide",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{UNSPEC: 1_000}], "Ben Baker": [{UNSPEC: 900}]},
    )
    baker = contest.candidates.get(name="Ben Baker")
    client = Client()
    client.force_login(make_candidate_account(baker, username="baker"))

    page = client.get(file_url(baker))
    client.post(file_url(baker), FILING | {"signature": "Ben Baker"})

    text = text_of(page)
    assert "May you ask? No the gap is more than 1% of the total" in text
    assert (
        "On the certified returns you are not entitled to ask. A request is still recorded, and the authority decides."
        in (text)
    )
    assert RecountRequest.objects.values_list("eligible", flat=True).get() is False


def test_file_is_only_for_the_candidate_own_account(norwood, bottoms_client, fulton_client, sos_client, nobody_client):
    url = file_url(norwood)
    for client in (bottoms_client, fulton_client, sos_client, nobody_client):
        assert client.get(url).status_code == 404
        assert client.post(url, FILING).status_code == 404
    assert anonymous_is_sent_to_login(url)
    assert not RecountRequest.objects.exists()


def test_file_wrong_method(norwood, norwood_client):
    assert norwood_client.put(file_url(norwood)).status_code == 405
    assert norwood_client.delete(file_url(norwood)).status_code == 405


# recounts:request


@pytest.fixture
def filed(norwood, norwood_user) -> RecountRequest:
    return file_online(norwood, statement="Recount, please.", letter=letter_check(pdf()))


def request_url(recount_request: RecountRequest, name: str = "recounts:request") -> str:
    return reverse(name, args=[recount_request.pk])


def test_request_page_shows_everything_recorded_and_the_timeline(filed, norwood_client):
    response = norwood_client.get(request_url(filed))

    assert response.status_code == 200
    text = text_of(response)
    assert "Request 2017-ATL-MAYOR-001 Filed" in text
    assert "Made Filed online by the candidate" in text
    assert "Filed Tuesday, December 12, 2017, 10:00 a.m. Eastern" in text
    assert "Recorded Tuesday, December 12, 2017, 10:00 a.m. Eastern by Mary Norwood" in text
    assert "Signed Mary Norwood, the candidate" in text
    assert "Statement Recount, please." in text
    assert f"Signed letter letter.pdf SHA-256 {filed.letter_sha256}" in text
    assert "Addressed to DeKalb County, Fulton County" in text
    assert "Rule Georgia, O.C.G.A. § 21-2-495(c), 1 percent: threshold 1% of the total votes cast" in text
    assert "Gap 832 behind Keisha Lance Bottoms (0.899% of the total)" in text
    assert "Deadline Wednesday, December 13, 2017, 5:00 p.m. Eastern" in text
    assert "Tuesday, December 12, 2017, 10:00 a.m. Eastern Mary Norwood Filed online Recorded" in text
    assert 'id="withdraw"' in response.content.decode()


def test_request_page_for_the_authorities_staff_without_the_withdraw_form(
    filed, fulton_client, dekalb_client, sos_client
):
    for client in (fulton_client, dekalb_client, sos_client):
        response = client.get(request_url(filed))
        assert response.status_code == 200
        assert 'id="withdraw"' not in response.content.decode()


def test_request_page_outsiders_get_404(filed, cobb_client, bottoms_client, nobody_client):
    url = request_url(filed)
    assert [c.get(url).status_code for c in (cobb_client, bottoms_client, nobody_client)] == [404, 404, 404]
    assert anonymous_is_sent_to_login(url)


def test_request_page_wrong_method(filed, norwood_client):
    assert norwood_client.post(request_url(filed)).status_code == 405


# recounts:receipt


def test_receipt_is_a_pdf_attachment_named_by_its_number(filed, norwood_client, fulton_client):
    for client in (norwood_client, fulton_client):
        response = client.get(request_url(filed, "recounts:receipt"))
        assert response.status_code == 200
        assert (response["Content-Type"], response["Content-Disposition"]) == (
            "application/pdf",
            'attachment; filename="2017-ATL-MAYOR-001.pdf"',
        )
        assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_receipt_outsiders_and_wrong_method(filed, norwood_client, cobb_client, bottoms_client, nobody_client):
    url = request_url(filed, "recounts:receipt")
    assert [c.get(url).status_code for c in (cobb_client, bottoms_client, nobody_client)] == [404, 404, 404]
    assert anonymous_is_sent_to_login(url)
    assert norwood_client.post(url).status_code == 405


# recounts:letter


def test_letter_is_served_to_the_candidate_and_the_authority(filed, norwood_client, fulton_client):
    for client in (norwood_client, fulton_client):
        response = client.get(request_url(filed, "recounts:letter"))
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="2017-ATL-MAYOR-001-letter.pdf"'
        assert b"".join(response.streaming_content) == make_pdf_bytes()


def test_letter_that_no_longer_matches_its_sha256_is_not_served(filed, norwood_client, caplog):
    Path(filed.letter.path).write_bytes(make_pdf_bytes(pages=3))

    with caplog.at_level(logging.ERROR, logger="recounts.views"):
        response = norwood_client.get(request_url(filed, "recounts:letter"))

    assert response.status_code == 404
    assert caplog.messages == [
        f"The letter of request 2017-ATL-MAYOR-001 does not match its recorded SHA-256 {filed.letter_sha256}; "
        "not served."
    ]


def test_letter_missing_from_the_store_or_never_given_is_404(filed, norwood, norwood_client, caplog):
    Path(filed.letter.path).unlink()
    with caplog.at_level(logging.ERROR, logger="recounts.views"):
        assert norwood_client.get(request_url(filed, "recounts:letter")).status_code == 404
    assert caplog.messages == ["The letter of request 2017-ATL-MAYOR-001 is missing from the private store."]

    withdraw_in_writing(request=filed, by=norwood.accounts.get())
    without = file_online(norwood)
    assert norwood_client.get(request_url(without, "recounts:letter")).status_code == 404


def test_letter_outsiders_and_wrong_method(filed, norwood_client, cobb_client, bottoms_client, nobody_client):
    url = request_url(filed, "recounts:letter")
    assert [c.get(url).status_code for c in (cobb_client, bottoms_client, nobody_client)] == [404, 404, 404]
    assert anonymous_is_sent_to_login(url)
    assert norwood_client.post(url).status_code == 405


# recounts:withdraw


WITHDRAWAL = {
    "withdraw-reason": "Conceded.",
    "withdraw-signature": "Mary Norwood",
    "withdraw-signatory": "candidate",
    "withdraw-attestation": "on",
    "confirmed": "yes",  # as sent from the check page
}


def test_withdraw_records_the_reason_in_history(filed, norwood_user, norwood_client):
    response = norwood_client.post(request_url(filed, "recounts:withdraw"), WITHDRAWAL, follow=True)

    assert response.redirect_chain == [(request_url(filed), 302)]
    assert messages_of(response) == ["Request 2017-ATL-MAYOR-001 is withdrawn."]
    filed.refresh_from_db()
    assert (filed.status, filed.withdrawal_reason) == (RequestStatus.WITHDRAWN, "Conceded.")
    record = filed.history.first()
    assert (record.history_change_reason, record.history_user) == (
        "Withdrawn in writing, signed Mary Norwood: Conceded.",
        norwood_user,
    )
    assert (filed.withdrawal_signature, filed.withdrawn_by) == ("Mary Norwood", norwood_user)
    assert "Withdrawn in writing, signed Mary Norwood: Conceded. Status: Filed → Withdrawn" in text_of(response)


def test_a_withdrawal_without_signature_and_attestation_is_refused_on_the_form(filed, norwood_client):
    response = norwood_client.post(request_url(filed, "recounts:withdraw"), {"withdraw-reason": "Conceded."})

    assert response.status_code == 200
    assert response.context["withdraw_form"].errors == {
        "signature": ["This field is required."],
        "signatory": ["This field is required."],
        "attestation": ["This field is required."],
    }
    filed.refresh_from_db()
    assert filed.status == RequestStatus.FILED


def test_withdraw_twice_says_why_and_changes_nothing(filed, norwood_client):
    url = request_url(filed, "recounts:withdraw")
    norwood_client.post(url, WITHDRAWAL, follow=True)

    response = norwood_client.post(url, WITHDRAWAL, follow=True)

    assert messages_of(response) == ["The case is withdrawn; it can be withdrawn only until the recount is ordered."]
    assert filed.history.count() == 2


def test_withdraw_is_for_the_candidate_only(
    filed, fulton_client, sos_client, cobb_client, bottoms_client, nobody_client
):
    url = request_url(filed, "recounts:withdraw")
    assert [c.post(url).status_code for c in (fulton_client, sos_client)] == [403, 403]
    assert [c.post(url).status_code for c in (cobb_client, bottoms_client, nobody_client)] == [404, 404, 404]
    assert anonymous_is_sent_to_login(url, "post")
    filed.refresh_from_db()
    assert filed.status == RequestStatus.FILED


def test_withdraw_wrong_method(filed, norwood_client):
    assert norwood_client.get(request_url(filed, "recounts:withdraw")).status_code == 405


# recounts:link and the link to set a password


def link_url(candidate: Candidate) -> str:
    return reverse("recounts:link", args=[candidate.pk])


def contest_url(contest: Contest) -> str:
    return reverse("recounts:contest", args=[contest.election.slug, contest.pk])


def test_link_records_the_address_and_opens_an_account_that_sets_its_password_once(
    norwood, fulton_superintendent, fulton_superintendent_client
):
    response = fulton_superintendent_client.post(link_url(norwood), {"email": "Mary@Example.test"}, follow=True)

    assert response.redirect_chain == [(contest_url(norwood.contest), 302)]
    assert messages_of(response) == [
        "mary@example.test is linked to Mary Norwood: a link to set a password went to mary@example.test."
    ]
    account = norwood.accounts.get()
    assert (account.username, account.has_usable_password()) == ("mary@example.test", False)
    record = norwood.history.first()
    assert (record.history_change_reason, record.history_user, record.email) == (
        "Address of record entered; account mary@example.test linked by fulton-superintendent",
        fulton_superintendent,
        "mary@example.test",
    )
    assert "Linked accounts" in text_of(response)
    assert "mary@example.test" in text_of(response)
    notice = Notice.objects.get(kind=NoticeKind.CANDIDATE_INVITATION)
    link = re.search(r"http://testserver(/accounts/set-password/\S+/)", notice.body).group(1)

    candidate_browser = Client()
    form_page = candidate_browser.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    assert "Your user name is mary@example.test." in text_of(form_page)
    done = candidate_browser.post(
        set_url, {"new_password1": "a-long-ballot-phrase-7", "new_password2": "a-long-ballot-phrase-7"}
    )
    assert done.url == reverse("password_set_done")
    assert candidate_browser.login(
        request=HttpRequest(), username="mary@example.test", password="a-long-ballot-phrase-7"
    )
    assert "This link has been used or has expired." in text_of(Client().get(link, follow=True))


def test_link_only_at_the_address_of_record_and_the_other_accounts_are_told(
    norwood, norwood_user, fulton_superintendent_client
):
    norwood.email = "mary@example.test"
    norwood.save()

    other = fulton_superintendent_client.post(link_url(norwood), {"email": "mallory@example.test"}, follow=True)
    # The address on record is shown, not editable: the one posted is not read.
    assert messages_of(other) == [
        "mary@example.test is linked to Mary Norwood: a link to set a password went to mary@example.test."
    ]
    assert sorted(norwood.accounts.values_list("username", flat=True)) == ["mary@example.test", "norwood"]
    told = Notice.objects.get(kind=NoticeKind.ACCOUNT_LINKED)
    assert (told.recipient, told.subject) == (norwood_user, "Another account was linked to Mary Norwood")


def test_link_with_a_bad_address_changes_nothing(norwood, fulton_superintendent_client):
    response = fulton_superintendent_client.post(link_url(norwood), {"email": "not an address"})

    # The contest page again, the problem on top linking to the field, which keeps what was typed.
    assert response.status_code == 200
    assert response.context["link_form"].errors == {"email": ["Enter a valid email address."]}
    assert f'<li><a href="#link-{norwood.pk}-email" class="alert-link">Enter a valid email address.</a></li>' in (
        response.content.decode()
    )
    assert not norwood.accounts.exists()


def test_link_of_a_staff_account_is_refused_with_the_reason(norwood, fulton_superintendent_client, dekalb_client):
    response = fulton_superintendent_client.post(link_url(norwood), {"email": "dekalb@example.test"})

    assert response.status_code == 200
    assert response.context["link_form"].errors == {
        "email": ["dekalb@example.test belongs to a staff account; a candidate needs an account of their own."]
    }
    assert not norwood.accounts.exists()


def test_link_outsiders(norwood, norwood_client, fulton_client, cobb_client, nobody_client):
    url = link_url(norwood)
    assert [c.post(url, {"email": "x@example.test"}).status_code for c in (norwood_client, fulton_client)] == [
        403,
        403,
    ]
    assert [c.post(url, {"email": "x@example.test"}).status_code for c in (cobb_client, nobody_client)] == [404, 404]
    assert anonymous_is_sent_to_login(url, "post")
    assert norwood.accounts.get().username == "norwood"


def test_link_wrong_method(norwood, fulton_superintendent_client):
    assert fulton_superintendent_client.get(link_url(norwood)).status_code == 405


# recounts:inbox


def test_inbox_shows_the_request_to_each_superintendent_addressed(filed, fulton_client, dekalb_client):
    for client in (fulton_client, dekalb_client):
        response = client.get(reverse("recounts:inbox"))
        assert response.status_code == 200
        assert [entry.request for entry in response.context["entries"]] == [filed]
    text = text_of(response)
    assert (
        "Tuesday, December 12, 2017, 10:00 a.m. Eastern 0 minutes ago 2017-ATL-MAYOR-001 Mary Norwood "
        "Mayor, City of Atlanta Atlanta Mayoral Runoff 2017"
    ) in text
    assert "Filed online by the candidate eligible in time Filed" in text
    assert '">overdue</span>' not in response.content.decode()


def test_inbox_of_another_county_and_of_the_secretary_of_state_is_empty(filed, cobb_client, sos_client):
    for client in (cobb_client, sos_client):
        response = client.get(reverse("recounts:inbox"))
        assert response.context["entries"] == []
        assert "No request is addressed to your office." in text_of(response)


def test_inbox_of_the_secretary_of_state_holds_its_route(db, clock, sos_client, fulton_client):
    contest = build_atlanta_runoff(slug="senate", office="State Senate", district="39", level=Level.STATE)
    certification_record(election=contest.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)
    norwood = contest.candidates.get(name="Mary Norwood")
    make_candidate_account(norwood, username="norwood")
    filed = file_online(norwood)

    assert [entry.request for entry in sos_client.get(reverse("recounts:inbox")).context["entries"]] == [filed]
    assert fulton_client.get(reverse("recounts:inbox")).context["entries"] == []


def test_inbox_flags_a_request_not_acted_on_by_the_end_of_the_next_business_day(filed, fulton_client, clock):
    clock.move_to(datetime.datetime(2017, 12, 13, 23, 59, tzinfo=EASTERN), tick=False)
    (entry,) = fulton_client.get(reverse("recounts:inbox")).context["entries"]
    assert (entry.act_by, entry.overdue) == (datetime.datetime(2017, 12, 14, 0, 0, tzinfo=EASTERN), False)

    clock.move_to(datetime.datetime(2017, 12, 14, 0, 0, tzinfo=EASTERN), tick=False)
    response = fulton_client.get(reverse("recounts:inbox"))

    (entry,) = response.context["entries"]
    assert entry.overdue is True
    assert "Filed overdue act by midnight at the end of Wednesday, December 13, 2017 Eastern" in text_of(response)


def test_inbox_a_withdrawn_request_is_never_overdue(filed, norwood_user, fulton_client, clock):
    withdraw_in_writing(request=filed, by=norwood_user)
    clock.move_to(datetime.datetime(2017, 12, 20, 9, 0, tzinfo=EASTERN), tick=False)

    (entry,) = fulton_client.get(reverse("recounts:inbox")).context["entries"]

    assert (entry.request.status, entry.overdue) == (RequestStatus.WITHDRAWN, False)


@pytest.mark.parametrize(
    ("filed_at", "due"),
    [
        pytest.param(datetime.datetime(2017, 12, 12, 10, 0), datetime.datetime(2017, 12, 14), id="tuesday"),
        pytest.param(datetime.datetime(2017, 12, 12, 23, 30), datetime.datetime(2017, 12, 14), id="tuesday-night"),
        pytest.param(datetime.datetime(2017, 12, 9, 11, 0), datetime.datetime(2017, 12, 12), id="saturday"),
        # Thanksgiving and the Friday after are Georgia state holidays.
        pytest.param(datetime.datetime(2017, 11, 22, 15, 0), datetime.datetime(2017, 11, 28), id="thanksgiving"),
    ],
)
def test_act_by_is_the_end_of_the_next_business_day(filed_at, due):
    assert act_by(filed_at.replace(tzinfo=EASTERN), BusinessCalendar(), EASTERN) == due.replace(tzinfo=EASTERN)


def test_inbox_is_for_staff_only(norwood_client, nobody_client):
    url = reverse("recounts:inbox")
    assert [c.get(url).status_code for c in (norwood_client, nobody_client)] == [403, 403]
    assert anonymous_is_sent_to_login(url)


def test_inbox_wrong_method(fulton_client):
    assert fulton_client.post(reverse("recounts:inbox")).status_code == 405


# session + user + second-factor device; the reader's role (Secretary of State group, superintendent's offices);
# the requests (+ contest, election, home county, candidate) and their authorities; rules; closed days; the
# navbar's candidacies.
INBOX_QUERIES = 3 + 3 + 2 + 2 + 2 + 1  # 3: the session renewed (savepoint, update, release)


@pytest.mark.parametrize("request_count", [2, 20])
def test_inbox_query_count_is_fixed(db, clock, fulton_client, django_assert_num_queries, request_count):
    user = make_user(username="baker")
    for index in range(request_count):
        file_online(fulton_race(f"race-{index}", user, name=f"Race {index}"))

    with django_assert_num_queries(INBOX_QUERIES):
        response = fulton_client.get(reverse("recounts:inbox"))

    assert len(response.context["entries"]) == request_count


# recounts:record


RECEIVED = {
    "channel": RequestChannel.PAPER,
    "received_at": "2017-12-11T17:30",
    "statement": "",
    "signature": "Mary Norwood",
    "signatory": Signatory.CANDIDATE,
    "agent_name": "",
}


def test_record_form_offers_the_candidates_of_the_contests_received(norwood, fulton_client):
    response = fulton_client.get(reverse("recounts:record"), {"contest": norwood.contest_id})

    assert response.status_code == 200
    assert [str(label) for _, label in response.context["form"].fields["candidate"].choices][1:] == [
        "Keisha Lance Bottoms — Mayor, City of Atlanta (Atlanta Mayoral Runoff 2017)",
        "Mary Norwood — Mayor, City of Atlanta (Atlanta Mayoral Runoff 2017)",
    ]
    assert 'type="datetime-local"' in response.content.decode()


def test_record_a_paper_request_received_earlier(norwood, fulton_user, fulton_client):
    response = fulton_client.post(
        reverse("recounts:record"), RECEIVED | {"candidate": norwood.pk, "scan": pdf("scan.pdf")}, follow=True
    )

    recorded = RecountRequest.objects.get()
    assert response.redirect_chain == [(request_url(recorded), 302)]
    assert messages_of(response) == ["The request is recorded: receipt 2017-ATL-MAYOR-001."]
    assert (recorded.channel, recorded.filed_at, recorded.recorded_at, recorded.filed_by, recorded.late) == (
        RequestChannel.PAPER,
        datetime.datetime(2017, 12, 11, 17, 30, tzinfo=EASTERN),
        DAY_AFTER_CERTIFICATION,
        fulton_user,
        False,
    )
    record = recorded.history.first()
    assert (record.history_change_reason, record.history_user) == (
        "Received on paper; entered by staff",
        fulton_user,
    )


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        (
            {"received_at": "2017-12-12T10:01"},
            {"received_at": ["The request cannot have been received in the future."]},
        ),
        ({"received_at": "yesterday"}, {"received_at": ["Enter a valid date/time."]}),
        ({"scan": None}, {"scan": ["This field is required."]}),
        (
            {"scan": SimpleUploadedFile("scan.pdf", b"<html>")},
            {"scan": ["The scan is not a PDF file (its content does not start as a PDF does)."]},
        ),
        (
            {"channel": RequestChannel.ONLINE},
            {"channel": ["Select a valid choice. online is not one of the available choices."]},
        ),
    ],
)
def test_record_bad_input_shows_the_message_and_writes_nothing(norwood, fulton_client, change, errors):
    data = RECEIVED | {"candidate": norwood.pk, "scan": pdf("scan.pdf")} | change
    data = {key: value for key, value in data.items() if value is not None}

    response = fulton_client.post(reverse("recounts:record"), data)

    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert not RecountRequest.objects.exists()


def test_record_with_numbers_out_of_range_does_not_fail(norwood, fulton_client):
    huge = "99999999999999999999"

    page = fulton_client.get(reverse("recounts:record"), {"contest": huge})
    response = fulton_client.post(reverse("recounts:record"), RECEIVED | {"candidate": huge, "scan": pdf()})

    assert (page.status_code, list(page.context["form"].fields["candidate"].queryset)) == (200, [])
    assert response.context["form"].errors == {
        "candidate": ["Select a valid choice. That choice is not one of the available choices."]
    }


def test_record_before_certification_offers_nothing_and_says_why(db, clock, fulton_client):
    contest = build_atlanta_runoff(certified_at=None)
    norwood = contest.candidates.get(name="Mary Norwood")

    page = fulton_client.get(reverse("recounts:record"))
    response = fulton_client.post(reverse("recounts:record"), RECEIVED | {"candidate": norwood.pk, "scan": pdf()})

    assert "There is no request your office can record now" in text_of(page)
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "candidate": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert not RecountRequest.objects.exists()


def test_record_for_a_contest_not_received_is_refused(norwood, cobb_client, sos_client):
    for client in (cobb_client, sos_client):
        response = client.post(reverse("recounts:record"), RECEIVED | {"candidate": norwood.pk, "scan": pdf()})
        assert response.context["form"].errors == {
            "candidate": ["Select a valid choice. That choice is not one of the available choices."]
        }
    assert not RecountRequest.objects.exists()


def test_record_is_for_staff_only(norwood, norwood_client, nobody_client):
    url = reverse("recounts:record")
    assert [c.get(url).status_code for c in (norwood_client, nobody_client)] == [403, 403]
    assert norwood_client.post(url, RECEIVED | {"candidate": norwood.pk, "scan": pdf()}).status_code == 403
    assert anonymous_is_sent_to_login(url)
    assert not RecountRequest.objects.exists()


def test_record_wrong_method(fulton_client):
    assert fulton_client.put(reverse("recounts:record")).status_code == 405


def test_record_offers_the_secretary_of_state_only_its_route(db, clock, sos_client):
    build_atlanta_runoff()
    senate = build_race(
        slug="senate",
        office="U.S. Senate",
        level=Level.FEDERAL,
        kind=ElectionKind.GENERAL,
        counties=georgia_counties("Fulton", "Cobb"),
        votes={"Ada Able": [{UNSPEC: 10}, {UNSPEC: 10}], "Ben Baker": [{UNSPEC: 9}, {UNSPEC: 10}]},
    )
    certification_record(election=senate.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)

    response = sos_client.get(reverse("recounts:record"))

    assert list(response.context["form"].fields["candidate"].queryset) == list(senate.candidates.all())


# recounts:notices


def test_notices_lists_the_user_own_newest_first(fulton_client, filed, norwood_user, norwood_client, clock):
    # Fulton's staff exists before the filing: they get the new request's notice.
    clock.move_to(DAY_AFTER_CERTIFICATION + datetime.timedelta(hours=1), tick=False)
    withdraw_in_writing(request=filed, by=norwood_user, reason="Conceded.")

    response = norwood_client.get(reverse("recounts:notices"))

    assert [(n.kind, n.recipient) for n in response.context["notices"]] == [
        (NoticeKind.REQUEST_WITHDRAWN, norwood_user),
        (NoticeKind.REQUEST_RECEIPT, norwood_user),
    ]
    assert "Receipt 2017-ATL-MAYOR-001: your written request for a recount" in text_of(response)
    assert [n.kind for n in fulton_client.get(reverse("recounts:notices")).context["notices"]] == [
        NoticeKind.REQUEST_WITHDRAWN,
        NoticeKind.REQUEST_RECEIVED,
    ]


def test_notices_of_others_are_not_shown(filed, cobb_client, nobody_client):
    for client in (cobb_client, nobody_client):
        response = client.get(reverse("recounts:notices"))
        assert list(response.context["notices"]) == []
        assert "No notices yet." in text_of(response)
    assert anonymous_is_sent_to_login(reverse("recounts:notices"))


def test_notices_wrong_method(norwood_client):
    assert norwood_client.post(reverse("recounts:notices")).status_code == 405


# The navbar: links by role.


def navbar_links(client: Client) -> list[str]:
    html = client.get(reverse("recounts:notices")).content.decode()
    navbar = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    return re.findall(r'class="nav-link" href="[^"]+">([^<]+)</a>', navbar)


def test_navbar_links_by_role(norwood_client, fulton_client, nobody_client):
    sos = Client()
    sos.force_login(make_secretary_of_state_staff(username="sos-staff", is_staff=True))

    assert navbar_links(norwood_client) == ["My contests", "Notices"]
    assert navbar_links(fulton_client) == ["Inbox", "Cases", "Elections", "Your office", "Notices"]
    assert navbar_links(sos) == ["Inbox", "Cases", "Dashboard", "Elections", "Import returns", "Notices", "Admin"]
    assert navbar_links(nobody_client) == ["Notices"]
