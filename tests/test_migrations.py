import importlib
import json
import os
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from recounts.enums import RequestStatus
from tests.factories import ATLANTA_CERTIFIED_AT, build_atlanta_runoff, file_online
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
    unfinished = file_online(contest.candidates.get(name="Keisha Lance Bottoms"), ATLANTA_CERTIFIED_AT.replace(day=12))

    importlib.import_module("recounts.migrations.0008_recount_finish_declarations").record_finished(apps, None)

    request.refresh_from_db()
    unfinished.refresh_from_db()
    assert request.finish_declarations == {
        "in_force": [["Keisha Lance Bottoms", "elected"]],
        "returns_before": [["Keisha Lance Bottoms", "elected"]],
        "returns_after": [["Keisha Lance Bottoms", "elected"]],
    }
    assert unfinished.finish_declarations == {}
