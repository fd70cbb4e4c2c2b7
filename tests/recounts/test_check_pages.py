"""Check your answers before a decision that cannot be undone: order, direct, deny, withdraw and finish.

The first POST of a valid form shows what will be done and changes nothing; "Change your answers" shows
the form again as it was filled in; only the confirmed POST reaches the service (its history and
messages are tested with each view in test_recount_views.py and test_views.py). The form's errors come
first, in an error summary at the top of the case page that links to each field.
"""

import re
from html import unescape

import pytest
from django.urls import reverse

from elections.enums import DeclaredStatus
from elections.services import candidate_declare
from recounts.enums import DenialReason, RequestStatus
from recounts.models import CountyRecount, Notice
from tests.factories import georgia_counties
from tests.recounts.conftest import logged_in
from tests.recounts.test_recount_views import (  # noqa: F401 (statewide_recorded: a fixture, asked by name)
    DIRECTIVE,
    file,
    order_data,
    statewide_case,
    statewide_recorded,
)
from tests.recounts.test_views import text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned(clock):
    """The clock pinned the day after Atlanta's certification (tests/recounts/conftest.py)."""


def url(name: str, obj, *more) -> str:
    return reverse(f"recounts:{name}", args=[obj.pk, *more])


def unconfirmed(data: dict[str, str]) -> dict[str, str]:
    """The form as its own page sends it, before the check page."""
    return {name: value for name, value in data.items() if name != "confirmed"}


def carried(response) -> dict[str, list[str]]:
    """The hidden inputs the check page sends back with "Confirm" or "Change your answers"."""
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', response.content.decode()):
        if name != "csrfmiddlewaretoken":
            found.setdefault(name, []).append(unescape(value))
    return found


def answers(response) -> list[tuple[str, str]]:
    return [(str(label), str(value)) for label, value in response.context["answers"]]


@pytest.fixture
def filed(norwood, norwood_user):
    return file(norwood)


def test_an_order_is_checked_before_it_is_made_and_the_check_carries_the_form(filed, fulton_superintendent_client):
    (fulton,) = georgia_counties("Fulton")
    data = unconfirmed(order_data(fulton.pk, ruling="The request is in time."))
    notices_before = Notice.objects.count()

    check = fulton_superintendent_client.post(url("order", filed, fulton.pk), data)

    assert check.status_code == 200
    assert check.templates[0].name == "recounts/check.html"
    assert check.context["heading"] == "Check before you order the recount in Fulton County"
    assert answers(check) == [
        ("Request", "2017-ATL-MAYOR-001: Mary Norwood (Mayor, City of Atlanta)"),
        ("Place of the count", "Fulton County Elections Hub, 5600 Campbellton Fairburn Rd"),
        ("The count starts", "Tuesday, December 12, 2017, 2:00 p.m. Eastern"),
        ("Finish by", "Thursday, December 14, 2017, 5:00 p.m. Eastern"),
        ("Ruling", "The request is in time."),
    ]
    assert carried(check) == {name: [value] for name, value in data.items()}
    text = text_of(check)
    assert "Confirm and order the recount" in text
    assert "Change your answers" in text
    assert f'formaction="{url("order", filed, fulton.pk)}#decide"' in check.content.decode()
    filed.refresh_from_db()
    assert (filed.status, CountyRecount.objects.exists(), Notice.objects.count()) == (
        RequestStatus.FILED,
        False,
        notices_before,
    )


def test_changing_the_answers_shows_the_form_as_it_was_filled_in_and_orders_nothing(
    filed, fulton_superintendent_client
):
    (fulton,) = georgia_counties("Fulton")
    data = unconfirmed(order_data(fulton.pk, count_place="Room 101"))

    page = fulton_superintendent_client.post(url("order", filed, fulton.pk), data | {"change": "yes"})

    ((_, form),) = page.context["order_forms"]
    assert (page.templates[0].name, form.errors) == ("recounts/request_detail.html", {})
    assert 'value="Room 101"' in page.content.decode()
    assert "There is a problem" not in text_of(page)
    assert not CountyRecount.objects.exists()


