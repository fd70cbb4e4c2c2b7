"""A member of a superintendent's office has a role: staff (enters figures), designee (signs off) or
the superintendent, one per office. The superintendent flag becomes the role; where an office had
more than one flagged, the earliest stays superintendent and the others become designees (they could
sign off before, and still may). The tables take the app's name."""

from django.conf import settings
from django.db import migrations, models

ROLES = [("clerk", "Staff"), ("designee", "Designee"), ("superintendent", "Superintendent")]


def roles_from_flag(apps, schema_editor):
    StaffMembership = apps.get_model("accounts", "StaffMembership")
    seen = set()
    for membership in StaffMembership.objects.filter(superintendent=True).order_by("pk"):
        membership.role = "designee" if membership.jurisdiction_id in seen else "superintendent"
        seen.add(membership.jurisdiction_id)
        membership.save(update_fields=["role"])


def flag_from_roles(apps, schema_editor):
    StaffMembership = apps.get_model("accounts", "StaffMembership")
    StaffMembership.objects.filter(role__in=["superintendent", "designee"]).update(superintendent=True)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalstaffmembership",
            name="role",
            field=models.CharField(choices=ROLES, default="clerk", max_length=16),
        ),
        migrations.AddField(
            model_name="staffmembership",
            name="role",
            field=models.CharField(choices=ROLES, default="clerk", max_length=16),
        ),
        migrations.RunPython(roles_from_flag, flag_from_roles),
        migrations.RemoveField(model_name="historicalstaffmembership", name="superintendent"),
        migrations.RemoveField(model_name="staffmembership", name="superintendent"),
        migrations.AlterField(
            model_name="historicalstaffmembership",
            name="title",
            field=models.CharField(blank=True, help_text="E.g. “Elections director”, “Chief clerk”.", max_length=100),
        ),
        migrations.AlterField(
            model_name="staffmembership",
            name="title",
            field=models.CharField(blank=True, help_text="E.g. “Elections director”, “Chief clerk”.", max_length=100),
        ),
        migrations.AddConstraint(
            model_name="staffmembership",
            constraint=models.UniqueConstraint(
                condition=models.Q(("role", "superintendent")),
                fields=("jurisdiction",),
                name="membership_one_superintendent",
                violation_error_message="This office already has a superintendent.",
            ),
        ),
        migrations.AlterModelTable(name="historicalstaffmembership", table=None),
        migrations.AlterModelTable(name="staffmembership", table=None),
    ]
