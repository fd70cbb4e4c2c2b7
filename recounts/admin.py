"""Admin for the statute's numbers (rules) and the holiday overrides, both with their history; and the
cases and notices, seen but never edited here."""

from django.contrib import admin
from django.http import HttpRequest

from elections.admin import AttributedAdmin, ReadOnlyAdminMixin
from recounts.models import ClosedDay, Notice, RecountRequest, RecountRule, RequestAuthority


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


class RequestAuthorityInline(admin.TabularInline):
    model = RequestAuthority
    fields = ["kind", "jurisdiction"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(RecountRequest)
class RecountRequestAdmin(ReadOnlyAdminMixin, AttributedAdmin):
    """Cases are seen here with their history; they change only through the services (filing,
    withdrawal, and the recount's own steps), never by editing a field."""

    list_display = ["receipt_number", "candidate", "contest", "channel", "filed_at", "eligible", "late", "status"]
    list_filter = ["status", "channel", "eligible", "late", "route", "contest__election"]
    list_select_related = ["candidate", "contest__election"]
    search_fields = ["receipt_number", "candidate__name", "contest__office", "signature", "agent_name"]
    date_hierarchy = "filed_at"
    inlines = [RequestAuthorityInline]


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "recipient", "email", "subject", "status", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["recipient"]
    search_fields = ["subject", "email", "recipient__username", "request__receipt_number"]
    date_hierarchy = "created_at"
