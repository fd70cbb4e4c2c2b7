"""The hardening of issue 5 that lives in settings: the Content Security Policy, the production flags and
`check --deploy`, sign-in lock-out (django-axes), idle sessions, and logout everywhere on a password change."""

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from config import settings as configured
from tests.factories import make_user

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "k3!vN8q#Zr2pLx7wT0yB5mC9dF4hJ6sA1gE-uR_oI+eW*YtQ^P",  # 50 characters, test only
    "DJANGO_ALLOWED_HOSTS": "example.org",
    "RECOUNT_SECURITY_CONTACT": "mailto:security@example.org",
}
PASSWORD = "staff-password-1"


def run_with(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "RECOUNT_"))}
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True, check=False
    )


# Content Security Policy


def test_every_page_carries_the_content_security_policy(client):
    response = client.get(reverse("login"))

    assert response["Content-Security-Policy"] == (
        "default-src 'self'; script-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    )
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_template_has_inline_script_style_or_event_handler():
    """The policy forbids them, so a page that used one would break in the browser."""
    offenders = []
    for template in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = template.read_text()
        for needle in ("<script>", '<script type="text/javascript">', " style=", " onclick=", " onload=", " onsubmit="):
            if needle in text:
                offenders.append((template.relative_to(BASE_DIR).as_posix(), needle))

    assert offenders == []


# Production settings


def test_production_settings_are_hardened():
    names = [
        "DEBUG",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "SECURE_REFERRER_POLICY",
        "SESSION_COOKIE_AGE",
        "SESSION_SAVE_EVERY_REQUEST",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    ]
    code = (
        f"import json; from config import settings as s; print(json.dumps({{n: getattr(s, n, None) for n in {names}}}))"
    )

    result = run_with(PRODUCTION_ENV, "-c", code)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "SESSION_COOKIE_AGE": 30 * 60,
        "SESSION_SAVE_EVERY_REQUEST": True,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
    }


def test_the_proxy_header_is_trusted_only_when_asked():
    code = "from config import settings as s; print(s.SECURE_PROXY_SSL_HEADER)"

    result = run_with({**PRODUCTION_ENV, "DJANGO_BEHIND_PROXY": "1"}, "-c", code)

    assert result.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "DJANGO_SECRET_KEY"}

    result = run_with(env, "-c", "import config.settings")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required when DJANGO_ENV is 'production'." in result.stderr


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_with(PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "DEBUG")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_check_deploy_warns_when_no_security_contact_is_set():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "RECOUNT_SECURITY_CONTACT"}

    result = run_with(env, "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "(recounts.W001) No security contact is set" in result.stderr


def test_a_security_contact_that_is_not_a_uri_stops_start_up():
    result = run_with({"RECOUNT_SECURITY_CONTACT": "security@example.org"}, "-c", "import config.settings")

    assert result.returncode != 0
    assert "RECOUNT_SECURITY_CONTACT must be a mailto: or https: URI (RFC 9116)" in result.stderr


# Where to report a vulnerability (RFC 9116)


@pytest.mark.django_db
def test_security_txt_names_the_contact_and_expires_within_a_year(client, settings, time_machine):
    """RFC 9116: an expiry less than a year ahead; the canonical address without what a visitor appended."""
    time_machine.move_to(datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.UTC), tick=False)
    settings.SECURITY_CONTACT = "mailto:security@example.org"

    response = client.get("/.well-known/security.txt?utm=%3Cx%3E")

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().splitlines() == [
        "Contact: mailto:security@example.org",
        "Expires: 2027-05-28T12:00:00Z",
        "Preferred-Languages: en",
        "Canonical: http://testserver/.well-known/security.txt",
    ]


@pytest.mark.django_db
def test_security_txt_is_not_served_without_a_contact(client, settings):
    settings.SECURITY_CONTACT = ""

    assert client.get("/.well-known/security.txt").status_code == 404


# Sign-in lock-out (django-axes)


