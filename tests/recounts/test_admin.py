"""The recount desk in the admin: linking a candidate's account, the cases' actions, second factors and accounts."""

import pytest
import time_machine
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from recounts.enums import NoticeKind, RequestStatus
from recounts.models import Notice
from recounts.services.decisions import recount_direct
from tests.factories import (
    at,
    build_atlanta_runoff,
    make_authenticator,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    make_user,
)
from tests.factories import (
    file_online as file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def baker(state_race):
    """A candidate in a contest whose requests go to the Secretary of State."""
    return state_race.candidates.get(name="Ben Baker")


def link_url(candidate) -> str:
    return reverse("admin:elections_candidate_link", args=[candidate.pk])


def test_the_change_page_offers_linking_only_on_the_secretary_of_state_s_route(client, baker):
    norwood = build_atlanta_runoff().candidates.get(name="Mary Norwood")  # the superintendents' route
    client.force_login(make_secretary_of_state_staff(is_staff=True))

    offered = client.get(reverse("admin:elections_candidate_change", args=[baker.pk])).content.decode()
    not_offered = client.get(reverse("admin:elections_candidate_change", args=[norwood.pk])).content.decode()

    assert f'href="{link_url(baker)}">Link an account</a>' in offered
    assert link_url(norwood) not in not_offered
    assert client.get(link_url(norwood)).status_code == 403


def test_secretary_of_state_staff_link_at_the_address_of_record_from_the_admin(
    client, baker, mailoutbox, django_capture_on_commit_callbacks
):
    sos = make_secretary_of_state_staff(is_staff=True)
    client.force_login(sos)
    assert client.get(link_url(baker)).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link_url(baker), {"email": "Ben@Example.test"})

    assert response.status_code == 302
    assert response.url == reverse("admin:elections_candidate_change", args=[baker.pk])
    baker.refresh_from_db()
    assert (baker.email, [user.username for user in baker.accounts.all()]) == (
        "ben@example.test",
        ["ben@example.test"],
    )
    (message,) = mailoutbox
    assert message.to == ["ben@example.test"]
    assert "http://testserver/accounts/set-password/" in message.body
    record = baker.history.first()
    assert (record.history_user, record.history_change_reason) == (
        sos,
        "Address of record entered; account ben@example.test linked by sos",
    )


def test_a_refused_link_says_why_on_the_form(client, baker):
    client.force_login(make_secretary_of_state_staff(is_staff=True))
    make_superintendent_staff(username="clerk", county_name="Fulton")

    response = client.post(link_url(baker), {"email": "clerk@example.test"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": ["clerk@example.test belongs to a staff account; a candidate needs an account of their own."]
    }
    assert not baker.accounts.exists()


def test_a_link_past_the_address_s_budget_is_refused_on_the_form_and_sends_nothing(client, baker, settings):
    """The admin's link goes through the same budget as the contest page's (accounts/email_budget.py)."""
    settings.EMAIL_LINKS_PER_ADDRESS = 1
    client.force_login(make_secretary_of_state_staff(is_staff=True))
    with time_machine.travel(at(2017, 12, 12, 10, 0), tick=False):
        client.post(link_url(baker), {"email": "ben@example.test"})
        response = client.post(link_url(baker), {"email": "ben@example.test"})

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "email": [
            "Too many links were sent to ben@example.test in the last hour (at most 1); try again after "
            "Tuesday, December 12, 2017, 11:00 a.m. Eastern."
        ]
    }
    assert Notice.objects.filter(kind=NoticeKind.CANDIDATE_INVITATION).count() == 1


def test_the_link_page_needs_the_admin(client, baker):
    client.force_login(make_superintendent_staff(username="clerk", county_name="Fulton"))  # not an admin user
    response = client.get(link_url(baker))
    assert (response.status_code, response.url.startswith("/admin/login/")) == (302, True)


# -- The cases' admin actions call the same services -----------------------------------------------


def changelist() -> str:
    return reverse("admin:recounts_recountrequest_changelist")


def test_direct_action_asks_for_the_window_then_directs(client, state_race):
    sos = make_secretary_of_state_staff(is_staff=True)
    client.force_login(sos)
    request = file(state_race.candidates.get(name="Ben Baker"), at(2017, 12, 12, 9, 0))
    selected = {"action": "direct", ACTION_CHECKBOX_NAME: [request.pk]}

    asked = client.post(changelist(), selected)
    assert asked.status_code == 200
    assert "Direct the recount" in asked.content.decode()

    with time_machine.travel(at(2017, 12, 12, 12, 0), tick=False):
        done = client.post(
            changelist(), selected | {"window_starts_at": "2017-12-14 09:00", "finish_by": "2017-12-18 17:00"}
        )

    assert done.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.finish_by) == (
        RequestStatus.ORDERED,
        sos,
        at(2017, 12, 18, 17, 0),
    )
    assert sorted(request.county_recounts.values_list("county__name", flat=True)) == ["Cobb", "Fulton", "Gwinnett"]


