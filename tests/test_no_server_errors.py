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
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elections.models import ImportBatch
from recounts.models import ClosedDay, RecountRequest
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
    # The matrix's world has Fulton's scanner test already.
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


def admin_request(user):
    """A request of `user`'s, to ask the admin what it lets them see (its own rules, or their permissions)."""
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_of_every_model_opens_for_the_secretary_of_state_and_an_administrator(world, model):
    """An administrator opens every page; the Secretary of State's staff every page of the models the
    admin lets them see (by their permissions, or by a rule: the imports of returns), and are refused
    (403, never an error) the others."""
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
        sees = model_admin.has_view_permission(admin_request(user))
        answers = [client.get(page).status_code for page in pages]
        assert answers == [200 if sees else 403] * len(pages), (role, pages)


# -- Every routed URL, whatever its query string --------------------------------------------------


#: The admin's pages that read a query string (its filters, search, ordering, popups and `_to_field`).
ADMIN_VIEWS = ("changelist", "change")


def admin_route(model, view: str) -> str:
    """One of the admin's own pages of a registered model (change and history: its first row)."""
    if view in {"changelist", "add"}:
        return admin_url(model, view)
    return admin_url(model, view, model._default_manager.order_by("pk").first().pk)


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
         "election", "day__year", "certified_at__year", "role__exact", "jurisdiction__kind__exact", "page", "version"]
    ),
    st.text(min_size=1, max_size=12),
)  # fmt: skip
#: Values at the edges of what a page parses: digits that are not ASCII (“²” passes `str.isdigit`),
#: numbers too large for the database, signs, exponents, nothing, a NUL, paths and hosts.
ODD = ["", "²", "٣", "1e3", "-1", "0", "99999999999999999999999", "%", "\x00", "//evil.example"]
VALUES = st.one_of(
    st.sampled_from(ODD),
    st.text(max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)
QUERIES = st.dictionaries(PARAMETERS, VALUES, max_size=4)


def test_every_routed_name_is_asked():
    assert {name for name, _ in EXPECTED} == set(routed_names())


#: Who asks each page: someone who gets it (the Secretary of State's staff see the most; the record
#: page is a county's; a candidate's own pages are theirs).
READERS = ("sos", "fult", "a")


def reader_of(world: World, url: str) -> Client:
    """A client of the first reader who may open the page (or of the last, refused as the others)."""
    for who in READERS:
        client = Client(raise_request_exception=False)
        client.force_login(world.users[who])
        if client.get(url).status_code < 400:
            break
    return client


def test_every_page_takes_odd_values_of_the_parameters_it_reads(world):
    """Every routed page, asked by someone who may open it, with each odd value of each parameter a page
    of the desk reads (`contest`, `next`). The documents (PDF, CSV), which read no query string and take
    long to draw, are asked by the hypothesis test below only."""
    wrong = []
    for name, target in EXPECTED:
        url = reverse(name, kwargs=world.kwargs(name, target))
        if url.endswith((".pdf", ".csv")):
            continue
        client = reader_of(world, url)
        for key in ("contest", "next"):
            for value in ODD:
                status = client.get(url, {key: value}).status_code
                if status >= 500:
                    wrong.append(f"{url}?{key}={value!r}: {status}")
    assert wrong == []


def test_a_number_too_large_for_the_database_is_a_bad_request_not_a_server_error(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["sos"])
    url = admin_route(RecountRequest, "changelist")

    response = client.get(url, {"filed_at__day": "99999999999999999999"})
    near = client.get(url, {"filed_at__day": str(2**63 - 1)})

    assert (response.status_code, response.content.decode()) == (
        400,
        "The number given for “filed_at__day” in the address is too large.",
    )
    assert near.status_code < 500


def routes(world: World) -> list[str]:
    """Every routed page of the desk, and the admin's pages that read a query string, for every model."""
    app = [reverse(name, kwargs=world.kwargs(name, target)) for name, target in EXPECTED]
    return app + [admin_route(model, view) for model in MODELS for view in ADMIN_VIEWS]


@settings(max_examples=8, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_query_string_makes_any_page_answer_a_server_error(world, data):
    """Each example asks every page once, with a query string of its own, as a reader drawn for it."""
    clients = {}
    for who in READERS:
        clients[who] = Client(raise_request_exception=False)
        clients[who].force_login(world.users[who])
    wrong = []
    for url in routes(world):
        who = data.draw(st.sampled_from(READERS), label=f"who for {url}")
        query = data.draw(QUERIES, label=f"query for {url}")
        status = clients[who].get(url, query).status_code
        if status >= 500:
            wrong.append(f"{url} {query} as {who}: {status}")
    assert wrong == []
    assert RecountRequest.objects.count() == 2  # a GET changes nothing
