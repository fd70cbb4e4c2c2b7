"""Staff memberships now belong to `accounts` (its 0001 takes over the tables): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("elections", "0005_staff_superintendent"),
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalStaffMembership"),
                migrations.DeleteModel(name="StaffMembership"),
            ],
            database_operations=[],
        ),
    ]
