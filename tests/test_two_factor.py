"""Two-factor sign-in (issue 5), through the real pages: the password form, then the code.

Every client here signs in with its password (never `force_login`, which passes the second factor
for the other tests) and computes the codes an authenticator app would show from the key the setup
page gives, or the device's key.
"""

import base64
import datetime
import html
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.enums import StaffRole
from accounts.forms import AuthenticatorForm, SecondFactorForm
from accounts.two_factor import (
    RECOVERY_CODE_COUNT,
    enrolment_link_valid,
    recovery_codes_left,
    second_factor_reset,
)
from recounts.enums import NoticeKind
from recounts.models import Notice
from tests.factories import (
    authenticator_code,
    build_atlanta_runoff,
    device_code,
    make_authenticator,
    make_candidate_account,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    make_user,
)

pytestmark = pytest.mark.django_db

PASSWORD = "staff-password-1"
START = reverse("recounts:start")
VERIFY = reverse("accounts:two_factor_verify")
SET_UP = reverse("accounts:two_factor_setup")
SETTINGS = reverse("accounts:two_factor")


def signed_in_with_password(username: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password was refused"
    return client


def text_of(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def key_on_the_page(response) -> str:
    """The key the setup page shows for typing into an app, as django-otp stores it (hex)."""
    shown = re.search(r"data-totp-key>([A-Z2-7 ]+)<", response.content.decode()).group(1)
    return base64.b32decode(shown.replace(" ", "")).hex()


def told(user) -> list[str]:
    """The subjects of the sign-in notices the account holder was sent, oldest first."""
    return list(
        Notice.objects.filter(recipient=user, kind=NoticeKind.SIGN_IN_CHANGED)
        .order_by("pk")
        .values_list("subject", flat=True)
    )


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(device_code(device)) + 1) % 1_000_000:06d}"


def recovery_codes_on_the_page(response) -> list[str]:
    return re.findall(r"<li>([a-z2-7]{4}-[a-z2-7]{4})</li>", response.content.decode())


def enrolment_link_opened(client: Client, user) -> None:
    """Asks for the enrolment link, as the setup page's button does, and opens the link the notice holds."""
    client.post(reverse("accounts:two_factor_link"))
    body = Notice.objects.filter(recipient=user, kind=NoticeKind.TWO_FACTOR_LINK).latest("pk").body
    client.get(re.search(r"http://testserver(/\S+)", body).group(1))


@pytest.fixture
def fulton(db):
    return make_superintendent_staff(username="fulton", county_name="Fulton", role=StaffRole.SUPERINTENDENT)


# Staff must set it up


@pytest.mark.parametrize(
    "make_staff",
    [
        lambda: make_superintendent_staff(username="clerk", county_name="Fulton"),
        lambda: make_superintendent_staff(username="clerk", county_name="Fulton", role=StaffRole.SUPERINTENDENT),
        lambda: make_secretary_of_state_staff(username="clerk"),
        lambda: make_user(username="clerk", is_staff=True, is_superuser=True),
    ],
    ids=["county staff", "superintendent", "secretary of state", "administrator"],
)
def test_staff_without_a_second_factor_are_sent_to_set_one_up_from_any_page(make_staff):
    make_staff()
    client = signed_in_with_password("clerk")

    for page in (START, reverse("recounts:inbox"), reverse("recounts:elections"), reverse("admin:index")):
        assert client.get(page).url == f"{SET_UP}?next={page}"
    assert client.get(SET_UP).status_code == 200


def test_a_password_alone_cannot_set_up_a_second_factor(fulton):
    client = signed_in_with_password("fulton")
    page = client.get(SET_UP)
    assert "A password alone cannot set up two-factor sign-in" in text_of(page)
    assert "data-totp-key" not in page.content.decode()

    refused = client.post(SET_UP, {"code": "123456"})

    assert "Email me the link" in text_of(refused)
    assert not TOTPDevice.objects.filter(user=fulton).exists()


