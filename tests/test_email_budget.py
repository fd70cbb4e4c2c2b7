"""Links emailed on request have a budget per address and per account (accounts/email_budget.py): the
two-factor enrolment link, once sent 20 times in 1.3 seconds, and a candidate's invitation. When a
budget is spent nothing is sent, the page says when to try again, and the budget comes back as the
sends leave the window. Issue 13, finding 7."""

import datetime
import html
import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.email_budget import EmailBudgetSpent, link_spend
from recounts.enums import NoticeKind
from recounts.models import Notice
from tests.factories import EASTERN, build_atlanta_runoff, make_superintendent_staff, make_user

pytestmark = pytest.mark.django_db

#: The day after Atlanta's runoff was certified: the desk is open for linking accounts.
MORNING = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)
SEND_LINK = reverse("accounts:two_factor_link")


@pytest.fixture
def clock():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def fulton(clock):
    """Staff without a second factor yet: they must ask for the enrolment link."""
    return make_superintendent_staff(username="fulton", county_name="Fulton")


def signed_in_with_password(username: str) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"username": username, "password": "staff-password-1"}).status_code == 302
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def links_sent(kind: NoticeKind) -> int:
    return Notice.objects.filter(kind=kind).count()


def enrolment_refused(until: str) -> str:
    return (
        "Too many links were sent to fulton@example.test in the last hour (at most 5); try again after "
        f"Tuesday, December 12, 2017, {until} Eastern."
    )


def test_the_enrolment_link_asked_for_20_times_at_once_is_sent_5_times(
    fulton, mailoutbox, django_capture_on_commit_callbacks
):
    client = signed_in_with_password("fulton")

    with django_capture_on_commit_callbacks(execute=True):
        responses = [client.post(SEND_LINK, follow=True) for _ in range(20)]

    assert [response.status_code for response in responses] == [200] * 20
    sent = "We emailed a link to fulton@example.test. Open it in this browser, signed in as fulton, within 3 days."
    assert [messages_of(response) for response in responses] == [[sent]] * 5 + [[enrolment_refused("11:00 a.m.")]] * 15
    assert (links_sent(NoticeKind.TWO_FACTOR_LINK), len(mailoutbox)) == (5, 5)


def test_the_refusal_is_shown_on_the_setup_page(fulton):
    client = signed_in_with_password("fulton")
    for _ in range(5):
        client.post(SEND_LINK, follow=True)

    page = client.post(SEND_LINK, follow=True)

    assert page.status_code == 200
    assert enrolment_refused("11:00 a.m.") in " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def test_the_budget_comes_back_as_the_sends_leave_the_hour(fulton, clock):
    client = signed_in_with_password("fulton")
    for _ in range(2):
        client.post(SEND_LINK, follow=True)
    clock.move_to(MORNING + datetime.timedelta(minutes=30))
    for _ in range(3):
        client.post(SEND_LINK, follow=True)

    clock.move_to(MORNING + datetime.timedelta(minutes=59, seconds=59))
    still_spent = messages_of(client.post(SEND_LINK, follow=True))
    clock.move_to(MORNING + datetime.timedelta(hours=1))
    after_the_first_two = [messages_of(client.post(SEND_LINK, follow=True)) for _ in range(3)]

    assert still_spent == [enrolment_refused("11:00 a.m.")]
    assert [message[0].startswith("We emailed a link") for message in after_the_first_two[:2]] == [True, True]
    assert after_the_first_two[2] == [enrolment_refused("11:30 a.m.")]
    assert links_sent(NoticeKind.TWO_FACTOR_LINK) == 7


def test_a_refused_send_does_not_count(fulton, clock, settings):
    settings.EMAIL_LINKS_PER_ADDRESS = 1
    link_spend(to="fulton@example.test", by=fulton, now=MORNING)
    for _ in range(10):
        with pytest.raises(EmailBudgetSpent):
            link_spend(to="fulton@example.test", by=fulton, now=MORNING)

    clock.move_to(MORNING + datetime.timedelta(hours=1))

    assert link_spend(to="fulton@example.test", by=fulton, now=MORNING + datetime.timedelta(hours=1)) is None