def test_only_the_confirmed_order_is_made(filed, fulton_superintendent_client):
    (fulton,) = georgia_counties("Fulton")

    check = fulton_superintendent_client.post(url("order", filed, fulton.pk), unconfirmed(order_data(fulton.pk)))
    made = fulton_superintendent_client.post(
        url("order", filed, fulton.pk),
        {name: values[0] for name, values in carried(check).items()} | {"confirmed": "yes"},
    )

    assert made.status_code == 302
    assert list(CountyRecount.objects.values_list("county__name", "count_place")) == [
        ("Fulton", "Fulton County Elections Hub, 5600 Campbellton Fairburn Rd")
    ]


def test_an_order_with_errors_lists_them_at_the_top_linking_to_each_field(filed, fulton_superintendent_client):
    (fulton,) = georgia_counties("Fulton")

    page = fulton_superintendent_client.post(
        url("order", filed, fulton.pk), order_data(fulton.pk, count_place="", finish_by="2017-12-12T13:00")
    )

    html = page.content.decode()
    summary = html.split('class="alert alert-danger error-summary"', 1)[1].split("</div>", 1)[0]
    assert re.findall(r'<a href="([^"]+)" class="alert-link">([^<]+)</a>', summary) == [
        (f"#id_order-{fulton.pk}-count_place", "This field is required."),
        (f"#id_order-{fulton.pk}-finish_by", "The recount must finish after the count starts."),
    ]
    assert "<title>Error: Request 2017-ATL-MAYOR-001" in html
    assert not CountyRecount.objects.exists()


def test_no_statutory_reason_is_chosen_for_the_authority(filed, fulton_superintendent_client):
    page = fulton_superintendent_client.get(url("request", filed))
    unchosen = fulton_superintendent_client.post(url("deny", filed), {"reason": "", "ruling": ""})

    reasons = re.findall(r'<input type="radio"[^>]* name="reason"[^>]*>', page.content.decode())
    assert len(reasons) == len(DenialReason.choices)
    assert not any("checked" in reason for reason in reasons)
    assert unchosen.context["deny_form"].errors == {
        "reason": ["Choose the statutory reason the request is denied for."]
    }
    assert '<a href="#id_reason_0" class="alert-link">Choose the statutory reason' in unchosen.content.decode()
    filed.refresh_from_db()
    assert filed.status == RequestStatus.FILED


def test_a_denial_is_checked_before_it_is_made(filed, fulton_superintendent_client):
    data = {"reason": DenialReason.NOT_ELIGIBLE, "ruling": "The gap is 2.3 % of the votes."}

    check = fulton_superintendent_client.post(url("deny", filed), data)
    denied = fulton_superintendent_client.post(url("deny", filed), data | {"confirmed": "yes"})

    assert check.context["heading"] == "Check before you deny the request"
    assert answers(check) == [
        ("Request", "2017-ATL-MAYOR-001: Mary Norwood (Mayor, City of Atlanta)"),
        ("Statutory reason", "Not eligible on the certified returns"),
        ("Ruling", "The gap is 2.3 % of the votes."),
    ]
    assert "Confirm and deny the request" in text_of(check)
    assert denied.status_code == 302
    filed.refresh_from_db()
    assert (filed.status, filed.denial_reason) == (RequestStatus.DENIED, DenialReason.NOT_ELIGIBLE)


def test_a_late_denial_without_a_ruling_is_refused_before_the_check(filed, fulton_superintendent_client):
    page = fulton_superintendent_client.post(url("deny", filed), {"reason": DenialReason.LATE, "ruling": " "})

    assert page.templates[0].name == "recounts/request_detail.html"
    assert page.context["deny_form"].errors == {
        "ruling": ["Write the ruling: a request denied as late is denied by the authority's ruling."]
    }


