"""The recount desk in the admin, for the Secretary of State's staff and administrators: the statute's
numbers (rules) and the holiday overrides, with their history; the cases and their parts, seen but
never edited here (the actions call the services); the imports of returns, seen by those who may
import; party chairs; staff memberships, where only an administrator appoints a superintendent;
certifications; and linking an account to a candidate.

What each person may do is `recounts.permissions`: the admin offers what a rule allows, and the
services it calls check the rule again.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.enums import StaffRole
from accounts.models import StaffMembership
from accounts.services import StaffError, office_member_check
from elections import admin as elections_admin
from elections.admin import AttributedAdmin, ReadOnlyAdminMixin, ReasonForm
from elections.models import Candidate, Certification, Contest
from recounts import notices, permissions
from recounts.models import (
    ClosedDay,
    CountyRecount,
    ImportJob,
    Notice,
    PartyChair,
    RecountRequest,
    RecountRule,
    RecountTally,
    RequestAuthority,
    ScannerTest,
)
from recounts.permissions import Returns
from recounts.queries import county_recounts_overdue
from recounts.services.candidates import candidate_link
from recounts.services.cases import RecountError
from recounts.services.certifications import returns_certify
from recounts.services.decisions import recount_direct
from recounts.services.offices import membership_change, membership_remove, rule_for
from recounts.services.outcomes import case_finish
from recounts.views.candidates import set_password_link


class RulesAdmin(AttributedAdmin):
    """The statute's numbers and the calendar's corrections: kept by whom `manage_rules` allows."""

    def _keeps(self, request: HttpRequest) -> bool:
        return bool(permissions.decide(request.user, "manage_rules", None))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._keeps(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._keeps(request) and super().has_change_permission(request, obj)


@admin.register(RecountRule)
class RecountRuleAdmin(RulesAdmin):
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
class ClosedDayAdmin(RulesAdmin):
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
    # The letter is served by the case's own page, which checks who asks and its SHA-256.
    exclude = ["letter"]
    readonly_fields = ["letter_link"]

    @admin.display(description="signed letter or scan")
    def letter_link(self, request: RecountRequest) -> str:
        if not request.letter:
            return "—"
        return format_html(
            '<a href="{}">{}</a> (SHA-256 {})',
            reverse("recounts:letter", args=[request.pk]),
            request.letter_name,
            request.letter_sha256,
        )

    def has_statewide_permission(self, request: HttpRequest) -> bool:
        """The actions are the Secretary of State's (each case is then asked its own rule by the service)."""
        return bool(permissions.decide(request.user, "statewide_pages", None))

    @admin.action(
        description="Direct the recount in every county (Secretary of State route)", permissions=["statewide"]
    )
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

    @admin.action(
        description="Close the counted cases: recertify the statewide returns (Secretary of State route)",
        permissions=["statewide"],
    )
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


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdminMixin, AttributedAdmin):
    """Returns imported in the browser, seen by whom `returns_import` allows (the Secretary of State's
    staff and administrators); a job moves only through its page and its tasks. The report and the
    upload are read on the job's page."""

    list_display = ["created_at", "started_by", "file", "for_election", "status"]
    list_filter = ["status"]
    list_select_related = ["started_by"]
    search_fields = ["upload_name", "upload_sha256", "election_name", "started_by__username"]
    exclude = ["upload", "report"]
    readonly_fields = ["job_page"]

    def has_view_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        return bool(permissions.decide(request.user, "returns_import", None))

    @admin.display(description="file", ordering="upload_name")
    def file(self, job: ImportJob) -> str:
        return job.upload_name

    @admin.display(description="election", ordering="election_name")
    def for_election(self, job: ImportJob) -> str:
        return job.election_name

    @admin.display(description="the import's page")
    def job_page(self, job: ImportJob) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("recounts:returns_import_job", args=[job.pk]), job.upload_name
        )


class LinkForm(forms.Form):
    email = forms.EmailField(
        label="The candidate's address of record",
        required=False,
        help_text="Needed only while the candidate has none on record: it becomes the address of record.",
    )


# The candidate admin lives in `elections`, which knows nothing of recount cases; linking an account to
# a candidate is a recount matter, so it is added here to the same admin.
admin.site.unregister(Candidate)


