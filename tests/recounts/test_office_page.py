"""The office page: naming a designee needs a reason; without one the page comes back with the problem
at the top, linking to the field, and nothing changes."""

import pytest
from django.urls import reverse

from accounts.enums import StaffRole
from tests.factories import make_superintendent_staff
from tests.recounts.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_naming_a_designee_without_a_reason_is_refused_on_the_page_and_changes_nothing():
    superintendent = make_superintendent_staff(username="fulton-super", county_name="Fulton", superintendent=True)
    clerk = make_superintendent_staff(username="fulton-clerk", county_name="Fulton").memberships.get()

    response = logged_in(superintendent).post(
        reverse("recounts:designee", args=[clerk.pk]), {f"m{clerk.pk}-role": "designee", f"m{clerk.pk}-reason": " "}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Your office" in html
    assert (
        f'<a href="#id_m{clerk.pk}-reason" class="alert-link">Say why: the reason is kept in the history with your '
        "name.</a>"
    ) in html
    assert f'aria-describedby="id_m{clerk.pk}-reason-error"' in html
    clerk.refresh_from_db()
    assert (clerk.role, clerk.history.count()) == (StaffRole.CLERK, 1)
