"""A line of the returns may hold a part not broken down by type beside types that are.

A recount of returns not broken down by type counts late ballots (provisional ballots accepted after
the count, military and overseas ballots that arrived in time) on their own types: the corrected
line keeps the recounted returns in ``unspecified`` and the late ballots on their types, all adding
up to ``votes`` as before. Existing lines are unchanged (the new column is empty).
"""

import django.db.models.expressions
import django.db.models.functions.comparison
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0009_election_rehearsal_copy"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="result",
            name="result_types_add_up",
        ),
        migrations.AddField(
            model_name="historicalresult",
            name="unspecified",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The part of the line not broken down, when other types are given beside it.",
                null=True,
                verbose_name="Not broken down by type",
            ),
        ),
        migrations.AddField(
            model_name="result",
            name="unspecified",
            field=models.PositiveIntegerField(
                blank=True,
                help_text="The part of the line not broken down, when other types are given beside it.",
                null=True,
                verbose_name="Not broken down by type",
            ),
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
                        ("unspecified__isnull", True),
                    ),
                    (
                        "votes",
                        django.db.models.expressions.CombinedExpression(
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
                            "+",
                            django.db.models.functions.comparison.Coalesce(models.F("unspecified"), 0),
                        ),
                    ),
                    _connector="OR",
                ),
                name="result_types_add_up",
            ),
        ),
    ]