@admin.register(Candidate)
class CandidateAdmin(elections_admin.CandidateAdmin):
    change_form_template = "admin/elections/candidate/change_form.html"

    def get_urls(self) -> list:
        link = path(
            "<path:object_id>/link/",
            self.admin_site.admin_view(self.link_view),
            name="elections_candidate_link",
        )
        return [link, *super().get_urls()]

    def has_change_permission(self, request: HttpRequest, obj: Candidate | None = None) -> bool:
        if obj is not None and not permissions.decide(request.user, "change_candidate", obj):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Candidate, form, change: bool) -> None:
        """A change of the address of record is told to the candidate's accounts and to the old address."""
        super().save_model(request, obj, form, change)
        if change and "email" in form.changed_data:
            notices.address_of_record_changed(candidate=obj, old=form.initial.get("email", ""), by=request.user)

    def render_change_form(self, request: HttpRequest, context: dict, *args, obj=None, **kwargs) -> HttpResponse:
        context["may_link"] = obj is not None and permissions.decide(request.user, "link", obj)
        return super().render_change_form(request, context, *args, obj=obj, **kwargs)

    def link_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Link an account at the candidate's address of record; it gets a one-time link to set a password."""
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None or not self.has_view_permission(request, candidate):
            raise Http404("No such candidate.")
        decision = permissions.decide(request.user, "link", candidate)
        if not decision:
            raise PermissionDenied(decision.reason)
        form = LinkForm(request.POST or None, initial={"email": candidate.email})
        if request.method == "POST" and form.is_valid():
            try:
                user = candidate_link(
                    candidate=candidate,
                    by=request.user,
                    email=form.cleaned_data["email"],
                    link_for=lambda user: set_password_link(request, user),
                )
            except RecountError as error:
                form.add_error("email", str(error))
            else:
                self.message_user(
                    request,
                    f"{user.username} is linked to {candidate.name}: a link to set a password went to {user.email}.",
                )
                return redirect("admin:elections_candidate_change", candidate.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Link an account to {candidate.name}",
            "opts": self.opts,
            "original": candidate,
            "form": form,
        }
        return TemplateResponse(request, "admin/elections/candidate/link.html", context)


# Contests: once a request is filed, what decides where it goes and which counties count (the level,
# the counties, the home county, a city's own superintendent) no longer changes here: a case stays
# addressed to whom it was filed with.
admin.site.unregister(Contest)


@admin.register(Contest)
class ContestAdmin(elections_admin.ContestAdmin):
    ROUTING = ["level", "counties", "home_county", "superintendent_jurisdiction"]

    def get_readonly_fields(self, request: HttpRequest, obj: Contest | None = None) -> list[str]:
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.recount_requests.exists():
            fields = [*fields, *self.ROUTING]
        return fields


# Certifications: recorded through the rules (`certify`): the statewide returns by the Secretary of
# State's staff; a county's by its superintendent, who does it on the election's page.
admin.site.unregister(Certification)


class CertificationAdminForm(elections_admin.CertificationAdminForm):
    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self) -> dict:
        cleaned = super().clean()
        election = cleaned.get("election")
        if election is not None and self.user is not None:
            decision = permissions.decide(self.user, "certify", Returns(election, cleaned.get("jurisdiction")))
            if not decision:
                self.add_error("jurisdiction", decision.reason)
        return cleaned


@admin.register(Certification)
class CertificationAdmin(elections_admin.CertificationAdmin):
    """Only the statewide certification is recorded here (a county's is its superintendent's, on the
    election's page): added by the Secretary of State's staff."""

    form = CertificationAdminForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        statewide = permissions.decide(request.user, "statewide_pages", None)
        return bool(statewide) and super().has_add_permission(request)

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner) -> None:
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def save_model(self, request: HttpRequest, obj: Certification, form, change: bool) -> None:
        try:
            recorded = returns_certify(
                returns=Returns(obj.election, obj.jurisdiction),
                by=request.user,
                certified_at=obj.certified_at,
                note=obj.note,
            )
        except RecountError as error:
            raise ValidationError(str(error)) from None
        obj.pk, obj.scope, obj.version, obj.certified_by = recorded.pk, recorded.scope, recorded.version, request.user
        obj._state.adding, obj._state.db = False, recorded._state.db


