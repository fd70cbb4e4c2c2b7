import pytest
from django.contrib.auth.models import Group

from elections.models import SECRETARY_OF_STATE_GROUP


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sos_group(db):
    return Group.objects.get(name=SECRETARY_OF_STATE_GROUP)


def pytest_report_header(config: pytest.Config) -> str:
    from django.db import connection

    return f"database: {connection.vendor} ({connection.settings_dict['NAME']})"
