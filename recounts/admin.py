"""Admin for the statute's numbers (rules) and the holiday overrides, both with their history; the
cases and notices, seen but never edited here; and inviting a candidate to an account."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from elections import admin as elections_admin
from elections.admin import AttributedAdmin, ReadOnlyAdminMixin
from elections.models import Candidate
from recounts.models import ClosedDay, Notice, RecountRequest, RecountRule, RequestAuthority
from recounts.services import RecountError, candidate_invite
from recounts.views import set_password_link


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


class InviteForm(forms.Form):
    email = forms.EmailField(label="The candidate's email address")


# The candidate admin lives in `elections`, which knows nothing of recount cases; inviting a
# candidate to an account is a recount matter, so it is added here to the same admin.
admin.site.unregister(Candidate)


@admin.register(Candidate)
class CandidateAdmin(elections_admin.CandidateAdmin):
    change_form_template = "admin/elections/candidate/change_form.html"

    def get_urls(self) -> list:
        invite = path(
            "<path:object_id>/invite/",
            self.admin_site.admin_view(self.invite_view),
            name="elections_candidate_invite",
        )
        return [invite, *super().get_urls()]

    def invite_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Open (or extend) the candidate's account and email a one-time link to set its password."""
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None or not self.has_view_permission(request, candidate):
            raise Http404("No such candidate.")
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                user = candidate_invite(
                    candidate=candidate,
                    email=form.cleaned_data["email"],
                    by=request.user,
                    link_for=lambda user: set_password_link(request, user),
                )
            except RecountError as error:
                form.add_error("email", str(error))
            else:
                self.message_user(
                    request, f"{candidate.name} is invited: a link to set a password went to {user.email}."
                )
                return redirect("admin:elections_candidate_change", candidate.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Invite {candidate.name} to an account",
            "opts": self.opts,
            "original": candidate,
            "form": form,
        }
        return TemplateResponse(request, "admin/elections/candidate/invite.html", context)
