import datetime

import pytest
import time_machine
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.enums import StaffRole
from accounts.models import StaffMembership
from elections.enums import CertificationScope, DeclaredStatus
from elections.importers.returns import ElectionDetails
from elections.models import Candidate, Certification, Contest, Election, ImportBatch, Result
from recounts.models import (
    ClosedDay,
    CountyRecount,
    ImportJob,
    Notice,
    PartyChair,
    RecountRequest,
    RecountTally,
    ScannerTest,
)
from recounts.services.decisions import recount_order
from recounts.services.imports import import_job_start, upload_check
from recounts.services.requests import Signature, request_file
from recounts.services.worksheets import scanner_test_record
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    georgia_counties,
    make_candidate,
    make_result,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    make_user,
)

pytestmark = pytest.mark.django_db

ADMIN_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in {"accounts", "elections", "recounts"}),
    key=lambda model: model._meta.label,
)
READ_ONLY = {Result, ImportBatch, RecountRequest, Notice, CountyRecount, ScannerTest, RecountTally, ImportJob}
WITHOUT_HISTORY = {ImportBatch, Notice}  # provenance and messages sent: recorded once, never edited


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def import_batch(atlanta_runoff, superuser) -> ImportBatch:
    """Also a staff membership, a closed day, a party chair, a request with its notices and a county
    recount (with its worksheet's lines and a scanner test), and an import of returns (uploaded), so
    every admin has a row to show."""
    fulton = georgia_counties("Fulton")[0]
    StaffMembership.objects.create(
        user=superuser, jurisdiction=fulton, title="Superintendent", role=StaffRole.SUPERINTENDENT
    )
    ClosedDay.objects.create(day=datetime.date(2017, 12, 26), name="State offices closed")
    PartyChair.objects.create(party="Democratic", chair_name="Dana Chair", email="chair@example.test")
    norwood = atlanta_runoff.candidates.get(name="Mary Norwood")
    norwood.accounts.add(make_user(username="norwood", email="norwood@example.test"))
    with time_machine.travel(datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN), tick=False):
        request = request_file(candidate=norwood, by=norwood.accounts.get(), signature=Signature(name="Mary Norwood"))
        part = recount_order(
            request=request,
            county=fulton,
            by=superuser,
            count_place="Fulton County Elections Hub",
            count_starts_at=datetime.datetime(2017, 12, 13, 9, 0, tzinfo=EASTERN),
        )
        scanner_test_record(
            county_recount=part, by=superuser, version=part.version, scanner="ICP-001",
            machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
        )  # fmt: skip
        import_job_start(
            upload=upload_check(SimpleUploadedFile("atlanta.csv", b"county,precinct,office,candidate,votes\n")),
            details=ElectionDetails(name="2017 Atlanta Runoff", date=datetime.date(2017, 12, 5), kind="runoff"),
            replace=False,
            by=superuser,
        )
    return ImportBatch.objects.create(
        election=atlanta_runoff.election,
        file_name="atlanta.csv",
        sha256="0" * 64,
        row_count=4,
        result_count=4,
        imported_by=superuser,
        imported_at=datetime.datetime(2017, 12, 6, 9, 0, tzinfo=EASTERN),
    )


def test_every_model_with_history_is_registered():
    registered = {model._meta.label for model in ADMIN_MODELS}
    assert registered == {
        "accounts.StaffMembership",
        "elections.Candidate",
        "elections.Certification",
        "elections.Contest",
        "elections.Election",
        "elections.ImportBatch",
        "elections.Jurisdiction",
        "elections.Result",
        "recounts.ClosedDay",
        "recounts.CountyRecount",
        "recounts.ImportJob",
        "recounts.Notice",
        "recounts.PartyChair",
        "recounts.RecountRequest",
        "recounts.RecountRule",
        "recounts.RecountTally",
        "recounts.ScannerTest",
    }


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_changelist_loads(superuser_client, atlanta_runoff, import_batch, model):
    assert superuser_client.get(admin_url(model, "changelist")).status_code == 200


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_add_page_loads_or_is_refused_for_read_only(superuser_client, model):
    # A certification is added by whom certifies: the Secretary of State's staff here (statewide), a
    # superintendent on the election's page; an administrator certifies nothing.
    expected = 403 if model in READ_ONLY | {Certification} else 200
    assert superuser_client.get(admin_url(model, "add")).status_code == expected


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_change_and_history_pages_load(superuser_client, atlanta_runoff, import_batch, model):
    obj = model.objects.order_by("pk").first()
    assert superuser_client.get(admin_url(model, "change", obj.pk)).status_code == 200
    if model not in WITHOUT_HISTORY:
        assert superuser_client.get(admin_url(model, "history", obj.pk)).status_code == 200


