import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_one_row_per_vote_type_becomes_one_row_per_line_and_back():
    before, after = ("elections", "0003_secretary_of_state_permissions"), ("elections", "0004_result_one_row_per_line")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    try:
        contest = old.get_model("elections", "Contest").objects.create(
            election=old.get_model("elections", "Election").objects.create(
                name="Old", slug="old", date=datetime.date(2020, 11, 3), kind="general"
            ),
            office="Mayor",
        )
        candidate = old.get_model("elections", "Candidate").objects.create(contest=contest, name="Ada Able")
        fulton = old.get_model("elections", "Jurisdiction").objects.get(name="Fulton", kind="county")
        OldResult = old.get_model("elections", "Result")
        for precinct, vote_type, votes in [
            ("P1", "election_day", 7),
            ("P1", "provisional", 2),
            ("P2", "unspecified", 5),
        ]:
            OldResult.objects.create(
                candidate=candidate, county=fulton, precinct=precinct, vote_type=vote_type, votes=votes
            )

        executor = MigrationExecutor(connection)
        executor.migrate([after])
        new = executor.loader.project_state([after]).apps
        lines = new.get_model("elections", "Result").objects.order_by("precinct")
        assert list(lines.values_list("precinct", "votes", "election_day", "provisional", "absentee_by_mail")) == [
            ("P1", 9, 7, 2, None),
            ("P2", 5, None, None, None),
        ]

        executor = MigrationExecutor(connection)
        executor.migrate([before])
        rows = executor.loader.project_state([before]).apps.get_model("elections", "Result").objects
        assert sorted(rows.values_list("precinct", "vote_type", "votes")) == [
            ("P1", "election_day", 7),
            ("P1", "provisional", 2),
            ("P2", "unspecified", 5),
        ]
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
