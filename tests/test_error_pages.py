"""Error pages in the site's own clothes: the navigation, a heading, plain words, and (for 403) the
reason the rules gave, instead of Django's bare text."""

import re
from html import unescape

import pytest
from django.template import loader
from django.test import Client
from django.urls import reverse

from tests.factories import make_superintendent_staff

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def county_client() -> Client:
    client = Client()
    client.force_login(make_superintendent_staff(username="fulton-clerk", county_name="Fulton"))
    return client


def test_a_refusal_says_why_on_a_page_of_the_site(county_client):
    response = county_client.get(reverse("recounts:dashboard"))

    assert response.status_code == 403
    content = response.content.decode()
    assert ("<main" in content, 'class="navbar-brand"' in content) == (True, True)
    assert "You cannot open this page The dashboard is for the Secretary of State's staff." in text_of(response)


def test_a_page_not_found_is_a_page_of_the_site(county_client):
    response = county_client.get("/no-such-page/")

    assert response.status_code == 404
    assert 'class="navbar-brand"' in response.content.decode()
    assert "Page not found There is no page at this address, or it is not one you can see." in text_of(response)


def test_the_server_error_page_stands_without_a_request():
    page = loader.get_template("500.html").render()

    assert ("<main" in page, "Something went wrong on our side" in page) == (True, True)
