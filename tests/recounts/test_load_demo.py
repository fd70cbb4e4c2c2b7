import datetime
import io
import re

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from accounts.enums import StaffRole
from accounts.roles import SECRETARY_OF_STATE_GROUP
from elections.enums import DeclaredStatus, Level
from elections.models import Candidate, Certification, Contest, Election, ImportBatch
from recounts.management.commands.load_demo import DEMO_PASSWORD
from recounts.queries import contest_standing
from tests.factories import EASTERN

pytestmark = pytest.mark.django_db

LOGINS = ["admin", "sos", "fulton", "dekalb", "dekalb-clerk", "fulton-designee", "bottoms", "norwood"]


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def printed_rows(output: str) -> list[tuple[str, str, str]]:
    """(username, password, second factor) of each line of the printed table."""
    rows = re.findall(r"^  .+?  ([\w-]+)\s+(\S+)\s{2,}(.+)$", output, flags=re.MULTILINE)
    return [row for row in rows if row[0] in LOGINS]


def login_table(output: str) -> list[tuple[str, str]]:
    """(username, password) of each line of the printed table."""
    return [(username, password) for username, password, _ in printed_rows(output)]


def recovery_codes(output: str) -> dict[str, list[str]]:
    return {username: codes.split(", ") for username, _, codes in printed_rows(output) if codes != "—"}


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def test_loads_the_article_race_through_the_import():
    output = load_demo()

    contest = Contest.objects.select_related("election").get(election__slug="atlanta-mayor-runoff-2017")
    assert (contest.election.name, str(contest.election.date), contest.election.kind) == (
        "Atlanta Mayoral Runoff 2017",
        "2017-12-05",
        "runoff",
    )
    assert (contest.office, contest.district, contest.level) == ("Mayor", "City of Atlanta", Level.MUNICIPAL)
    assert sorted(county.name for county in contest.counties.all()) == ["DeKalb", "Fulton"]
    assert ImportBatch.objects.get(election=contest.election).result_count == 4
    assert dict(Candidate.objects.filter(contest=contest).values_list("name", "declared_status")) == {
        "Keisha Lance Bottoms": DeclaredStatus.ELECTED,
        "Mary Norwood": DeclaredStatus.NONE,
    }
    certifications = Certification.objects.filter(election=contest.election).select_related("jurisdiction")
    assert sorted((c.jurisdiction.name, c.version, c.certified_at.isoformat()) for c in certifications) == [
        ("DeKalb", 1, "2017-12-11T21:00:00+00:00"),
        ("Fulton", 1, "2017-12-11T21:00:00+00:00"),
    ]
    assert login_table(output) == [(username, DEMO_PASSWORD) for username in LOGINS]


def test_demo_users_have_their_roles():
    load_demo()
    users = {user.username: user for user in get_user_model().objects.prefetch_related("groups", "memberships")}

    assert users["admin"].is_superuser
    assert (users["sos"].is_staff, users["sos"].is_superuser) == (True, False)
    assert [group.name for group in users["sos"].groups.all()] == [SECRETARY_OF_STATE_GROUP]
    assert users["sos"].has_perm("elections.add_certification")
    offices = {
        name: [(m.jurisdiction.name, m.role) for m in users[name].memberships.all()]
        for name in ("fulton", "dekalb", "dekalb-clerk", "fulton-designee")
    }
    assert offices == {
        "fulton": [("Fulton", StaffRole.SUPERINTENDENT)],
        "dekalb": [("DeKalb", StaffRole.SUPERINTENDENT)],
        "dekalb-clerk": [("DeKalb", StaffRole.CLERK)],
        "fulton-designee": [("Fulton", StaffRole.DESIGNEE)],
    }
    # In the article's race and in its rehearsal copy.
    assert [c.name for c in users["bottoms"].candidacies.all()] == ["Keisha Lance Bottoms"] * 2
    assert [c.name for c in users["norwood"].candidacies.all()] == ["Mary Norwood"] * 2
    assert all(user.check_password(DEMO_PASSWORD) for user in users.values())


def test_running_twice_creates_nothing_and_prints_the_same_logins():
    first = load_demo()
    counts = row_counts()

    second = load_demo()

    assert row_counts() == counts
    assert login_table(second) == login_table(first)