def test_the_enrolment_link_is_emailed_to_the_account(fulton, mailoutbox, django_capture_on_commit_callbacks):
    client = signed_in_with_password("fulton")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:two_factor_link"), follow=True)

    assert "We emailed a link to fulton@example.test. Open it in this browser" in text_of(response)
    (mail,) = mailoutbox
    assert (mail.to, mail.subject) == (["fulton@example.test"], "Set up two-factor sign-in for Recount Desk")
    link = re.search(r"http://testserver(/account/two-factor/set-up/\S+/)", mail.body).group(1)
    assert client.get(link).url == SET_UP
    assert "data-totp-key" in client.get(SET_UP).content.decode()


def test_an_enrolment_link_works_only_for_its_account_and_only_once(fulton):
    make_superintendent_staff(username="dekalb", county_name="DeKalb")
    client = signed_in_with_password("fulton")
    client.post(reverse("accounts:two_factor_link"))
    link = re.search(r"http://testserver(/\S+)", Notice.objects.get(kind=NoticeKind.TWO_FACTOR_LINK).body).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]

    thief = signed_in_with_password("dekalb")
    response = thief.get(link, follow=True)
    assert "This link has been used or has expired, or it was sent to another account" in text_of(response)
    assert "data-totp-key" not in response.content.decode()

    client.get(link)
    client.post(SET_UP, {"code": authenticator_code(key_on_the_page(client.get(SET_UP)))})
    assert TOTPDevice.objects.filter(user=fulton, confirmed=True).exists()
    assert not enrolment_link_valid(fulton, token), "spent once the account has a second factor"


def test_an_account_without_an_email_address_is_told_to_ask_for_one(db):
    make_superintendent_staff(username="clerk", county_name="Fulton")
    get_user_model().objects.filter(username="clerk").update(email="")
    client = signed_in_with_password("clerk")

    assert "This account has no email address. Ask an administrator to add one." in text_of(client.get(SET_UP))
    response = client.post(reverse("accounts:two_factor_link"), follow=True)
    assert "This account has no email address to send the link to" in text_of(response)
    assert not Notice.objects.exists()


def test_a_staff_member_sets_up_an_authenticator_and_keeps_the_recovery_codes(fulton):
    client = signed_in_with_password("fulton")
    enrolment_link_opened(client, fulton)
    page = client.get(f"{SET_UP}?next={reverse('recounts:inbox')}")
    assert "Staff accounts sign in with a password and a code from an authenticator app" in text_of(page)
    assert '<svg width="' in page.content.decode()  # the QR code, drawn inline
    key = key_on_the_page(page)
    assert key_on_the_page(client.get(SET_UP)) == key, "the same key until it is confirmed"

    wrong = client.post(SET_UP, {"code": f"{(int(authenticator_code(key)) + 1) % 1_000_000:06d}"})  # off by one
    assert "That is not the code the app shows for this key" in text_of(wrong)
    assert not TOTPDevice.objects.filter(user=fulton).exists()

    done = client.post(SET_UP, {"code": authenticator_code(key), "next": reverse("recounts:inbox")})

    codes = recovery_codes_on_the_page(done)
    assert len(codes) == RECOVERY_CODE_COUNT == len(set(codes))
    assert "They are shown only this once" in text_of(done)
    assert done.context["next"] == reverse("recounts:inbox")
    device = TOTPDevice.objects.get(user=fulton)
    assert (device.confirmed, device.key) == (True, key)
    assert told(fulton) == ["Recount Desk sign-in: Two-factor sign-in with an authenticator app was turned on"]
    assert "no-store" in done["Cache-Control"], "the codes are not kept in any cache"
    assert client.get(reverse("recounts:inbox")).status_code == 200
    assert client.get(SET_UP).url == SETTINGS, "one authenticator per account"


