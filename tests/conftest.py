import importlib

import pytest
from django.contrib.auth.models import Group

from accounts.roles import SECRETARY_OF_STATE_GROUP


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sessions_outlast_the_clock(settings):
    """Tests move the clock by hours and days to reach a deadline while a client stays signed in: the
    30-minute idle limit would sign it out. tests/test_security.py checks that limit itself."""
    settings.SESSION_COOKIE_AGE = 365 * 24 * 60 * 60


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Uploaded letters and scans go to the test's temporary directory, never into the checkout."""
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _empty_cache():
    """The cache (the budgets of emailed links: accounts/email_budget.py) is the process's memory: each
    test starts with it empty, as a fresh server would."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def sos_group(db):
    return Group.objects.get(name=SECRETARY_OF_STATE_GROUP)


def pytest_report_header(config: pytest.Config) -> str:
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"


# What the data migrations load (the counties, the Secretary of State group and its permissions,
# Georgia's recount rules), loaded again for each test that must commit (browser tests: the live
# server answers from another thread; concurrency tests: real connections in threads). Each such
# test ends by emptying the database, and Django's serialized rollback cannot be relied on to
# restore it: Playwright's sync API runs tests in a greenlet of its own, which gets a database
# connection of its own, without the serialized copy.
REFERENCE_DATA = [
    ("elections.migrations.0002_georgia_counties", "load"),
    ("elections.migrations.0003_secretary_of_state_permissions", "grant"),
    ("accounts.migrations.0001_initial", "grant"),
    ("recounts.migrations.0002_georgia_rules", "load"),
    ("recounts.migrations.0005_secretary_of_state_permissions", "grant"),
]


@pytest.fixture
def reference_data(transactional_db):
    from django.apps import apps

    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(monkeypatch):
    """`Client.force_login` stands in for the password step of signing in; here it stands in for the
    second step too, as a real sign-in would end: an account that needs or has a second factor gets a
    confirmed authenticator and a session that passed it. The enforcement itself
    (`accounts.middleware`) runs on every request as in production; tests/test_two_factor.py signs in
    through the real pages, and the permission matrix checks every page without the second step."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY, user_has_device
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts import roles

    password_only = Client.force_login

    def force_login(client, user, backend=None):
        password_only(client, user, backend)
        fresh = type(user).objects.get(pk=user.pk)  # the roles cache their answer on the user object
        if not (roles.needs_second_factor(fresh) or user_has_device(fresh)):
            return
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "password_only_login", password_only, raising=False)