# Staff memberships. An administrator appoints a superintendent (the office's earlier one becomes a
# designee); the Secretary of State's staff or an administrator add staff; designees are named by the
# superintendent on their office's page, never here. Every change is told to the office's superintendent.
class StaffMembershipForm(ReasonForm):
    """The roles offered are those the rules let the user set here: staff for the Secretary of State's
    staff, and the superintendent too for an administrator. Designees are named on the office's page."""

    class Meta:
        model = StaffMembership
        fields = ["user", "jurisdiction", "title", "role"]

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.before = StaffRole(self.instance.role) if self.instance.pk else None
        offered = {StaffRole.CLERK} if permissions.decide(user, "manage_staff", None) else set()
        if permissions.decide(user, "appoint_superintendent", None):
            offered.add(StaffRole.SUPERINTENDENT)
        if self.before is not None:
            offered.add(self.before)
        self.fields["role"].choices = [(role.value, role.label) for role in StaffRole if role in offered]

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("user") is not None:
            try:
                office_member_check(cleaned["user"])
            except StaffError as error:
                self.add_error("user", str(error))
        jurisdiction, role = cleaned.get("jurisdiction") or self.instance_jurisdiction(), cleaned.get("role")
        if jurisdiction is None or role is None:
            return cleaned
        rule = rule_for(before=self.before, after=StaffRole(role))
        target = self.instance if rule == "name_designee" else jurisdiction
        decision = permissions.decide(self.user, rule, target)
        if not decision:
            self.add_error("role", decision.reason)
        return cleaned

    def instance_jurisdiction(self):
        return self.instance.jurisdiction if self.instance.jurisdiction_id else None

    def validate_constraints(self) -> None:
        """Every constraint but one superintendent per office: an appointment replaces the office's
        superintendent (`membership_save`), it is not refused."""
        exclude = self._get_validation_exclusions()
        for constraint in StaffMembership._meta.constraints:
            if constraint.name == "membership_one_superintendent":
                continue
            try:
                constraint.validate(StaffMembership, self.instance, exclude=exclude)
            except ValidationError as error:
                self._update_errors(error)


@admin.register(StaffMembership)
class StaffMembershipAdmin(AttributedAdmin):
    form = StaffMembershipForm
    list_display = ["user", "jurisdiction", "role", "title"]
    list_filter = ["role", "jurisdiction__kind"]
    list_select_related = ["user", "jurisdiction"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "user__email", "jurisdiction__name"]
    autocomplete_fields = ["user", "jurisdiction"]

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class WithUser(form):
            def __init__(self, *args, **inner) -> None:
                super().__init__(*args, user=request.user, **inner)

        return WithUser

    def get_readonly_fields(self, request: HttpRequest, obj: StaffMembership | None = None) -> list[str]:
        return ["user", "jurisdiction"] if obj is not None else []

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(permissions.decide(request.user, "manage_staff", None)) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: StaffMembership | None = None) -> bool:
        if obj is not None and not self._manages(request, obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: StaffMembership | None = None) -> bool:
        if obj is not None and not self._manages(request, obj):
            return False
        return super().has_delete_permission(request, obj)

    @staticmethod
    def _manages(request: HttpRequest, membership: StaffMembership) -> bool:
        action = "appoint_superintendent" if membership.role == StaffRole.SUPERINTENDENT else "manage_staff"
        return bool(permissions.decide(request.user, action, membership.jurisdiction))

    def save_model(self, request: HttpRequest, obj: StaffMembership, form: StaffMembershipForm, change: bool) -> None:
        membership_change(
            membership=obj, by=request.user, reason=form.cleaned_data["change_reason"], before=form.before
        )

    def delete_model(self, request: HttpRequest, obj: StaffMembership) -> None:
        membership_remove(membership=obj, by=request.user, reason=f"Removed in the admin by {request.user}")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[StaffMembership]) -> None:
        for membership in queryset:
            self.delete_model(request, membership)