def sign_in(client: Client, password: str, username: str = "staff", address: str = "127.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


LOCKED_OUT_MESSAGE = (
    "Too many failed sign-ins for this account from this address: sign-in is paused for 30 minutes. "
    "Try again after that."
)


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_five_failed_sign_ins_lock_the_account_from_that_address():
    make_user(username="staff", password=PASSWORD)
    client = Client()

    statuses = [sign_in(client, "wrong-password").status_code for _ in range(4)]
    fifth = sign_in(client, "wrong-password")
    with_the_right_password = sign_in(client, PASSWORD)

    assert statuses == [200, 200, 200, 200]
    assert fifth.status_code == 429
    assert LOCKED_OUT_MESSAGE in page_text(fifth)
    assert with_the_right_password.status_code == 429
    assert LOCKED_OUT_MESSAGE in page_text(with_the_right_password)
    assert "_auth_user_id" not in client.session
    # The lock is on the username from that address: the same account from elsewhere may still sign in.
    assert sign_in(Client(), PASSWORD, address="192.0.2.7").status_code == 302


@pytest.mark.django_db
def test_the_lock_lifts_thirty_minutes_after_the_last_attempt():
    make_user(username="staff", password=PASSWORD)
    with time_machine.travel(datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        for _ in range(5):
            sign_in(Client(), "wrong-password")
        clock.shift(datetime.timedelta(minutes=20))
        during = sign_in(Client(), PASSWORD).status_code  # an attempt while locked starts the 30 minutes again
        clock.shift(datetime.timedelta(minutes=29))
        still = sign_in(Client(), PASSWORD).status_code
        clock.shift(datetime.timedelta(minutes=31))
        after = sign_in(Client(), PASSWORD).status_code

    assert [during, still, after] == [429, 429, 302]


@pytest.mark.django_db
def test_a_successful_sign_in_resets_the_count():
    make_user(username="staff", password=PASSWORD)

    before = [sign_in(Client(), "wrong-password").status_code for _ in range(4)]
    success = sign_in(Client(), PASSWORD)
    after = [sign_in(Client(), "wrong-password").status_code for _ in range(4)]

    assert before == [200, 200, 200, 200]
    assert success.status_code == 302
    assert after == [200, 200, 200, 200]  # without the reset, the first of these would lock the account


# Sessions


@pytest.mark.django_db
def test_a_session_ends_after_thirty_idle_minutes(settings):
    settings.SESSION_COOKIE_AGE = configured.SESSION_COOKIE_AGE  # tests/conftest.py lengthens it for deadlines
    notices = reverse("recounts:notices")
    client = Client()
    with time_machine.travel(datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC), tick=False) as clock:
        client.force_login(make_user())
        timeline = []
        for minutes in (29, 29, 31):  # each request renews the session; only the 31-minute gap ends it
            clock.shift(datetime.timedelta(minutes=minutes))
            timeline.append(client.get(notices).status_code)

    assert timeline == [200, 200, 302]
    assert configured.SESSION_COOKIE_AGE == 30 * 60


@pytest.mark.django_db
def test_the_session_cookie_ends_with_the_browser(client):
    client.force_login(make_user())

    response = client.get(reverse("recounts:notices"))

    cookie = response.cookies["sessionid"]
    assert (cookie["max-age"], cookie["expires"], cookie["httponly"], cookie["samesite"]) == ("", "", True, "Lax")


@pytest.mark.django_db
def test_a_password_change_signs_out_every_other_session():
    user = make_user()
    office, home = Client(), Client()
    office.force_login(user)
    home.force_login(user)
    notices = reverse("recounts:notices")
    assert [office.get(notices).status_code, home.get(notices).status_code] == [200, 200]

    user.set_password("a-new-long-password-2")
    user.save()

    assert [office.get(notices).url, home.get(notices).url] == [
        f"{reverse('login')}?next={notices}",
        f"{reverse('login')}?next={notices}",
    ]


@pytest.mark.django_db
def test_changing_the_password_on_its_page_keeps_this_session_and_ends_the_others():
    user = make_user()
    here, elsewhere = Client(), Client()
    here.force_login(user)
    elsewhere.force_login(user)
    notices = reverse("recounts:notices")

    response = here.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "a-new-long-password-2", "new_password2": "a-new-long-password-2"},
    )

    assert response.url == reverse("password_change_done")
    assert here.get(notices).status_code == 200
    assert elsewhere.get(notices).url == f"{reverse('login')}?next={notices}"
    assert [notice.subject for notice in user.notices.all()] == ["Recount Desk sign-in: Your password was changed"]


@pytest.mark.django_db
def test_a_wrong_old_password_changes_nothing():
    user = make_user()
    client = Client()
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": "a-new-long-password-2", "new_password2": "a-new-long-password-2"},
    )

    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.notices.exists()
