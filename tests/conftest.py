import importlib

import pytest
from django.contrib.auth.models import Group

from elections.models import SECRETARY_OF_STATE_GROUP


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
    ("recounts.migrations.0002_georgia_rules", "load"),
    ("recounts.migrations.0005_secretary_of_state_permissions", "grant"),
]


@pytest.fixture
def reference_data(transactional_db):
    from django.apps import apps

    for module, function in REFERENCE_DATA:
        getattr(importlib.import_module(module), function)(apps, None)
