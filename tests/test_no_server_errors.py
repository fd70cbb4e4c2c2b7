"""No page answers a server error: every admin page of every registered model for the Secretary of
State's staff and an administrator, and every routed URL whatever its query string.

The world: the permission matrix's (Atlanta's request with a signed letter, both counties' recounts
ordered, another contest in Cobb), plus one row of every model the admin registers.
"""

import datetime
import uuid

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elections.models import ImportBatch
from recounts.models import ClosedDay, RecountRequest
from recounts.services.worksheets import scanner_test_record
from tests.test_permission_matrix import EXPECTED, World, build_world, routed_names

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def world(db, time_machine, settings) -> World:
    """The permission matrix's world, where every registered model has a row to show (and the
    Secretary of State's staff member may use the admin)."""
    matrix_world = build_world(time_machine, settings)
    matrix_world.users["sos"].is_staff = True
    matrix_world.users["sos"].save()
    part = matrix_world.fulton_part
    scanner_test_record(
        county_recount=part, by=matrix_world.users["fult"], version=part.version, scanner="ICP-001",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    ClosedDay.objects.create(day=datetime.date(2017, 12, 26), name="State offices closed")
    ImportBatch.objects.create(
        election=matrix_world.atlanta_request.contest.election,
        file_name="atlanta.csv",
        sha256="0" * 64,
        row_count=4,
        result_count=4,
        imported_at=timezone.now(),
    )
    Group.objects.get_or_create(name="Auditors")
    StaticDevice.objects.create(user=matrix_world.users["admin"], name="Recovery codes", confirmed=True)
    TOTPDevice.objects.create(user=matrix_world.users["admin"], name="Authenticator app", confirmed=True)
    seen = {"user_agent": "test", "ip_address": "127.0.0.1", "username": "norwood", "http_accept": "*/*"}
    AccessAttempt.objects.create(**seen, path_info="/login/", get_data="", post_data="", failures_since_start=1)
    AccessLog.objects.create(**seen, path_info="/login/")
    AccessFailureLog.objects.create(**seen, path_info="/login/")
    # As production keeps its queue (the tests' immediate backend keeps no row to show).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    DBTaskResult.objects.create(
        id=uuid.uuid4(),
        args_kwargs={"args": [], "kwargs": {}},
        task_path="recounts.notices.notice_send",
        backend_name="default",
        run_after=timezone.now(),
        exception_class_path="",
        traceback="",
    )
    return matrix_world


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_of_every_model_opens_for_the_secretary_of_state_and_an_administrator(world, model):
    """An administrator opens every page; the Secretary of State's staff every page of the models they
    may see, and are refused (403, never an error) the others."""
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"the world has no {model._meta.label} to show"
    model_admin = admin.site._registry[model]
    pages = [admin_url(model, "changelist"), admin_url(model, "change", obj.pk)]
    if hasattr(model_admin, "history_view"):
        pages.append(admin_url(model, "history", obj.pk))
    for role in ("admin", "sos"):
        user = world.users[role]
        client = Client()
        client.force_login(user)
        sees = user.is_superuser or user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
        answers = [client.get(page).status_code for page in pages]
        assert answers == [200 if sees else 403] * len(pages), (role, pages)


# -- Every routed URL, whatever its query string --------------------------------------------------


def admin_routes(world: World) -> list[str]:
    """The admin's own pages for each registered model (index, changelist, add, change, history)."""
    urls = [reverse("admin:index")]
    for model in MODELS:
        obj = model._default_manager.order_by("pk").first()
        urls += [admin_url(model, "changelist"), admin_url(model, "add")]
        if obj is not None:
            urls += [admin_url(model, "change", obj.pk), admin_url(model, "history", obj.pk)]
    return urls


def test_the_admin_routes_read_here_cover_the_admin_s_own_patterns():
    """Every pattern of a registered model's admin is one of those `admin_routes` builds (or needs an
    object's POST: delete), so a model registered later is asked too."""
    names = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and str(entry.pattern) == "admin/":
            for inner in entry.url_patterns:
                if isinstance(inner, URLResolver):
                    names |= {pattern.name for pattern in inner.url_patterns if isinstance(pattern, URLPattern)}
    views = {name.rsplit("_", 1)[1] for name in names if name}
    assert views >= {"changelist", "add", "change", "history", "delete"}


#: Parameter names the pages and the admin read, and some they do not.
PARAMETERS = st.one_of(
    st.sampled_from(
        ["contest", "next", "q", "o", "p", "e", "all", "_popup", "_to_field", "_changelist_filters", "status__exact",
         "status", "overdue", "breakdown", "late__exact", "route__exact", "county_recounts__county__id__exact",
         "filed_at__year", "filed_at__month", "filed_at__day", "contest__election__id__exact", "kind__exact",
         "day__year", "certified_at__year", "role__exact", "jurisdiction__kind__exact", "page", "version"]
    ),
    st.text(min_size=1, max_size=12),
)  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "²", "٣", "1e3", "-1", "0", "NaN", "%", "\x00", "../", "//evil.example", "yes", "true", "1"]),
)
QUERIES = st.dictionaries(PARAMETERS, VALUES, max_size=4)


def app_routes(world: World) -> list[str]:
    return [reverse(name, kwargs=world.kwargs(name, target)) for name, target in EXPECTED]


def test_every_routed_name_is_asked():
    assert {name for name, _ in EXPECTED} == set(routed_names())


@pytest.mark.parametrize("who", ["sos", "fult", "a"])
@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_query_string_makes_any_page_answer_a_server_error(world, who, data):
    client = Client(raise_request_exception=False)
    client.force_login(world.users[who])
    urls = app_routes(world) + (admin_routes(world) if who == "sos" else [])
    url = data.draw(st.sampled_from(urls), label="url")
    query = data.draw(QUERIES, label="query")
    response = client.get(url, query)
    assert response.status_code < 500, (url, query, response.status_code)
    assert RecountRequest.objects.count() == 2  # a GET changes nothing