def test_finish_action_reports_a_case_that_is_not_counted(client, state_race):
    client.force_login(make_secretary_of_state_staff(is_staff=True))
    request = file(state_race.candidates.get(name="Ben Baker"), at(2017, 12, 12, 9, 0))

    response = client.post(changelist(), {"action": "finish", ACTION_CHECKBOX_NAME: [request.pk]}, follow=True)

    assert [str(message) for message in response.context["messages"]] == [
        f"{request.receipt_number}: The case is filed; it is finished once every county is signed off."
    ]
    request.refresh_from_db()
    assert request.status == RequestStatus.FILED


def test_the_overdue_filter_lists_cases_with_a_county_past_its_finish(client, state_race):
    sos = make_secretary_of_state_staff(is_staff=True)
    client.force_login(sos)
    request = file(state_race.candidates.get(name="Ben Baker"), at(2017, 12, 12, 9, 0))
    recount_direct(request=request, by=sos, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))

    with time_machine.travel(at(2017, 12, 18, 17, 1), tick=False):
        overdue = client.get(changelist(), {"overdue": "yes"})
    with time_machine.travel(at(2017, 12, 18, 16, 59), tick=False):
        in_time = client.get(changelist(), {"overdue": "yes"})

    assert [case.pk for case in overdue.context["cl"].result_list] == [request.pk]
    assert list(in_time.context["cl"].result_list) == []


# Two-factor sign-in in the admin


def test_the_admin_lists_second_factors_without_their_secrets(admin_client):
    fulton = make_superintendent_staff(username="fulton", county_name="Fulton")
    device = make_authenticator(fulton)
    codes = StaticDevice.objects.create(user=fulton, name="Recovery codes")
    codes.token_set.create(token="abcdef23")

    pages = [
        admin_client.get(reverse("admin:otp_totp_totpdevice_changelist")),
        admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk])),
        admin_client.get(reverse("admin:otp_static_staticdevice_change", args=[codes.pk])),
    ]

    assert [page.status_code for page in pages] == [200, 200, 200]
    assert all(device.key not in page.content.decode() for page in pages)
    assert all("abcdef23" not in page.content.decode() for page in pages)
    assert admin_client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403


def reset(client, *users):
    return client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "reset_two_factor", ACTION_CHECKBOX_NAME: [user.pk for user in users]},
        follow=True,
    )


def test_an_administrator_resets_an_accounts_two_factor_sign_in_in_one_step(
    admin_client, admin_user, mailoutbox, django_capture_on_commit_callbacks
):
    fulton = make_superintendent_staff(username="fulton", county_name="Fulton")
    make_authenticator(fulton)
    codes = StaticDevice.objects.create(user=fulton, name="Recovery codes")
    codes.token_set.create(token="abcdef23")

    with django_capture_on_commit_callbacks(execute=True):
        response = reset(admin_client, fulton)

    assert "Two-factor sign-in reset for fulton: each sets it up again" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=fulton).exists()
    assert not StaticDevice.objects.filter(user=fulton).exists()
    (mail,) = mailoutbox
    assert (mail.to, mail.subject) == (
        ["fulton@example.test"],
        "Recount Desk sign-in: An administrator reset your two-factor sign-in",
    )
    assert f", by {admin_user.username}." in mail.body
    assert "If this was not you, tell your office" in mail.body
    client = Client()
    client.post(reverse("login"), {"username": "fulton", "password": "staff-password-1"})
    assert client.get(reverse("recounts:start")).url.startswith(reverse("accounts:two_factor_setup"))


