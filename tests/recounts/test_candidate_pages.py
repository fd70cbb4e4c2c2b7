"""The candidate's pages as issue 12 found them: problems of the filing form on top (and in the page's
title), the rehearsal copy said on every page that shows it, and the chart's caption true to it."""

import re
from html import unescape

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from recounts.models import RecountRequest
from recounts.services.cases import RecountError
from recounts.services.requests import Signature, request_file
from tests.factories import (
    build_atlanta_runoff,
    make_candidate_account,
    make_county_recount,
    make_ordered_request,
    make_user,
)
from tests.recounts.conftest import DAY_AFTER_CERTIFICATION

pytestmark = pytest.mark.django_db

BANNER = (
    "REHEARSAL : this page shows the rehearsal copy of an election, for practice only. Nothing done in it is a "
    "real request, recount or document."
)


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def title_of(response) -> str:
    return " ".join(re.search(r"<title>(.*?)</title>", response.content.decode(), re.DOTALL).group(1).split())


def problems_of(response) -> list[tuple[str, str]]:
    """The error summary's problems: (link, message); the link is empty for a problem of the whole form."""
    html = response.content.decode()
    summary = re.search(r'<div class="alert alert-danger error-summary".*?</ul>', html, re.DOTALL)
    if summary is None:
        return []
    return [
        (anchor or "", unescape(message).strip())
        for anchor, message in re.findall(
            r'<li>(?:<a href="([^"]+)" class="alert-link">)?(.*?)(?:</a>)?</li>', summary.group(0), re.DOTALL
        )
    ]


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rehearsal(db, clock):
    """A rehearsal copy of the race, as load_demo makes it."""
    contest = build_atlanta_runoff(slug="atlanta-mayor-runoff-2017-rehearsal-2017-12-11", name="REHEARSAL COPY")
    contest.election.rehearsal = True
    contest.election.save()
    return contest


# The filing form


def test_filing_with_problems_lists_them_on_top_and_in_the_title(norwood, norwood_client):
    response = norwood_client.post(reverse("recounts:file", args=[norwood.pk]), {"signatory": "agent"})

    assert response.status_code == 200
    assert title_of(response) == "Error: Written request — Mayor, City of Atlanta · Recount Desk"
    assert problems_of(response) == [
        ("#id_signature", "Type the full legal name as the signature."),
        ("#id_agent_name", "Name the authorised agent who signs for the candidate."),
        ("#id_attestation", "Tick the box to confirm that this is your written request for a recount."),
    ]
    # The summary takes the focus (a screen reader reads it first): a script, as the policy allows no inline one.
    assert '<script src="/static/js/error_summary.js" defer></script>' in response.content.decode()
    assert not RecountRequest.objects.exists()


def test_filing_refused_by_the_service_says_why_on_top(norwood, norwood_client, monkeypatch):
    def refuse(**arguments) -> RecountRequest:
        raise RecountError("The returns were certified again: reload the page and file again.")

    monkeypatch.setattr("recounts.views.candidates.request_file", refuse)
    response = norwood_client.post(
        reverse("recounts:file", args=[norwood.pk]),
        {"signature": "Mary Norwood", "signatory": "candidate", "attestation": "on"},
    )

    assert response.status_code == 200
    assert title_of(response).startswith("Error: ")
    assert problems_of(response) == [("", "The returns were certified again: reload the page and file again.")]


def test_the_filing_page_without_problems_has_no_summary(norwood, norwood_client):
    response = norwood_client.get(reverse("recounts:file", args=[norwood.pk]))

    assert title_of(response) == "Written request — Mayor, City of Atlanta · Recount Desk"
    assert problems_of(response) == []


# The link form (on the contest page)


def test_linking_with_problems_shows_the_contest_page_with_them_on_top(norwood, fulton_superintendent_client):
    response = fulton_superintendent_client.post(reverse("recounts:link", args=[norwood.pk]), {"email": "nope"})

    assert response.status_code == 200
    assert title_of(response) == "Error: Mayor, City of Atlanta — Atlanta Mayoral Runoff 2017 · Recount Desk"
    assert problems_of(response) == [(f"#link-{norwood.pk}-email", "Enter a valid email address.")]
    html = response.content.decode()
    field = re.search(rf'<input type="email"[^>]*id="link-{norwood.pk}-email"[^>]*>', html, re.DOTALL).group(0)
    assert 'aria-invalid="true"' in field
    assert 'value="nope"' in field
    assert (
        f'<div class="invalid-feedback" id="link-{norwood.pk}-email-error">Enter a valid email address.</div>' in html
    )


# The rehearsal copy