def test_staff_logins_get_recovery_codes_that_sign_them_in_once():
    output = load_demo()
    codes = recovery_codes(output)
    assert sorted(codes) == ["admin", "dekalb", "dekalb-clerk", "fulton", "fulton-designee", "sos"], (
        "candidates sign in with the password"
    )
    assert all(
        len(shown) == 3 and all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", code) for code in shown)
        for shown in codes.values()
    )
    assert recovery_codes(load_demo()) == codes, "the same unused codes again"

    client = Client()
    client.post(reverse("login"), {"username": "fulton", "password": DEMO_PASSWORD})
    assert client.get(reverse("recounts:start")).url.startswith(reverse("accounts:two_factor_verify"))
    client.post(reverse("accounts:two_factor_verify"), {"code": codes["fulton"][0]})
    assert client.get(reverse("recounts:start")).url == reverse("recounts:elections")

    shown = recovery_codes(load_demo())["fulton"]
    assert (shown[:2], len(shown), codes["fulton"][0] in shown) == (codes["fulton"][1:], 3, False), "unused ones"


def test_password_option():
    output = load_demo("--password", "another-demo-password")
    assert login_table(output) == [(username, "another-demo-password") for username in LOGINS]
    assert get_user_model().objects.get(username="norwood").check_password("another-demo-password")


def test_refuses_to_run_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="does not run when DJANGO_ENV is 'production'"):
        load_demo()
    assert not Contest.objects.exists()
    assert not get_user_model().objects.exists()


def test_runs_in_production_when_forced(settings):
    settings.PRODUCTION = True
    load_demo("--force")
    assert Contest.objects.count() == 2  # the race and its rehearsal copy


def test_contest_page_after_the_demo(client):
    load_demo()
    client.login(request=HttpRequest(), username="norwood", password=DEMO_PASSWORD)
    contest = Contest.objects.get(election__slug="atlanta-mayor-runoff-2017")

    response = client.get(reverse("recounts:contest", args=["atlanta-mayor-runoff-2017", contest.pk]))

    assert response.status_code == 200
    text = text_of(response)
    assert "Margin 832 votes, 0.899% of 92,502" in text
    assert "Mary Norwood — Not declared 45,835 832 0.899% Keisha Lance Bottoms eligible" in text
    assert "threshold 1% of the total votes cast" in text
    assert "(2017-12-13 17:00 EST)" in text
    assert "Request goes to Superintendent: DeKalb County, Fulton County" in text


def test_refuses_a_username_taken_by_an_account_that_is_not_a_demo_login():
    owner = get_user_model().objects.create_user(
        username="sos", email="sam@sos.ga.example", password="own-password-1", first_name="Sam"
    )
    counts = row_counts()

    with pytest.raises(CommandError) as raised:
        load_demo()

    assert str(raised.value) == (
        "The demo was not loaded: the username “sos” belongs to an account that is not a demo login (its email "
        "is not sos@demo.recount-desk.invalid). Rename that account, or load the demo into another database."
    )
    assert row_counts() == counts
    owner.refresh_from_db()
    assert (owner.email, owner.first_name, owner.is_staff, owner.is_superuser, list(owner.groups.all())) == (
        "sam@sos.ga.example",
        "Sam",
        False,
        False,
        [],
    )
    assert owner.check_password("own-password-1")


def test_refuses_and_names_every_taken_username():
    for username in ["norwood", "admin"]:
        get_user_model().objects.create_user(username=username, email=f"{username}@example.test")

    with pytest.raises(CommandError) as raised:
        load_demo()

    assert str(raised.value) == (
        "The demo was not loaded: the usernames “admin”, “norwood” belong to accounts that are not demo logins "
        "(their email is not <username>@demo.recount-desk.invalid). Rename those accounts, or load the demo "
        "into another database."
    )
    assert (Contest.objects.count(), get_user_model().objects.count()) == (0, 2)


