"""Fixtures for the page and admin tests: the article's race and logged-in clients."""

import pytest

from elections.models import Contest
from tests.factories import build_atlanta_runoff


@pytest.fixture
def atlanta_runoff(db) -> Contest:
    return build_atlanta_runoff()


@pytest.fixture
def clerk(django_user_model):
    return django_user_model.objects.create_user(username="clerk", password="clerk-password-1")


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.test", password="root-password-1"
    )


@pytest.fixture
def superuser_client(client, superuser):
    client.force_login(superuser)
    return client
