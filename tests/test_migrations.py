import importlib
import json
import os
from io import StringIO

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from recounts.enums import RequestChannel, RequestStatus
from recounts.services.requests import Signature, letter_check, request_record_received
from tests.factories import (
    ATLANTA_CERTIFIED_AT,
    build_atlanta_runoff,
    file_online,
    make_pdf_bytes,
    make_superintendent_staff,
)
from tests.scratch import FreshDatabase, manage


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


BEFORE, AFTER = "0003_secretary_of_state_permissions", "0004_result_one_row_per_line"

# Run by `manage.py shell` in the scratch database, with the models as they stood at a migration.
STATE = """
import json
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
apps = MigrationExecutor(connection).loader.project_state([("elections", "{migration}")]).apps
"""
OLD_ROWS = (
    STATE
    + """
Election, Contest = apps.get_model("elections", "Election"), apps.get_model("elections", "Contest")
election = Election.objects.create(name="Old", slug="old", date="2020-11-03", kind="general")
contest = Contest.objects.create(election=election, office="Mayor")
candidate = apps.get_model("elections", "Candidate").objects.create(contest=contest, name="Ada Able")
fulton = apps.get_model("elections", "Jurisdiction").objects.get(name="Fulton", kind="county")
for precinct, vote_type, votes in [("P1", "election_day", 7), ("P1", "provisional", 2), ("P2", "unspecified", 5)]:
    apps.get_model("elections", "Result").objects.create(
        candidate=candidate, county=fulton, precinct=precinct, vote_type=vote_type, votes=votes
    )
"""
)
READ = (
    STATE
    + """
rows = apps.get_model("elections", "Result").objects.order_by("precinct", "pk").values_list({fields})
print(json.dumps([list(row) for row in rows]))
"""
)


def test_one_row_per_vote_type_becomes_one_row_per_line_and_back():
    """In a scratch database of its own: migrations back and forth cannot run in the test database."""
    with FreshDatabase(os.environ.get("DATABASE_URL"), migrate_to=("elections", BEFORE)) as url:
        manage(url, "shell", "-v0", "-c", OLD_ROWS.format(migration=BEFORE))

        manage(url, "migrate", "-v0", "elections", AFTER)
        wide = '"precinct", "votes", "election_day", "provisional", "absentee_by_mail"'
        assert json.loads(manage(url, "shell", "-v0", "-c", READ.format(migration=AFTER, fields=wide))) == [
            ["P1", 9, 7, 2, None],
            ["P2", 5, None, None, None],
        ]

        manage(url, "migrate", "-v0", "elections", BEFORE)
        long = '"precinct", "vote_type", "votes"'
        assert sorted(json.loads(manage(url, "shell", "-v0", "-c", READ.format(migration=BEFORE, fields=long)))) == [
            ["P1", "election_day", 7],
            ["P1", "provisional", 2],
            ["P2", "unspecified", 5],
        ]


@pytest.mark.django_db
def test_cases_finished_before_the_declarations_were_kept_get_their_record(time_machine):
    """recounts/0008 fills the record of declarations for cases finished before it: the declarations in
    force as the returns declared them, and those of the filing snapshot before."""
    time_machine.move_to(ATLANTA_CERTIFIED_AT, tick=False)
    contest = build_atlanta_runoff()
    norwood = contest.candidates.get(name="Mary Norwood")
    request = file_online(norwood, ATLANTA_CERTIFIED_AT.replace(day=12))
    request.status = RequestStatus.RECERTIFIED
    request.save()
    unfinished = request_record_received(
        candidate=contest.candidates.get(name="Keisha Lance Bottoms"),
        by=make_superintendent_staff(username="fulton-clerk", county_name="Fulton"),
        channel=RequestChannel.PAPER,
        received_at=ATLANTA_CERTIFIED_AT.replace(day=12),
        signature=Signature(name="Keisha Lance Bottoms"),
        scan=letter_check(SimpleUploadedFile("scan.pdf", make_pdf_bytes(), content_type="application/pdf")),
        now=ATLANTA_CERTIFIED_AT.replace(day=12),
    )

    importlib.import_module("recounts.migrations.0008_recount_finish_declarations").record_finished(apps, None)

    request.refresh_from_db()
    unfinished.refresh_from_db()
    assert request.finish_declarations == {
        "in_force": [["Keisha Lance Bottoms", "elected"]],
        "returns_before": [["Keisha Lance Bottoms", "elected"]],
        "returns_after": [["Keisha Lance Bottoms", "elected"]],
    }
    assert unfinished.finish_declarations == {}


MEMBERSHIPS_BEFORE = (
    STATE
    + """
User = apps.get_model("auth", "User")
Membership = apps.get_model("elections", "StaffMembership")
county = lambda name: apps.get_model("elections", "Jurisdiction").objects.get(name=name, kind="county")
for username, place, flag in [("fran", "Fulton", True), ("fay", "Fulton", True), ("cal", "DeKalb", False)]:
    user = User.objects.create(username=username)
    Membership.objects.create(user=user, jurisdiction=county(place), superintendent=flag)
"""
)
ROLES_AFTER = """
import json
from accounts.models import StaffMembership
from django.contrib.auth.models import Group
rows = StaffMembership.objects.order_by("user__username").values_list("user__username", "jurisdiction__name", "role")
held = Group.objects.get(name="Secretary of State").permissions.filter(codename__endswith="staffmembership")
print(json.dumps({
    "rows": [list(row) for row in rows],
    "table": StaffMembership._meta.db_table,
    "sos": sorted(held.values_list("content_type__app_label", "codename")),
}))
"""


def test_staff_memberships_move_to_accounts_and_the_superintendent_flag_becomes_a_role():
    """elections/0006 and accounts/0001–0002, in a scratch database: one superintendent per office (the
    earliest flagged; a later one becomes a designee), staff otherwise; the Secretary of State group keeps
    its permissions on the moved model; and back again."""
    with FreshDatabase(os.environ.get("DATABASE_URL"), migrate_to=("elections", "0005_staff_superintendent")) as url:
        manage(url, "migrate", "-v0", "recounts", "0005_secretary_of_state_permissions")
        manage(url, "shell", "-v0", "-c", MEMBERSHIPS_BEFORE.format(migration="0005_staff_superintendent"))

        manage(url, "migrate", "-v0")

        assert json.loads(manage(url, "shell", "-v0", "-c", ROLES_AFTER)) == {
            "rows": [["cal", "DeKalb", "clerk"], ["fay", "Fulton", "designee"], ["fran", "Fulton", "superintendent"]],
            "table": "accounts_staffmembership",
            "sos": [
                ["accounts", "add_staffmembership"],
                ["accounts", "change_staffmembership"],
                ["accounts", "delete_staffmembership"],
                ["accounts", "view_staffmembership"],
            ],
        }
        manage(url, "migrate", "-v0", "accounts", "zero")
        flags = STATE + (
            'print(json.dumps(sorted(apps.get_model("elections", "StaffMembership").objects'
            '.values_list("user__username", "superintendent"))))'
        )
        assert json.loads(manage(url, "shell", "-v0", "-c", flags.format(migration="0005_staff_superintendent"))) == [
            ["cal", False],
            ["fay", True],
            ["fran", True],
        ]