def test_leaves_a_demo_login_from_an_earlier_run_as_it_is():
    load_demo()
    norwood = get_user_model().objects.get(username="norwood")
    norwood.set_password("norwoods-own-password")
    norwood.first_name, norwood.is_active = "Mary G.", False
    norwood.save()

    output = load_demo()

    norwood.refresh_from_db()
    assert (norwood.first_name, norwood.is_active, norwood.check_password("norwoods-own-password")) == (
        "Mary G.",
        False,
        True,
    )
    assert login_table(output) == [
        (username, "(unchanged)" if username == "norwood" else DEMO_PASSWORD) for username in LOGINS
    ]


MONDAY_MORNING = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=EASTERN)


def rehearsals() -> list[Contest]:
    return list(
        Contest.objects.filter(election__slug__startswith="atlanta-mayor-runoff-2017-rehearsal-")
        .select_related("election")
        .order_by("election__slug")
    )


def test_the_rehearsal_copy_is_certified_when_loaded_so_its_window_is_open():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        output = load_demo()

    (rehearsal,) = rehearsals()
    standing = contest_standing(rehearsal)
    assert rehearsal.election.name == (
        "REHEARSAL COPY (practice only) of the Atlanta Mayoral Runoff 2017, certified November 30, 2026"
    )
    assert (rehearsal.election.slug, rehearsal.election.date) == (
        "atlanta-mayor-runoff-2017-rehearsal-2026-11-30",
        datetime.date(2017, 12, 5),
    )
    assert (standing.certified_at, standing.filing_deadline) == (
        datetime.datetime(2026, 11, 30, 9, 59, tzinfo=EASTERN),
        datetime.datetime(2026, 12, 2, 17, 0, tzinfo=EASTERN),
    )
    # The article's figures and rule (the election is still dated 2017): Norwood may ask.
    assert (standing.margin, standing.rule.threshold_percent, [s.candidate.name for s in standing.eligible]) == (
        832,
        1,
        ["Mary Norwood"],
    )
    assert (
        "Rehearsal copy (filing window open until Wednesday, December 2, 2026, 5:00 p.m. Eastern): "
        f"/elections/atlanta-mayor-runoff-2017-rehearsal-2026-11-30/contests/{rehearsal.pk}/"
    ) in output


def test_the_rehearsal_copy_is_reused_while_its_window_is_open_and_renewed_after():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        load_demo()
    counts = row_counts()
    with time_machine.travel(datetime.datetime(2026, 12, 2, 16, 59, tzinfo=EASTERN), tick=False):
        load_demo()
    assert row_counts() == counts

    with time_machine.travel(datetime.datetime(2026, 12, 2, 17, 1, tzinfo=EASTERN), tick=False):
        load_demo()

    assert [contest.election.slug for contest in rehearsals()] == [
        "atlanta-mayor-runoff-2017-rehearsal-2026-11-30",
        "atlanta-mayor-runoff-2017-rehearsal-2026-12-02",
    ]
    assert contest_standing(rehearsals()[1]).filing_deadline == datetime.datetime(2026, 12, 4, 17, 0, tzinfo=EASTERN)


def test_the_rehearsal_copy_is_marked_as_one_and_the_race_is_not():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        load_demo()

    (rehearsal,) = rehearsals()
    race = Election.objects.get(slug="atlanta-mayor-runoff-2017")
    assert (rehearsal.election.rehearsal, race.rehearsal) == (True, False)
    record = rehearsal.election.history.first()
    assert (record.rehearsal, record.history_change_reason, record.history_user.username) == (
        True,
        "A rehearsal copy, for practice only",
        "sos",
    )


def test_a_rehearsal_copy_loaded_before_the_mark_is_marked_when_the_demo_is_loaded_again():
    with time_machine.travel(MONDAY_MORNING, tick=False):
        load_demo()
    (rehearsal,) = rehearsals()
    Election.objects.filter(pk=rehearsal.election.pk).update(rehearsal=False)  # as a copy loaded before the mark

    with time_machine.travel(MONDAY_MORNING + datetime.timedelta(hours=1), tick=False):
        load_demo()

    assert [(contest.election.slug, contest.election.rehearsal) for contest in rehearsals()] == [
        ("atlanta-mayor-runoff-2017-rehearsal-2026-11-30", True)
    ]
