"""Inviting a candidate from the admin: the Secretary of State's staff send the one-time link."""

import pytest
from django.urls import reverse

from tests.factories import build_atlanta_runoff, make_secretary_of_state_staff, make_superintendent_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def norwood():
    return build_atlanta_runoff().candidates.get(name="Mary Norwood")


def invite_url(candidate) -> str:
    return reverse("admin:elections_candidate_invite", args=[candidate.pk])


def test_the_change_page_offers_the_invitation(client, norwood):
    client.force_login(make_secretary_of_state_staff(is_staff=True))
    html = client.get(reverse("admin:elections_candidate_change", args=[norwood.pk])).content.decode()
    assert f'href="{invite_url(norwood)}">Invite to an account</a>' in html


def test_secretary_of_state_staff_invite_from_the_admin(
    client, norwood, mailoutbox, django_capture_on_commit_callbacks
):
    sos = make_secretary_of_state_staff(is_staff=True)
    client.force_login(sos)
    assert client.get(invite_url(norwood)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(norwood), {"email": "mary@example.test"})

    assert response.status_code == 302
    assert response.url == reverse("admin:elections_candidate_change", args=[norwood.pk])
    assert [user.username for user in norwood.accounts.all()] == ["mary@example.test"]
    (message,) = mailoutbox
    assert message.to == ["mary@example.test"]
    assert "http://testserver/accounts/set-password/" in message.body
    record = norwood.history.first()
    assert (record.history_user, record.history_change_reason) == (sos, "Account mary@example.test invited and linked")


def test_a_refused_invitation_says_why_on_the_form(client, norwood):
    client.force_login(make_secretary_of_state_staff(is_staff=True))
    make_superintendent_staff(username="clerk", county_name="Fulton")

    response = client.post(invite_url(norwood), {"email": "clerk@example.test"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["clerk@example.test belongs to a staff account; a candidate needs an account of their own."]
    }
    assert not norwood.accounts.exists()


def test_the_invitation_page_needs_the_admin(client, norwood):
    client.force_login(make_superintendent_staff(username="clerk", county_name="Fulton"))  # not an admin user
    response = client.get(invite_url(norwood))
    assert (response.status_code, response.url.startswith("/admin/login/")) == (302, True)
