import pytest
from django.contrib.auth.models import Group

from accounts.roles import SECRETARY_OF_STATE_GROUP
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def sos_staff():
    user = make_user(username="sos", is_staff=True)
    user.groups.add(Group.objects.get(name=SECRETARY_OF_STATE_GROUP))
    return user


@pytest.mark.parametrize(
    ("permission", "granted"),
    [
        ("elections.view_result", True),
        ("elections.change_result", False),
        ("elections.view_importbatch", True),
        ("elections.add_certification", True),
        ("elections.change_certification", False),
        ("elections.delete_certification", False),
        ("elections.change_candidate", True),
        ("elections.delete_candidate", False),
        ("elections.change_contest", True),
        ("recounts.add_recountrule", True),
        ("recounts.change_closedday", True),
        ("recounts.delete_recountrule", False),
        ("auth.add_user", True),
        ("auth.delete_user", False),
    ],
)
def test_secretary_of_state_group_permissions(sos_staff, permission, granted):
    assert sos_staff.has_perm(permission) is granted


def test_secretary_of_state_staff_can_open_the_admin_for_rules_and_results(client, sos_staff):
    client.force_login(sos_staff)

    pages = ["/admin/recounts/recountrule/", "/admin/recounts/closedday/add/", "/admin/elections/result/"]

    assert [client.get(page).status_code for page in pages] == [200, 200, 200]
    assert client.get("/admin/auth/group/").status_code == 403