@pytest.mark.parametrize("model", [Result, ImportBatch], ids=lambda model: model.__name__)
def test_returns_and_batches_cannot_be_added_changed_or_deleted(superuser_client, atlanta_runoff, import_batch, model):
    obj = model.objects.order_by("pk").first()
    before = model.objects.count()

    assert superuser_client.post(admin_url(model, "add"), {}).status_code == 403
    assert superuser_client.post(admin_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403
    response = superuser_client.post(admin_url(model, "change", obj.pk), {"votes": 1, "row_count": 1})
    assert response.status_code == 403
    changelist = superuser_client.post(
        admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"}
    )
    assert changelist.status_code == 200  # no delete action: the admin says so and does nothing

    assert model.objects.count() == before
    if model is Result:
        assert Result.objects.get(pk=obj.pk).votes == obj.votes


def test_result_change_page_is_read_only(superuser_client, atlanta_runoff):
    result = Result.objects.get(candidate__name="Mary Norwood", county__name="DeKalb")
    html = superuser_client.get(admin_url(Result, "change", result.pk)).content.decode()
    assert 'name="votes"' not in html
    assert "5167" in html


def certification_form(election, county, when: datetime.datetime, note: str = "") -> dict:
    return {
        "election": election.pk,
        "jurisdiction": county.pk if county else "",
        "certified_at_0": when.strftime("%Y-%m-%d"),
        "certified_at_1": when.strftime("%H:%M:%S"),
        "note": note,
    }


def test_a_superintendent_certifies_version_1_then_2_on_the_election_s_page(client, db):
    contest = build_atlanta_runoff(certified_at=None)
    fulton = georgia_counties("Fulton")[0]
    superintendent = make_superintendent_staff(username="fulton-super", county_name="Fulton", superintendent=True)
    client.force_login(superintendent)
    first = datetime.datetime(2017, 12, 11, 16, 0, tzinfo=EASTERN)

    versions = []
    for when in (first, first + datetime.timedelta(days=9)):
        data = {"scope": str(fulton.pk), "certified_at": when.strftime("%Y-%m-%dT%H:%M"), "note": ""}
        check = client.post(reverse("recounts:certify", args=[contest.election.slug]), data)
        assert check.context["heading"] == "Check before you certify the returns of Fulton County"
        versions.append(dict(check.context["answers"])["Version"])
        response = client.post(reverse("recounts:certify", args=[contest.election.slug]), data | {"confirmed": "yes"})
        assert response.status_code == 302, response.context["certify_form"].errors

    assert versions == [
        "The first: the time to ask for a recount of these returns' contests runs from it",
        "Version 2: version 1 was certified Monday, December 11, 2017, 4:00 p.m. Eastern",
    ]

    certifications = Certification.objects.filter(election=contest.election).order_by("version")
    assert [(c.scope, c.jurisdiction, c.version, c.certified_at, c.certified_by) for c in certifications] == [
        (CertificationScope.COUNTY, fulton, 1, first, superintendent),
        (CertificationScope.COUNTY, fulton, 2, first + datetime.timedelta(days=9), superintendent),
    ]
    history = Certification.history.filter(election=contest.election).order_by("version")
    assert [(h.version, h.history_type, h.history_user, h.history_change_reason) for h in history] == [
        (1, "+", superintendent, "Certified"),
        (2, "+", superintendent, "Recertified (version 2)"),
    ]


def test_adding_a_statewide_certification(client, atlanta_runoff):
    client.force_login(make_secretary_of_state_staff(is_staff=True))
    when = datetime.datetime(2017, 12, 14, 12, 0, tzinfo=EASTERN)
    response = client.post(
        admin_url(Certification, "add"), certification_form(atlanta_runoff.election, None, when, "State")
    )
    assert response.status_code == 302
    statewide = Certification.objects.get(election=atlanta_runoff.election, scope=CertificationScope.STATEWIDE)
    assert (statewide.jurisdiction, statewide.version, statewide.note) == (None, 1, "State")


def test_the_admin_certifies_no_county_and_a_recertification_before_the_one_it_replaces_is_refused(
    client, atlanta_runoff
):
    client.force_login(make_secretary_of_state_staff(is_staff=True))
    fulton = georgia_counties("Fulton")[0]
    earlier = datetime.datetime(2017, 12, 10, 9, 0, tzinfo=EASTERN)

    county = client.post(admin_url(Certification, "add"), certification_form(atlanta_runoff.election, fulton, earlier))
    statewide = client.post(
        admin_url(Certification, "add"),
        certification_form(atlanta_runoff.election, None, datetime.datetime(2017, 12, 14, 12, 0, tzinfo=EASTERN)),
    )
    again = client.post(
        admin_url(Certification, "add"),
        certification_form(atlanta_runoff.election, None, datetime.datetime(2017, 12, 13, 9, 0, tzinfo=EASTERN)),
    )

    assert county.context["adminform"].form.errors == {
        "jurisdiction": ["Only the superintendent of Fulton County certifies its returns."],
        "certified_at": [
            "The certification time 2017-12-10T09:00:00-05:00 is before version 1's (2017-12-11T16:00:00-05:00); "
            "a recertification comes after the one it replaces."
        ],
    }
    assert statewide.status_code == 302
    assert again.context["adminform"].form.errors == {
        "certified_at": [
            "The certification time 2017-12-13T09:00:00-05:00 is before version 1's (2017-12-14T12:00:00-05:00); "
            "a recertification comes after the one it replaces."
        ]
    }
    assert Certification.objects.filter(election=atlanta_runoff.election, jurisdiction=fulton).count() == 1


def test_certifications_cannot_be_changed_or_deleted(superuser_client, atlanta_runoff):
    certification = Certification.objects.filter(election=atlanta_runoff.election).first()
    assert superuser_client.post(admin_url(Certification, "delete", certification.pk), {"post": "yes"}).status_code == (
        403
    )
    html = superuser_client.get(admin_url(Certification, "change", certification.pk)).content.decode()
    assert 'name="certified_at_0"' not in html


def test_changing_a_declared_status_needs_a_reason_and_goes_to_the_history(superuser_client, superuser, atlanta_runoff):
    norwood = Candidate.objects.get(name="Mary Norwood")
    form = {
        "contest": norwood.contest_id,
        "name": norwood.name,
        "party": "",
        "ballot_order": norwood.ballot_order,
        "declared_status": DeclaredStatus.RUNOFF,
        "change_reason": "",
    }

    refused = superuser_client.post(admin_url(Candidate, "change", norwood.pk), form)
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {"change_reason": ["This field is required."]}

    accepted = superuser_client.post(
        admin_url(Candidate, "change", norwood.pk), form | {"change_reason": "Ordered by the court"}
    )
    assert accepted.status_code == 302
    latest = norwood.history.latest()
    assert (latest.declared_status, latest.history_user, latest.history_change_reason) == (
        DeclaredStatus.RUNOFF,
        superuser,
        "Ordered by the court",
    )


def test_no_version_is_restored_from_the_history_page(superuser_client, atlanta_runoff):
    result = Result.objects.get(candidate__name="Mary Norwood", county__name="DeKalb")
    certification = Certification.objects.first()
    history_id = result.history.earliest().history_id

    refused = superuser_client.post(
        admin_url(Result, "simple_history", result.pk, history_id), {"votes": 99_999, "_continue": "1"}
    )
    page = superuser_client.get(admin_url(Result, "simple_history", result.pk, history_id))
    certification_refused = superuser_client.post(
        admin_url(Certification, "simple_history", certification.pk, certification.history.earliest().history_id),
        {"note": "again"},
    )

    result.refresh_from_db()
    assert (refused.status_code, page.status_code, certification_refused.status_code, result.votes) == (
        403,
        200,
        403,
        5_167,
    )
    assert Certification.objects.count() == 2


def test_every_admin_change_needs_a_reason_which_goes_to_the_history(superuser_client, superuser, atlanta_runoff):
    election = atlanta_runoff.election
    form = {"name": "Atlanta Mayoral Runoff, 2017", "slug": election.slug, "date": "2017-12-05", "kind": "runoff"}
    form["state"] = "GA"

    refused = superuser_client.post(admin_url(Election, "change", election.pk), form)
    accepted = superuser_client.post(
        admin_url(Election, "change", election.pk), form | {"change_reason": "Name as on the certificate"}
    )

    assert refused.context["adminform"].form.errors == {"change_reason": ["This field is required."]}
    assert accepted.status_code == 302
    latest = election.history.latest()
    assert (latest.name, latest.history_user, latest.history_change_reason) == (
        "Atlanta Mayoral Runoff, 2017",
        superuser,
        "Name as on the certificate",
    )


def test_a_candidate_stays_in_its_contest_and_a_contest_in_its_election(superuser_client, atlanta_runoff):
    norwood = Candidate.objects.get(name="Mary Norwood")
    candidate_page = superuser_client.get(admin_url(Candidate, "change", norwood.pk)).content.decode()
    contest_page = superuser_client.get(admin_url(Contest, "change", atlanta_runoff.pk)).content.decode()

    assert ('name="contest"' in candidate_page, 'name="election"' in contest_page) == (False, False)


def test_contest_change_page_shows_candidates_read_only(superuser_client, atlanta_runoff):
    html = superuser_client.get(admin_url(atlanta_runoff.__class__, "change", atlanta_runoff.pk)).content.decode()
    assert "Keisha Lance Bottoms" in html
    assert 'name="candidates-0-name"' not in html


def test_admin_pages_need_staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="voter", password="voter-password-1"))
    response = client.get(admin_url(Result, "changelist"))
    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


