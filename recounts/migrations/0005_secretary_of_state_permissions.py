"""What the Secretary of State's staff may do with the cases in the admin.

They see every case and its parts (authorities, county recounts, scanner tests, worksheet lines,
notices), which change only through the services (the admin's actions call them), and they keep
the party chairs' addresses. As for the returns, nobody in the group may delete.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW_ONLY = ["recountrequest", "requestauthority", "notice", "countyrecount", "scannertest", "recounttally"]
ADD_AND_CHANGE = ["partychair"]


def grant(apps, schema_editor):
    # Permissions are normally created after migrations run; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"view_{model}" for model in VIEW_ONLY + ADD_AND_CHANGE]
    codenames += [f"{action}_{model}" for model in ADD_AND_CHANGE for action in ("add", "change")]
    group, _ = Group.objects.get_or_create(name="Secretary of State")
    group.permissions.add(*Permission.objects.filter(content_type__app_label="recounts", codename__in=codenames))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name="Secretary of State").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="recounts",
                codename__in=[f"{a}_{m}" for m in VIEW_ONLY + ADD_AND_CHANGE for a in ("view", "add", "change")],
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("recounts", "0004_recount_counting"),
        ("elections", "0005_staff_superintendent"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