def test_my_contests_says_which_contest_is_the_rehearsal(norwood, norwood_user, rehearsal):
    rehearsal.candidates.get(name="Mary Norwood").accounts.add(norwood_user)

    response = client_of(norwood_user).get(reverse("recounts:mine"))

    text = text_of(response)
    assert text.count(BANNER) == 1
    headings = re.findall(r'<h2 class="h5 mb-0">(.*?)</h2>', response.content.decode())
    assert headings == [
        "Mayor, City of Atlanta",
        '<span class="badge rehearsal-badge me-1">Rehearsal</span>Mayor, City of Atlanta',
    ]


def test_pages_of_the_real_race_say_nothing_of_a_rehearsal(norwood, norwood_client, fulton_superintendent_client):
    pages = [
        norwood_client.get(reverse("recounts:mine")),
        norwood_client.get(reverse("recounts:file", args=[norwood.pk])),
        fulton_superintendent_client.get(
            reverse("recounts:contest", args=[norwood.contest.election.slug, norwood.contest.pk])
        ),
    ]

    assert [(page.status_code, "REHEARSAL" in text_of(page)) for page in pages] == [(200, False)] * 3


def test_every_page_of_the_rehearsal_says_so(rehearsal, fulton_superintendent, fulton_superintendent_client):
    norwood = rehearsal.candidates.get(name="Mary Norwood")
    candidate = client_of(make_candidate_account(norwood, username="norwood-rehearsal"))
    case = make_ordered_request(
        norwood, filed_at=DAY_AFTER_CERTIFICATION, decided_by=fulton_superintendent, decided_at=DAY_AFTER_CERTIFICATION
    )
    part = make_county_recount(
        request=case, county_name="Fulton", ordered_by=fulton_superintendent, ordered_at=DAY_AFTER_CERTIFICATION
    )
    pages = {
        "my contests": candidate.get(reverse("recounts:mine")),
        "filing": candidate.get(reverse("recounts:file", args=[norwood.pk])),
        "case (candidate)": candidate.get(reverse("recounts:request", args=[case.pk])),
        "election": fulton_superintendent_client.get(reverse("recounts:election", args=[rehearsal.election.slug])),
        "contest": fulton_superintendent_client.get(
            reverse("recounts:contest", args=[rehearsal.election.slug, rehearsal.pk])
        ),
        "case": fulton_superintendent_client.get(reverse("recounts:request", args=[case.pk])),
        "worksheet": fulton_superintendent_client.get(reverse("recounts:worksheet", args=[part.pk])),
        "discrepancies": fulton_superintendent_client.get(reverse("recounts:discrepancies", args=[case.pk])),
    }

    assert {name: (page.status_code, text_of(page).count(BANNER)) for name, page in pages.items()} == dict.fromkeys(
        pages, (200, 1)
    )
    assert case.receipt_number == "REHEARSAL-2017-ATL-MAYOR-001"


@pytest.mark.parametrize("carrier", ["election", "contest", "recount_request", "county_recount"])
def test_shows_rehearsal_reads_the_election_of_what_the_page_shows(rehearsal, carrier):
    case = make_ordered_request(
        rehearsal.candidates.get(name="Mary Norwood"),
        filed_at=DAY_AFTER_CERTIFICATION,
        decided_by=make_user(username="barron"),
        decided_at=DAY_AFTER_CERTIFICATION,
    )
    part = make_county_recount(
        request=case, county_name="Fulton", ordered_by=case.decided_by, ordered_at=DAY_AFTER_CERTIFICATION
    )
    shown = {"election": rehearsal.election, "contest": rehearsal, "recount_request": case, "county_recount": part}
    template = Template("{% load desk %}{% shows_rehearsal as rehearsal %}{{ rehearsal }}")

    assert template.render(Context({carrier: shown[carrier]})) == "True"
    # A name the page uses for something else (a dict in a document, say) is passed over.
    assert template.render(Context({carrier: {"election": rehearsal.election}})) == "False"


# The chart


def test_the_chart_of_a_declared_candidate_names_the_colours_drawn(bottoms, bottoms_client):
    response = bottoms_client.get(reverse("recounts:mine"))

    text = text_of(response)
    assert (
        "Keisha Lance Bottoms (you) 50.45% Mary Norwood 49.55% 0% 60% Each bar is a candidate’s share of the votes "
        "cast, on a scale from 0% to 60%: yours is blue, the others’ light grey."
    ) in text


def test_a_check_page_of_the_rehearsal_says_so(rehearsal, fulton_superintendent_client):
    norwood = rehearsal.candidates.get(name="Mary Norwood")
    case = request_file(
        candidate=norwood,
        by=make_candidate_account(norwood, username="norwood-rehearsal"),
        signature=Signature(name="Mary Norwood"),
    )

    check = fulton_superintendent_client.post(
        reverse("recounts:deny", args=[case.pk]), {"reason": "not_eligible", "ruling": ""}
    )

    assert (check.context["heading"], text_of(check).count(BANNER)) == ("Check before you deny the request", 1)