@pytest.mark.parametrize(("breakdown", "expected"), [("yes", {"Ada Able"}), ("no", {"Ben Baker"}), ("", None)])
def test_results_filter_by_whether_broken_down_by_type(superuser_client, db, breakdown, expected):
    able = make_candidate(name="Ada Able")
    make_result(candidate=able, election_day=7, provisional=0)
    make_result(candidate=make_candidate(contest=able.contest, name="Ben Baker"), votes=5)
    response = superuser_client.get(admin_url(Result, "changelist"), {"breakdown": breakdown} if breakdown else {})
    shown = {result.candidate.name for result in response.context["cl"].result_list}
    assert shown == (expected or {"Ada Able", "Ben Baker"})


def test_a_certification_is_checked_before_it_is_recorded_and_errors_lead_the_page(client, db):
    contest = build_atlanta_runoff(certified_at=None)
    fulton = georgia_counties("Fulton")[0]
    client.force_login(make_superintendent_staff(username="fulton-super", county_name="Fulton", superintendent=True))
    target = reverse("recounts:certify", args=[contest.election.slug])

    check = client.post(target, {"scope": str(fulton.pk), "certified_at": "2017-12-11T16:00", "note": " "})
    wrong = client.post(target, {"scope": str(fulton.pk), "certified_at": "", "note": "", "confirmed": "yes"})

    assert [(label, str(value)) for label, value in check.context["answers"]] == [
        ("Election", contest.election.name),
        ("Returns of", "Fulton County"),
        ("Certified at", "Monday, December 11, 2017, 4:00 p.m. Eastern"),
        ("Version", "The first: the time to ask for a recount of these returns' contests runs from it"),
        ("Note", "None"),
    ]
    assert '<a href="#id_certified_at" class="alert-link">This field is required.</a>' in wrong.content.decode()
    assert not Certification.objects.filter(election=contest.election).exists()
