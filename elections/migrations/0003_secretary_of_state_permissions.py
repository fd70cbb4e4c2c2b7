"""What the Secretary of State's staff may do in the admin.

They see everything; they keep the recount rules and the closed-day overrides, jurisdictions and
staff memberships, contests (an office's level) and candidates (declared status), record
certifications, and manage user accounts. Nobody in the group may delete: election records are
legal records. Returns and import batches change only through the import and recount services.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ONLY = {"elections": ["result", "importbatch"]}
ADD_AND_CHANGE = {
    "elections": ["jurisdiction", "staffmembership", "election", "contest", "candidate"],
    "recounts": ["recountrule", "closedday"],
    "auth": ["user"],
}
ADD_ONLY = {"elections": ["certification"]}


def grant(apps, schema_editor):
    # Permissions are normally created after migrations run; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    wanted = []
    for table, actions in (
        (VIEW_ONLY, ["view"]),
        (ADD_AND_CHANGE, ["view", "add", "change"]),
        (ADD_ONLY, ["view", "add"]),
    ):
        for app_label, models in table.items():
            wanted += [(app_label, f"{action}_{model}") for model in models for action in actions]
    group, _ = Group.objects.get_or_create(name="Secretary of State")
    for app_label, codename in wanted:
        # `filter`: run again on today's models (the tests' reference data), staff memberships are in accounts.
        group.permissions.add(*Permission.objects.filter(content_type__app_label=app_label, codename=codename))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name="Secretary of State").first().permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0002_georgia_counties"),
        ("recounts", "0002_georgia_rules"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