def test_the_next_sign_in_asks_for_the_code_and_takes_the_current_one(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    assert client.get(reverse("recounts:cases")).url == f"{VERIFY}?next={reverse('recounts:cases')}"
    before = client.session.session_key

    wrong = client.post(VERIFY, {"code": wrong_code(device)})
    assert "That code is not the one the authenticator app shows now" in text_of(wrong)
    assert client.get(reverse("recounts:cases")).status_code == 302

    with time_machine.travel(datetime.timedelta(seconds=2)):  # past the one-second pause of one wrong code
        response = client.post(VERIFY, {"code": device_code(device), "next": reverse("recounts:cases")})
        assert response.url == reverse("recounts:cases")
        assert client.get(reverse("recounts:cases")).status_code == 200
    assert client.session.session_key != before, "the session id changes when the second factor is passed"


def test_a_code_is_accepted_once(fulton):
    device = make_authenticator(fulton)
    first, second = signed_in_with_password("fulton"), signed_in_with_password("fulton")
    code = device_code(device)

    assert first.post(VERIFY, {"code": code}).url == START
    refused = second.post(VERIFY, {"code": code})

    assert "or it was used already" in text_of(refused)
    assert second.get(START).url == f"{VERIFY}?next={START}"


def test_wrong_codes_pause_the_account_for_longer_each_time(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    paused = "Too many wrong codes: sign-in for this account is paused. Try again after"
    with time_machine.travel(datetime.datetime(2026, 11, 2, 15, 0, tzinfo=datetime.UTC), tick=False) as clock:
        client.post(VERIFY, {"code": wrong_code(device)})  # paused for 1 second
        clock.shift(0.5)
        assert paused in text_of(client.post(VERIFY, {"code": device_code(device)}))
        clock.shift(0.6)
        client.post(VERIFY, {"code": wrong_code(device)})  # the second: paused for 2 seconds
        clock.shift(1.5)
        assert paused in text_of(client.post(VERIFY, {"code": device_code(device)}))
        assert client.get(START).status_code == 302
        clock.shift(0.6)
        assert client.post(VERIFY, {"code": device_code(device)}).url == START


def test_a_recovery_code_signs_in_once(fulton):
    make_authenticator(fulton)
    codes = signed_in_with_password("fulton")
    codes.post(VERIFY, {"code": device_code(TOTPDevice.objects.get(user=fulton))})
    renewed = codes.post(reverse("accounts:recovery_codes"), {"code": device_code(TOTPDevice.objects.get(user=fulton))})
    code = recovery_codes_on_the_page(renewed)[0]

    client = signed_in_with_password("fulton")
    response = client.post(VERIFY, {"code": code.upper()}, follow=True)

    assert response.redirect_chain[0] == (START, 302)
    assert f"You signed in with a recovery code; {RECOVERY_CODE_COUNT - 1} left" in text_of(response)
    again = signed_in_with_password("fulton").post(VERIFY, {"code": code})
    assert "That is not one of this account's unused recovery codes" in text_of(again)


def test_new_recovery_codes_replace_the_old_ones(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    client.post(VERIFY, {"code": device_code(device)})
    with time_machine.travel(datetime.timedelta(seconds=30)):
        old = recovery_codes_on_the_page(client.post(reverse("accounts:recovery_codes"), {"code": device_code(device)}))
    with time_machine.travel(datetime.timedelta(seconds=60)):
        new = recovery_codes_on_the_page(client.post(reverse("accounts:recovery_codes"), {"code": device_code(device)}))

    assert set(StaticToken.objects.filter(device__user=fulton).values_list("token", flat=True)) == {
        code.replace("-", "") for code in new
    }
    assert not set(old) & set(new)
    assert told(fulton) == ["Recount Desk sign-in: New recovery codes were made; the earlier ones no longer work"] * 2


def test_new_recovery_codes_need_a_current_code(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    client.post(VERIFY, {"code": device_code(device)})

    malformed = client.post(reverse("accounts:recovery_codes"), {"code": "12345"}, follow=True)
    with time_machine.travel(datetime.timedelta(seconds=30)):
        wrong_app_code = client.post(reverse("accounts:recovery_codes"), {"code": wrong_code(device)}, follow=True)
    with time_machine.travel(datetime.timedelta(seconds=60)):
        wrong_recovery_code = client.post(reverse("accounts:recovery_codes"), {"code": "abcd-ef23"}, follow=True)

    assert "Enter the 6 digits your authenticator app shows, or a recovery code" in text_of(malformed)
    assert "That code is not the one the authenticator app shows now" in text_of(wrong_app_code)
    assert "This account has no recovery codes" in text_of(wrong_recovery_code)
    assert recovery_codes_left(fulton) == 0
    assert told(fulton) == []


def test_a_lost_phone_is_replaced_with_a_recovery_code(fulton):
    old = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    client.post(VERIFY, {"code": device_code(old)})
    with time_machine.travel(datetime.timedelta(seconds=30)):
        codes = recovery_codes_on_the_page(client.post(reverse("accounts:recovery_codes"), {"code": device_code(old)}))

    # The phone is gone: a recovery code confirms, and the new phone is set up at once.
    response = client.post(reverse("accounts:authenticator_replace"), {"code": codes[0]}, follow=True)
    assert response.redirect_chain == [(SET_UP, 302)]
    assert "The old authenticator app keeps working until the new one is set up here." in text_of(response)
    key = key_on_the_page(response)
    assert key != old.key
    done = client.post(SET_UP, {"code": authenticator_code(key)})

    assert len(recovery_codes_on_the_page(done)) == RECOVERY_CODE_COUNT
    assert TOTPDevice.objects.get(user=fulton).key == key, "the old authenticator is gone"
    assert client.get(SETTINGS).status_code == 200, "still signed in, with the new authenticator"
    assert told(fulton) == [
        "Recount Desk sign-in: New recovery codes were made; the earlier ones no longer work",
        "Recount Desk sign-in: The authenticator app was replaced; the old one no longer works",
    ]


def test_replacing_needs_a_second_factor_passed_in_this_session(fulton):
    """The setup page never takes a new authenticator for an account that has one, unless this session
    confirmed a current code for it."""
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    client.post(VERIFY, {"code": device_code(device)})

    assert client.get(SET_UP).url == SETTINGS


def test_replacing_the_authenticator_needs_a_current_code(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    client.post(VERIFY, {"code": device_code(device)})

    with time_machine.travel(datetime.timedelta(seconds=30)):
        response = client.post(reverse("accounts:authenticator_replace"), {"code": wrong_code(device)}, follow=True)

    assert response.redirect_chain == [(SETTINGS, 302)]
    assert "That code is not the one the authenticator app shows now" in text_of(response)
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_passing_the_second_factor_renews_the_csrf_token(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    client.get(VERIFY)
    before = client.cookies["csrftoken"].value

    client.post(VERIFY, {"code": device_code(device)})

    assert client.cookies["csrftoken"].value != before


def test_a_form_sent_before_the_second_factor_is_not_the_page_returned_to(fulton):
    """A POST caught at the gate goes on to the start page after the code, not to a page that takes only POSTs."""
    make_authenticator(fulton)
    client = signed_in_with_password("fulton")

    assert client.post(reverse("accounts:recovery_codes"), {"code": "123456"}).url == f"{VERIFY}?next={START}"


def test_staff_cannot_turn_it_off(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    client.post(VERIFY, {"code": device_code(device)})

    with time_machine.travel(datetime.timedelta(seconds=30)):
        response = client.post(reverse("accounts:two_factor_off"), {"code": device_code(device)}, follow=True)

    assert "Staff accounts must keep two-factor sign-in" in text_of(response)
    assert TOTPDevice.objects.filter(user=fulton).exists()
    assert told(fulton) == []
    assert "Turn off two-factor sign-in" not in text_of(client.get(SETTINGS))


# Candidates may opt in


def test_a_candidate_signs_in_with_a_password_until_they_turn_it_on_and_after_they_turn_it_off():
    norwood_candidate = build_atlanta_runoff().candidates.get(name="Mary Norwood")
    norwood = make_candidate_account(norwood_candidate, username="norwood")
    client = signed_in_with_password("norwood")
    assert client.get(START).url == reverse("recounts:mine")
    assert "Two-factor sign-in is off" in text_of(client.get(SETTINGS))

    enrolment_link_opened(client, norwood)
    key = key_on_the_page(client.get(SET_UP))
    assert "Staff accounts sign in" not in text_of(client.get(SET_UP))
    assert len(recovery_codes_on_the_page(client.post(SET_UP, {"code": authenticator_code(key)}))) == 10

    later = signed_in_with_password("norwood")
    assert later.get(START).url == f"{VERIFY}?next={START}"
    device = TOTPDevice.objects.get(user=norwood)
    with time_machine.travel(datetime.timedelta(seconds=30)):
        assert later.post(VERIFY, {"code": device_code(device)}).url == START
    with time_machine.travel(datetime.timedelta(seconds=60)):
        off = later.post(reverse("accounts:two_factor_off"), {"code": device_code(device)}, follow=True)
    assert "Two-factor sign-in is off: your password alone signs you in." in text_of(off)
    assert recovery_codes_left(norwood) == 0
    assert told(norwood) == [
        "Recount Desk sign-in: Two-factor sign-in with an authenticator app was turned on",
        "Recount Desk sign-in: Two-factor sign-in was turned off",
    ]

    assert signed_in_with_password("norwood").get(START).url == reverse("recounts:mine")


def test_turning_it_off_needs_a_current_code():
    candidate = build_atlanta_runoff().candidates.get(name="Mary Norwood")
    norwood = make_candidate_account(candidate, username="norwood")
    device = make_authenticator(norwood)
    client = signed_in_with_password("norwood")
    client.post(VERIFY, {"code": device_code(device)})

    with time_machine.travel(datetime.timedelta(seconds=30)):
        response = client.post(reverse("accounts:two_factor_off"), {"code": wrong_code(device)}, follow=True)

    assert "That code is not the one the authenticator app shows now" in text_of(response)
    assert TOTPDevice.objects.filter(user=norwood).exists()


# The pages around it


def test_the_code_page_never_sends_the_user_off_site(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")

    response = client.post(VERIFY, {"code": device_code(device), "next": "https://evil.example/"})

    assert response.url == START


def test_signing_out_is_open_before_the_second_factor(fulton):
    make_authenticator(fulton)
    client = signed_in_with_password("fulton")

    assert client.post(reverse("logout")).url == reverse("login")
    assert client.get(START).url == f"{reverse('login')}?next={START}"


def test_the_code_page_without_a_second_factor_goes_on(db):
    make_user(username="plain")
    client = signed_in_with_password("plain")

    assert client.get(f"{VERIFY}?next=/my-contests/").url == "/my-contests/"


# The forms


@pytest.mark.parametrize(
    ("typed", "code"),
    [("123456", "123456"), (" 123 456 ", "123456"), ("ABCD-EF23", "abcdef23"), ("abcd ef23", "abcdef23")],
)
def test_the_code_form_takes_what_people_type(typed, code):
    form = SecondFactorForm({"code": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["code"] == code


@pytest.mark.parametrize("typed", ["12345", "1234567", "abcdefg1", "abc", "", "abcd-ef2"])
def test_the_code_form_names_what_it_expects(typed):
    form = SecondFactorForm({"code": typed})
    assert not form.is_valid()
    assert form.errors["code"] in (
        ["This field is required."],
        ["Enter the 6 digits your authenticator app shows, or a recovery code (8 letters and digits, like abcd-ef23)."],
    )


def test_the_setup_form_takes_only_six_digits():
    assert AuthenticatorForm({"code": "123 456"}).is_valid()
    form = AuthenticatorForm({"code": "abcd-ef23"})
    assert not form.is_valid()
    assert form.errors["code"] == ["Enter the 6 digits the app shows (a new code appears every 30 seconds)."]


# The enrolment link's life


def link_token(user) -> str:
    body = Notice.objects.filter(recipient=user, kind=NoticeKind.TWO_FACTOR_LINK).latest("pk").body
    return re.search(r"/account/two-factor/set-up/(\S+)/", body).group(1)


def test_a_link_sent_before_a_reset_does_not_work_after_it(fulton, admin_user):
    client = signed_in_with_password("fulton")
    client.post(reverse("accounts:two_factor_link"))
    old = link_token(fulton)
    client.post(reverse("accounts:two_factor_enrol", args=[old]))
    client.get(reverse("accounts:two_factor_enrol", args=[old]))
    client.post(SET_UP, {"code": authenticator_code(key_on_the_page(client.get(SET_UP)))})

    second_factor_reset(user=fulton, by=admin_user)

    assert not enrolment_link_valid(fulton, old)
    later = signed_in_with_password("fulton")
    assert "This link has been used or has expired" in text_of(
        later.get(f"/account/two-factor/set-up/{old}/", follow=True)
    )


def test_a_link_stops_working_when_the_email_address_changes(fulton):
    client = signed_in_with_password("fulton")
    client.post(reverse("accounts:two_factor_link"))
    token = link_token(fulton)

    fulton.email = "someone-else@example.test"
    fulton.save()

    assert not enrolment_link_valid(fulton, token)


def test_a_session_holding_another_accounts_link_cannot_set_up(fulton):
    """The session keeps the link's token, checked for the account signed in each time."""
    make_superintendent_staff(username="dekalb", county_name="DeKalb")
    signed_in_with_password("fulton").post(reverse("accounts:two_factor_link"))
    client = signed_in_with_password("dekalb")
    session = client.session
    session["two_factor_enrolment_token"] = link_token(fulton)
    session.save()

    assert "data-totp-key" not in client.get(SET_UP).content.decode()


def test_the_session_forgets_the_link_and_the_key_once_set_up(fulton):
    client = signed_in_with_password("fulton")
    enrolment_link_opened(client, fulton)
    client.post(SET_UP, {"code": authenticator_code(key_on_the_page(client.get(SET_UP)))})

    assert not {"two_factor_enrolment_token", "two_factor_pending_key", "two_factor_replacing"} & set(
        client.session.keys()
    )


# Pauses, caches and error reports


def test_a_wrong_app_code_pauses_the_recovery_codes_too(fulton):
    device = make_authenticator(fulton)
    StaticDevice.objects.create(user=fulton, name="Recovery codes").token_set.create(token="abcdef23")
    client = signed_in_with_password("fulton")

    client.post(VERIFY, {"code": wrong_code(device)})
    response = client.post(VERIFY, {"code": "abcd-ef23"})

    assert "Too many wrong codes: sign-in for this account is paused" in text_of(response)
    assert recovery_codes_left(fulton) == 1


def test_a_wrong_code_for_new_recovery_codes_pauses_as_at_sign_in(fulton):
    device = make_authenticator(fulton)
    client = signed_in_with_password("fulton")
    client.post(VERIFY, {"code": device_code(device)})

    with time_machine.travel(datetime.timedelta(seconds=30)):
        client.post(reverse("accounts:recovery_codes"), {"code": wrong_code(device)})
        response = client.post(reverse("accounts:recovery_codes"), {"code": device_code(device)}, follow=True)

    assert "Too many wrong codes" in text_of(response)
    assert recovery_codes_left(fulton) == 0


def test_a_wrong_recovery_code_is_refused_when_the_account_has_some(fulton):
    device = make_authenticator(fulton)
    StaticDevice.objects.create(user=fulton, name="Recovery codes").token_set.create(token="abcdef23")
    client = signed_in_with_password("fulton")
    client.post(VERIFY, {"code": device_code(device)})

    response = client.post(reverse("accounts:recovery_codes"), {"code": "zzzz-zzzz"}, follow=True)

    assert "That is not one of this account's unused recovery codes" in text_of(response)
    assert set(StaticToken.objects.filter(device__user=fulton).values_list("token", flat=True)) == {"abcdef23"}


@pytest.mark.parametrize("page", ["accounts:two_factor_verify", "accounts:two_factor_setup", "accounts:recovery_codes"])
def test_the_pages_that_take_codes_keep_them_out_of_caches_and_error_reports(fulton, page):
    client = signed_in_with_password("fulton")
    if page == "accounts:two_factor_setup":
        enrolment_link_opened(client, fulton)
    else:
        device = make_authenticator(fulton)
    if page == "accounts:recovery_codes":
        client.post(VERIFY, {"code": device_code(device)})

    response = client.post(reverse(page), {"code": "000000"})

    assert tuple(response.wsgi_request.sensitive_post_parameters) == ("code",)
    assert "no-store" in response["Cache-Control"]
