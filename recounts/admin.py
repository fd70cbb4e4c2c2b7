"""Admin for the statute's numbers (rules) and the holiday overrides; both keep their history."""

from django.contrib import admin

from elections.admin import AttributedAdmin
from recounts.models import ClosedDay, RecountRule


@admin.register(RecountRule)
class RecountRuleAdmin(AttributedAdmin):
    list_display = [
        "name",
        "state",
        "effective_from",
        "effective_to",
        "threshold_percent",
        "business_days",
        "cutoff_time",
        "time_zone",
    ]
    list_filter = ["state"]
    search_fields = ["name", "source"]


@admin.register(ClosedDay)
class ClosedDayAdmin(AttributedAdmin):
    list_display = ["day", "kind", "name"]
    list_filter = ["kind"]
    search_fields = ["name", "source"]
    date_hierarchy = "day"