def test_an_address_has_one_budget_whoever_asks_and_however_it_is_written(fulton, settings):
    settings.EMAIL_LINKS_PER_ADDRESS = 2
    dekalb = make_superintendent_staff(username="dekalb", county_name="DeKalb")
    link_spend(to="mary@example.test", by=fulton, now=MORNING)
    link_spend(to="Mary@Example.test ", by=dekalb, now=MORNING)

    with pytest.raises(EmailBudgetSpent) as spent:
        link_spend(to="mary@example.test", by=make_user(username="third"), now=MORNING)

    assert str(spent.value) == (
        "Too many links were sent to mary@example.test in the last hour (at most 2); try again after "
        "Tuesday, December 12, 2017, 11:00 a.m. Eastern."
    )
    link_spend(to="bottoms@example.test", by=fulton, now=MORNING)  # another address has its own


def test_the_window_and_the_budgets_come_from_the_settings(fulton, settings):
    settings.EMAIL_LINKS_PER_ACCOUNT = 1
    settings.EMAIL_LINKS_WINDOW_MINUTES = 10
    link_spend(to="mary@example.test", by=fulton, now=MORNING)

    with pytest.raises(EmailBudgetSpent) as spent:
        link_spend(to="keisha@example.test", by=fulton, now=MORNING)

    assert str(spent.value) == (
        "You have had too many links sent in the last 10 minutes (at most 1 an account); try again after "
        "Tuesday, December 12, 2017, 10:10 a.m. Eastern."
    )


# A candidate's invitation (recounts:link)


@pytest.fixture
def runoff(clock):
    return build_atlanta_runoff()


@pytest.fixture
def superintendent(clock):
    return make_superintendent_staff(username="fulton-superintendent", county_name="Fulton", superintendent=True)


def link(client: Client, candidate, email: str):
    return client.post(reverse("recounts:link", args=[candidate.pk]), {"email": email})


def test_an_address_is_invited_5_times_an_hour_then_the_form_says_when_to_try_again(runoff, superintendent):
    norwood = runoff.candidates.get(name="Mary Norwood")
    client = Client()
    client.force_login(superintendent)

    responses = [link(client, norwood, "mary@example.test") for _ in range(6)]

    assert [response.status_code for response in responses] == [302] * 5 + [200]
    assert responses[-1].context["link_form"].errors == {
        "email": [
            "Too many links were sent to mary@example.test in the last hour (at most 5); try again after "
            "Tuesday, December 12, 2017, 11:00 a.m. Eastern."
        ]
    }
    assert links_sent(NoticeKind.CANDIDATE_INVITATION) == 5


def test_an_account_that_spent_its_budget_links_nothing_and_sends_nothing(runoff, superintendent, settings):
    settings.EMAIL_LINKS_PER_ACCOUNT = 1
    norwood, bottoms = runoff.candidates.get(name="Mary Norwood"), runoff.candidates.get(name="Keisha Lance Bottoms")
    client = Client()
    client.force_login(superintendent)
    link(client, norwood, "mary@example.test")
    history_before = bottoms.history.count()

    refused = link(client, bottoms, "keisha@example.test")

    assert refused.status_code == 200
    assert refused.context["link_form"].errors == {
        "email": [
            "You have had too many links sent in the last hour (at most 1 an account); try again after "
            "Tuesday, December 12, 2017, 11:00 a.m. Eastern."
        ]
    }
    bottoms.refresh_from_db()
    assert (list(bottoms.accounts.all()), bottoms.email, bottoms.history.count()) == ([], "", history_before)
    assert list(Notice.objects.values_list("kind", "email")) == [(NoticeKind.CANDIDATE_INVITATION, "mary@example.test")]
