"""Staff memberships move here from `elections` (issue 10: accounts hold who works where).

The tables stay as they are in this step (state only); `0002` renames them and replaces the
superintendent flag by a role. The content types move with the models, so the Secretary of State
group's permissions and the admin's log entries follow them.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MODELS = ["staffmembership", "historicalstaffmembership"]


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="elections", model__in=MODELS).update(app_label="accounts")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="accounts", model__in=MODELS).update(app_label="elections")


def grant(apps, schema_editor):
    """The Secretary of State's staff keep staff memberships (view, add, change: granted in elections
    0003 and moved here with the content type; granted again for a database whose permissions were made
    afresh, the tests' reference data), and remove staff (delete: the membership's history keeps it).
    Appointing or removing a superintendent stays an administrator's (recounts.permissions)."""
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Secretary of State").first()
    if group is not None:
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="accounts",
                codename__in=[
                    "view_staffmembership",
                    "add_staffmembership",
                    "change_staffmembership",
                    "delete_staffmembership",
                ],
            )
        )


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("elections", "0005_staff_superintendent"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="StaffMembership",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("title", models.CharField(blank=True, max_length=100)),
                        ("superintendent", models.BooleanField(default=False)),
                        (
                            "jurisdiction",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="memberships",
                                to="elections.jurisdiction",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="memberships",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "elections_staffmembership"},
                ),
                migrations.AddConstraint(
                    model_name="staffmembership",
                    constraint=models.UniqueConstraint(fields=("user", "jurisdiction"), name="membership_unique"),
                ),
                migrations.CreateModel(
                    name="HistoricalStaffMembership",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("title", models.CharField(blank=True, max_length=100)),
                        ("superintendent", models.BooleanField(default=False)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "jurisdiction",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="elections.jurisdiction",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical staff membership",
                        "verbose_name_plural": "historical staff memberships",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "db_table": "elections_historicalstaffmembership",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
        migrations.RunPython(grant, migrations.RunPython.noop),
    ]
