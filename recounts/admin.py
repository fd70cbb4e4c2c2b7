"""Admin for the statute's numbers (rules) and the holiday overrides, both with their history; the
cases and notices, seen but never edited here; inviting a candidate to an account; and resetting an
account's two-factor sign-in."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from elections import admin as elections_admin
from elections.admin import AttributedAdmin, ReadOnlyAdminMixin
from elections.models import Candidate
from recounts.counting import case_finish, recount_direct
from recounts.models import (
    ClosedDay,
    CountyRecount,
    Notice,
    PartyChair,
    RecountRequest,
    RecountRule,
    RecountTally,
    RequestAuthority,
    ScannerTest,
)
from recounts.notices import email_changed, sign_in_changed
from recounts.queries import county_recounts_overdue
from recounts.services import RecountError, candidate_invite
from recounts.two_factor import second_factor_reset
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


class CountyRecountInline(admin.TabularInline):
    model = CountyRecount
    fields = ["county", "status", "ordered_at", "count_place", "count_starts_at", "finish_by", "hand_count",
              "signed_off_at", "official_name"]  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class OverdueFilter(admin.SimpleListFilter):
    """Cases with a county recount not signed off by its `finish_by`."""

    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "A county is overdue")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(county_recounts__in=county_recounts_overdue(timezone.now())).distinct()
        return queryset


class DirectForm(forms.Form):
    window_starts_at = forms.DateTimeField(label="The recount starts")
    finish_by = forms.DateTimeField(label="Every county finishes by")
    ruling = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Required for a late or ineligible request."
    )


@admin.register(RecountRequest)
class RecountRequestAdmin(ReadOnlyAdminMixin, AttributedAdmin):
    """Cases are seen here with their history; they change only through the services (filing,
    withdrawal, and the recount's own steps, which the actions call), never by editing a field."""

    list_display = ["receipt_number", "candidate", "contest", "channel", "filed_at", "eligible", "late", "status"]
    list_filter = [
        "status",
        OverdueFilter,
        ("county_recounts__county", admin.RelatedOnlyFieldListFilter),
        "channel",
        "eligible",
        "late",
        "route",
        "contest__election",
    ]
    list_select_related = ["candidate", "contest__election"]
    search_fields = ["receipt_number", "candidate__name", "contest__office", "signature", "agent_name"]
    date_hierarchy = "filed_at"
    inlines = [RequestAuthorityInline, CountyRecountInline]
    actions = ["direct", "finish"]

    @admin.action(description="Direct the recount in every county (Secretary of State route)")
    def direct(self, request: HttpRequest, queryset: QuerySet[RecountRequest]) -> HttpResponse | None:
        form = DirectForm(request.POST if "window_starts_at" in request.POST else None)
        if form.is_bound and form.is_valid():
            for case in queryset:
                try:
                    recount_direct(request=case, by=request.user, **form.cleaned_data)
                except RecountError as error:
                    self.message_user(request, f"{case.receipt_number}: {error}", messages.ERROR)
                else:
                    self.message_user(request, f"{case.receipt_number}: the recount is directed.", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Direct the recount",
            "opts": self.opts,
            "cases": queryset,
            "form": form,
            "action": "direct",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/recounts/recountrequest/direct.html", context)

    @admin.action(description="Finish the counted cases: confirm, or correct and recertify the returns")
    def finish(self, request: HttpRequest, queryset: QuerySet[RecountRequest]) -> None:
        for case in queryset:
            try:
                finished = case_finish(request=case, by=request.user)
            except RecountError as error:
                self.message_user(request, f"{case.receipt_number}: {error}", messages.ERROR)
            else:
                self.message_user(
                    request, f"{case.receipt_number}: {finished.get_status_display().lower()}.", messages.SUCCESS
                )


@admin.register(CountyRecount)
class CountyRecountAdmin(ReadOnlyAdminMixin, AttributedAdmin):
    list_display = ["request", "county", "status", "ordered_at", "finish_by", "hand_count", "signed_off_at"]
    list_filter = ["status", "hand_count", ("county", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["request", "county"]
    search_fields = ["request__receipt_number", "county__name", "official_name"]


@admin.register(ScannerTest)
class ScannerTestAdmin(ReadOnlyAdminMixin, AttributedAdmin):
    list_display = ["county_recount", "scanner", "machine_marked", "hand_marked", "precincts", "passed", "tested_at"]
    list_filter = ["passed"]
    list_select_related = ["county_recount__request", "county_recount__county"]


@admin.register(RecountTally)
class RecountTallyAdmin(ReadOnlyAdminMixin, AttributedAdmin):
    list_display = ["county_recount", "candidate", "vote_type", "line", "original", "recounted", "reason"]
    list_filter = ["line", "vote_type", "reason"]
    list_select_related = ["county_recount__request", "county_recount__county", "candidate"]
    search_fields = ["candidate__name", "county_recount__request__receipt_number"]


@admin.register(PartyChair)
class PartyChairAdmin(AttributedAdmin):
    list_display = ["party", "chair_name", "email", "state"]
    list_filter = ["state"]
    search_fields = ["party", "chair_name", "email"]
    autocomplete_fields = ["user"]


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


# Two-factor sign-in: which account has which second factor, never its secret (django-otp's own admin
# shows authenticator keys and recovery codes, which would let an administrator sign in as anyone).
# Seen only: a reset goes through the user's page (below), which removes every device at once.
class SecondFactorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "name", "confirmed", "created_at", "last_used_at"]
    list_filter = ["confirmed"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    fields = list_display
    readonly_fields = list_display


for device_model in (TOTPDevice, StaticDevice):
    admin.site.unregister(device_model)
    admin.site.register(device_model, SecondFactorAdmin)


# Accounts. Secretary of State staff keep user accounts (they may add and change them), but nothing
# that would let them make an administrator or take over an account: for anyone but a superuser, an
# account's superuser flag, groups and own permissions are read-only; an account that has signed in
# keeps its email address and password (its holder changes the password; a superuser resets); and an
# account with a permission the editor lacks (an administrator's, say) is view-only. When an account
# joined and last signed in are read-only for everyone. A change of email address is told to the old
# address and the new one.
User = get_user_model()
admin.site.unregister(User)


def _holds_more(account, editor) -> bool:
    """Whether the account is a superuser or holds a permission the editor lacks (whether or not the
    account is active: re-activating it is a change too)."""
    if account.is_superuser:
        return True
    held = Permission.objects.filter(Q(user=account) | Q(group__user=account)).values_list(
        "content_type__app_label", "codename"
    )
    return not {f"{app}.{codename}" for app, codename in held} <= editor.get_all_permissions()


@admin.register(User)
class UserAdmin(auth_admin.UserAdmin):
    actions = ["reset_two_factor"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        # When an account joined and last signed in are facts, not settings (and "has signed in" guards
        # its email and password below).
        fields = [*super().get_readonly_fields(request, obj), "last_login", "date_joined"]
        if not request.user.is_superuser:
            fields += ["is_superuser", "groups", "user_permissions"]
            if obj is not None and obj.last_login is not None:
                fields.append("email")
        return fields

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        if obj is not None and not request.user.is_superuser and _holds_more(obj, request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        """Accounts are made inactive, never deleted: history and the audit trail name who did what."""
        return False

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:
            email_changed(user=obj, old=form.initial.get("email", ""), by=request.user)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        user = self.get_object(request, unquote(id))
        if user is not None and user.last_login is not None and not request.user.is_superuser:
            raise PermissionDenied("Only an administrator may set the password of an account that has signed in.")
        response = super().user_change_password(request, id, form_url)
        # Saved: Django redirects to the account's page (a refused form stays, or comes back to itself).
        if request.method == "POST" and response.status_code == 302 and response.url != request.get_full_path():
            sign_in_changed(user=user, change="Your password was changed by an administrator", by=request.user)
        return response

    def has_reset_two_factor_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    @admin.action(
        description="Reset two-factor sign-in (lost phone and recovery codes)", permissions=["reset_two_factor"]
    )
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet) -> None:
        users = list(queryset.order_by("username"))
        for user in users:
            second_factor_reset(user=user, by=request.user)
        self.message_user(
            request,
            f"Two-factor sign-in reset for {', '.join(user.get_username() for user in users)}: each sets it up "
            "again, through a link emailed to them, at the next sign-in.",
            messages.SUCCESS,
        )