def test_a_directive_is_checked_with_the_number_of_counties(sos_user, sos_client):
    case = statewide_case()

    check = sos_client.post(url("direct", case), unconfirmed(DIRECTIVE))

    assert check.context["heading"] == "Check before you direct the recount"
    assert answers(check) == [
        ("Request", "2017-D5-PSC-001: Ben Baker (Public Service Commission, District 5)"),
        ("The counties' recounts start", "Thursday, December 14, 2017, 9:00 a.m. Eastern"),
        ("Every county finishes by", "Monday, December 18, 2017, 5:00 p.m. Eastern"),
        ("Ruling", "None"),
    ]
    assert check.context["lead"].startswith(
        "When you confirm, the recount is directed in every county where the office was voted (3 counties)"
    )
    case.refresh_from_db()
    assert (case.status, CountyRecount.objects.exists()) == (RequestStatus.FILED, False)


def test_a_withdrawal_is_checked_with_its_signature(filed, norwood_client):
    data = {
        "withdraw-reason": "",
        "withdraw-signature": "Jo Agent",
        "withdraw-signatory": "agent",
        "withdraw-agent_name": "Jo Agent, Esq.",
        "withdraw-attestation": "on",
    }

    check = norwood_client.post(url("withdraw", filed), data)
    withdrawn = norwood_client.post(url("withdraw", filed), data | {"confirmed": "yes"})

    assert check.context["heading"] == "Check before you withdraw the request"
    assert answers(check)[:3] == [
        ("Request", "2017-ATL-MAYOR-001: Mary Norwood (Mayor, City of Atlanta)"),
        ("Reason", "None given"),
        ("Signed", "Jo Agent, the candidate's authorised agent (Jo Agent, Esq.)"),
    ]
    assert withdrawn.status_code == 302
    filed.refresh_from_db()
    assert filed.status == RequestStatus.WITHDRAWN


@pytest.fixture
def directed_and_recorded(request):
    """Ben Baker's statewide case, directed in Cobb and Gwinnett, counted (Cobb finds Baker +3: 1,013 for
    1,010), signed off and each county's outcome recorded: only the close is left."""
    return request.getfixturevalue("statewide_recorded")


def test_finishing_shows_the_returns_that_change_and_the_outcome_before_it_is_done(directed_and_recorded, sos_client):
    check = sos_client.post(url("finish", directed_and_recorded))

    assert check.context["heading"] == "Check before you finish the case"
    report, preview = check.context["report"], check.context["preview"]
    assert [
        (row.county.name, row.candidate.name, row.original, row.recounted, row.difference) for row in report.differences
    ] == [("Cobb", "Ben Baker", 1_010, 1_013, 3)]
    assert [(line.candidate.name, line.certified, line.corrected) for line in report.candidates] == [
        ("Ada Able", 2_040, 2_040),
        ("Ben Baker", 2_020, 2_023),
    ]
    assert (preview.recertify, preview.declared_before, preview.declared_after, preview.outcome_changes) == (
        True,
        (("Ada Able", "Elected"),),
        (("Ada Able", "Elected"),),
        False,
    )
    text = text_of(check)
    assert "Cobb County Ben Baker Not broken down by type Recount of the returns 1,010 1,013 +3" in text
    assert "The outcome Does not change" in text
    assert "Confirm and finish the case" in text
    directed_and_recorded.refresh_from_db()
    assert directed_and_recorded.status == RequestStatus.COUNTED


def test_finishing_warns_when_the_declarations_were_made_by_hand(directed_and_recorded, sos_user, sos_client):
    contest = directed_and_recorded.contest
    directed_and_recorded.finish_declarations["in_force_before"] = [["Ben Baker", DeclaredStatus.ELECTED]]
    directed_and_recorded.save(update_fields=["finish_declarations"])
    candidate_declare(
        candidate=contest.candidates.get(name="Ben Baker"), status=DeclaredStatus.ELECTED, by=sos_user, reason="By hand"
    )

    check = sos_client.post(url("finish", directed_and_recorded))

    assert check.context["warning"].startswith("The declarations in force are not the ones the certified returns made")


def test_the_check_page_of_each_decision_is_for_those_who_may_decide(directed_and_recorded, cobb_client):
    baker = logged_in(directed_and_recorded.candidate.accounts.get())

    assert [client.post(url("finish", directed_and_recorded)).status_code for client in (baker, cobb_client)] == [
        403,
        403,
    ]