def test_the_device_pages_delete_nothing(admin_client):
    device = make_authenticator(make_superintendent_staff(username="fulton", county_name="Fulton"))

    response = admin_client.post(reverse("admin:otp_totp_totpdevice_delete", args=[device.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_secretary_of_state_staff_cannot_reset_a_second_factor(client):
    fulton = make_superintendent_staff(username="fulton", county_name="Fulton")
    device = make_authenticator(fulton)
    client.force_login(make_secretary_of_state_staff(is_staff=True))

    page = client.get(reverse("admin:auth_user_changelist")).content.decode()
    response = reset(client, fulton)

    assert "reset_two_factor" not in page
    assert response.status_code == 200
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


# Accounts in the admin: Secretary of State staff keep them, but cannot make anyone an administrator or
# take over an account


def change_user(client, user, **changes):
    """Post the user's admin change form as shown, with `changes`; the response."""
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data = {name: value for name, value in data.items() if value is not False}
    return client.post(url, data | changes)


@pytest.fixture
def sos_client(client):
    client.force_login(make_secretary_of_state_staff(is_staff=True))
    return client


def test_secretary_of_state_staff_cannot_make_anyone_an_administrator_or_widen_their_permissions(sos_client):
    fulton = make_user(username="fulton", email="fulton@example.test")  # in no office yet
    group, delete_user = Group.objects.create(name="Deleters"), Permission.objects.get(codename="delete_user")
    group.permissions.add(delete_user)

    response = change_user(
        sos_client, fulton, first_name="Fran", is_superuser="on", groups=[group.pk], user_permissions=[delete_user.pk]
    )

    assert response.status_code == 302
    fulton.refresh_from_db()
    assert fulton.first_name == "Fran", "the change itself was saved"
    assert (fulton.is_superuser, list(fulton.groups.all()), list(fulton.user_permissions.all())) == (False, [], [])


def test_an_account_that_has_signed_in_keeps_its_email_and_password_from_secretary_of_state_staff(sos_client):
    fulton = make_user(username="fulton", email="fulton@example.test")  # in no office yet
    Client().post(reverse("login"), {"username": "fulton", "password": "staff-password-1"})

    response = change_user(sos_client, fulton, email="thief@example.test", last_login_0="", last_login_1="")
    password = sos_client.post(
        reverse("admin:auth_user_password_change", args=[fulton.pk]),
        {"password1": "a-new-long-password-2", "password2": "a-new-long-password-2", "usable_password": "true"},
    )

    assert response.status_code == 302
    assert password.status_code == 403
    fulton.refresh_from_db()
    assert fulton.email == "fulton@example.test"
    assert fulton.last_login is not None, "when it last signed in is not for anyone to clear"
    assert fulton.check_password("staff-password-1")


def test_secretary_of_state_staff_set_up_a_new_account_and_a_change_of_address_is_told_to_both(sos_client):
    clerk = make_user(username="clerk", email="clerk@example.test")  # before it joins an office

    response = change_user(sos_client, clerk, email="clerk@fultoncountyga.gov")
    password = sos_client.post(
        reverse("admin:auth_user_password_change", args=[clerk.pk]),
        {"password1": "a-new-long-password-2", "password2": "a-new-long-password-2", "usable_password": "true"},
    )

    assert (response.status_code, password.status_code) == (302, 302)
    clerk.refresh_from_db()
    assert clerk.email == "clerk@fultoncountyga.gov"
    told = Notice.objects.filter(kind=NoticeKind.SIGN_IN_CHANGED, subject__contains="email address").order_by("pk")
    assert [notice.email for notice in told] == ["clerk@fultoncountyga.gov", "clerk@example.test"]
    assert all("from clerk@example.test to clerk@fultoncountyga.gov" in notice.subject for notice in told)
    assert all("(clerk)" in notice.body for notice in told)


def test_an_account_holding_more_than_the_editor_is_view_only_even_inactive(sos_client):
    deleter = make_user(username="deleter", email="deleter@example.test", is_active=False)
    deleter.user_permissions.add(Permission.objects.get(codename="delete_user"))

    response = change_user(sos_client, deleter, is_active="on")

    assert response.status_code == 403
    deleter.refresh_from_db()
    assert not deleter.is_active


def test_secretary_of_state_staff_cannot_change_an_administrators_account(sos_client, admin_user):
    change = sos_client.get(reverse("admin:auth_user_change", args=[admin_user.pk]))
    password = sos_client.post(
        reverse("admin:auth_user_password_change", args=[admin_user.pk]),
        {"password1": "a-new-long-password-2", "password2": "a-new-long-password-2"},
    )

    assert "| View user |" in change.content.decode()  # view only
    assert password.status_code == 403
    admin_user.refresh_from_db()
    assert not admin_user.check_password("a-new-long-password-2")


def test_a_password_set_by_an_administrator_is_told_to_the_account(admin_client, admin_user):
    fulton = make_superintendent_staff(username="fulton", county_name="Fulton")

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[fulton.pk]),
        {"password1": "a-new-long-password-2", "password2": "a-new-long-password-2", "usable_password": "true"},
    )

    assert response.status_code == 302
    (notice,) = fulton.notices.all()
    assert notice.subject == "Recount Desk sign-in: Your password was changed by an administrator"
    assert f", by {admin_user.username}." in notice.body


def test_no_one_deletes_an_account_in_the_admin(admin_client):
    """History rows and the audit chain name their user: an account is made inactive instead."""
    fulton = make_superintendent_staff(username="fulton", county_name="Fulton")

    response = admin_client.post(reverse("admin:auth_user_delete", args=[fulton.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert type(fulton).objects.filter(pk=fulton.pk).exists()


def test_a_password_form_sent_back_tells_no_one(admin_client):
    fulton = make_superintendent_staff(username="fulton", county_name="Fulton")

    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[fulton.pk]),
        {"password1": "a-new-long-password-2", "password2": "a-new-long-password-2", "usable_password": "false"},
    )

    assert response.url == reverse("admin:auth_user_password_change", args=[fulton.pk])  # conflicting data
    assert not fulton.notices.exists()
