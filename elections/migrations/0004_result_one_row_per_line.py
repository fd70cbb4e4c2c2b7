"""One Result per line of the returns, with a column per vote type, instead of one per vote type.

A line of an OpenElections file (candidate × county × precinct) is now one row: the lines are
the unit of the certified returns, a line given twice is caught by the unique constraint whatever
its columns, the types are checked to add up to the line's total by the database, and an import
writes a quarter of the rows. The county column loses its own index: results are read by
candidate, then county, which the unique constraint's index serves. Existing rows of one line are merged into one; history rows keep
what they recorded, their vote type becoming the column of that type.
"""

import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.comparison
from django.db import migrations, models

UNSPECIFIED = "unspecified"


def merge_lines(apps, schema_editor):
    Result = apps.get_model("elections", "Result")
    HistoricalResult = apps.get_model("elections", "HistoricalResult")
    lines: dict[tuple, list] = {}
    for result in Result.objects.order_by("pk").iterator():
        lines.setdefault((result.candidate_id, result.county_id, result.precinct), []).append(result)
    for (candidate_id, county_id, precinct), parts in lines.items():
        kept = parts[0]
        types = {part.vote_type for part in parts}
        if UNSPECIFIED in types and len(types) > 1:
            raise RuntimeError(
                f"Result {kept.pk} (candidate {candidate_id}, county {county_id}, precinct {precinct!r}) has "
                "votes both broken down by type and not; correct the returns before migrating."
            )
        figures = {part.vote_type: part.votes for part in parts if part.vote_type != UNSPECIFIED}
        kept.votes = sum(part.votes for part in parts)
        for vote_type, votes in figures.items():
            setattr(kept, vote_type, votes)
        kept.save()
        Result.objects.filter(pk__in=[part.pk for part in parts[1:]]).delete()
    for vote_type in ("election_day", "advance_in_person", "absentee_by_mail", "provisional", "military_overseas"):
        HistoricalResult.objects.filter(vote_type=vote_type).update(**{vote_type: models.F("votes")})
    check_now(schema_editor)


def split_lines(apps, schema_editor):
    Result = apps.get_model("elections", "Result")
    types = ("election_day", "advance_in_person", "absentee_by_mail", "provisional", "military_overseas")
    for result in Result.objects.order_by("pk").iterator():
        given = [(name, getattr(result, name)) for name in types if getattr(result, name) is not None]
        if not given:
            result.vote_type = UNSPECIFIED
            result.save()
            continue
        (first, votes), *others = given
        result.vote_type, result.votes = first, votes
        result.save()
        for name, figure in others:
            Result.objects.create(
                candidate_id=result.candidate_id,
                county_id=result.county_id,
                precinct=result.precinct,
                vote_type=name,
                votes=figure,
                import_batch_id=result.import_batch_id,
            )
    check_now(schema_editor)


def check_now(schema_editor):
    """PostgreSQL: run the foreign-key checks the rows changed have queued, before the table is altered."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0003_secretary_of_state_permissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalresult",
            name="absentee_by_mail",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Absentee by mail"),
        ),
        migrations.AddField(
            model_name="historicalresult",
            name="advance_in_person",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Advance in person"),
        ),
        migrations.AddField(
            model_name="historicalresult",
            name="election_day",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Election day"),
        ),
        migrations.AddField(
            model_name="historicalresult",
            name="military_overseas",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Military and overseas"),
        ),
        migrations.AddField(
            model_name="historicalresult",
            name="provisional",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Provisional"),
        ),
        migrations.AddField(
            model_name="result",
            name="absentee_by_mail",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Absentee by mail"),
        ),
        migrations.AddField(
            model_name="result",
            name="advance_in_person",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Advance in person"),
        ),
        migrations.AddField(
            model_name="result",
            name="election_day",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Election day"),
        ),
        migrations.AddField(
            model_name="result",
            name="military_overseas",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Military and overseas"),
        ),
        migrations.AddField(
            model_name="result",
            name="provisional",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="Provisional"),
        ),
        migrations.AlterField(
            model_name="historicalresult",
            name="votes",
            field=models.PositiveIntegerField(help_text="All the line's votes, whatever their type."),
        ),
        migrations.AlterField(
            model_name="result",
            name="votes",
            field=models.PositiveIntegerField(help_text="All the line's votes, whatever their type."),
        ),
        migrations.AlterField(
            model_name="importbatch",
            name="result_count",
            field=models.PositiveIntegerField(help_text="Result rows written: one per line of votes for a candidate."),
        ),
        migrations.RunPython(merge_lines, split_lines),
        # A default for the column about to go, so that going back can add it to existing rows.
        migrations.AlterField(
            model_name="historicalresult",
            name="vote_type",
            field=models.CharField(default=UNSPECIFIED, max_length=24),
        ),
        migrations.AlterField(
            model_name="result",
            name="vote_type",
            field=models.CharField(default=UNSPECIFIED, max_length=24),
        ),
        migrations.RemoveField(
            model_name="historicalresult",
            name="vote_type",
        ),
        migrations.RemoveConstraint(
            model_name="result",
            name="result_unique_line",
        ),
        migrations.RemoveField(
            model_name="result",
            name="vote_type",
        ),
        migrations.AlterField(
            model_name="result",
            name="county",
            field=models.ForeignKey(
                db_index=False,
                limit_choices_to={"kind": "county"},
                on_delete=django.db.models.deletion.PROTECT,
                related_name="results",
                to="elections.jurisdiction",
            ),
        ),
        migrations.AddConstraint(
            model_name="result",
            constraint=models.UniqueConstraint(fields=("candidate", "county", "precinct"), name="result_unique_line"),
        ),
        migrations.AddConstraint(
            model_name="result",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("absentee_by_mail__isnull", True),
                        ("advance_in_person__isnull", True),
                        ("election_day__isnull", True),
                        ("military_overseas__isnull", True),
                        ("provisional__isnull", True),
                    ),
                    (
                        "votes",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        django.db.models.functions.comparison.Coalesce(models.F("election_day"), 0),
                                        "+",
                                        django.db.models.functions.comparison.Coalesce(
                                            models.F("advance_in_person"), 0
                                        ),
                                    ),
                                    "+",
                                    django.db.models.functions.comparison.Coalesce(models.F("absentee_by_mail"), 0),
                                ),
                                "+",
                                django.db.models.functions.comparison.Coalesce(models.F("provisional"), 0),
                            ),
                            "+",
                            django.db.models.functions.comparison.Coalesce(models.F("military_overseas"), 0),
                        ),
                    ),
                    _connector="OR",
                ),
                name="result_types_add_up",
            ),
        ),
    ]
