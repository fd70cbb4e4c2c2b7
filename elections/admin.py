"""Admin for Secretary of State staff. Returns are read-only here: they change only through an import
(and, later, the recount services); a certification is recorded through `certification_record`."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import HistoricalChanges

from elections.enums import VoteType
from elections.history_words import HistoryInWords
from elections.models import (
    Candidate,
    Certification,
    Contest,
    Election,
    ImportBatch,
    Jurisdiction,
    Result,
)
from elections.services import ElectionsError, candidate_declare, certification_check, certification_record


class ReasonForm(forms.ModelForm):
    """Every change made in the admin says why; the reason is kept in the history row."""

    change_reason = forms.CharField(
        label="Reason for this change",
        max_length=100,
        help_text="Kept in the history with your name (e.g. “Typo in the superintendent’s address”).",
    )


class HistoryInWordsAdmin(SimpleHistoryAdmin):
    """The history page in the words of the pages (`elections.history_words`): when in words, who by
    name, why, and what changed."""

    object_history_list_template = "admin/history_in_words.html"

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: HistoricalChanges
    ) -> HistoryInWords:
        return HistoryInWords(self.model, historical_record)


class AttributedAdmin(HistoryInWordsAdmin):
    """History with a reason for every change, in words, and no revert from the history page.

    simple-history's revert page saves an old version straight back, checking only that the user
    may *view* the object: it would bypass the services, the read-only rules and the reason.
    """

    form = ReasonForm

    def save_model(self, request: HttpRequest, obj, form: forms.ModelForm, change: bool) -> None:
        obj._change_reason = form.cleaned_data["change_reason"].strip()
        super().save_model(request, obj, form, change)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied("Earlier versions are shown, never restored: make the change with a reason.")
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyAdminMixin:
    """Seen, never added, changed or deleted in the admin."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Jurisdiction)
class JurisdictionAdmin(AttributedAdmin):
    list_display = ["__str__", "kind", "state", "fips", "superintendent_office", "contact_email"]
    list_filter = ["kind", "state"]
    search_fields = ["name", "fips", "superintendent_office"]


@admin.register(Election)
class ElectionAdmin(AttributedAdmin):
    list_display = ["name", "date", "kind", "state", "slug", "rehearsal"]
    list_filter = ["kind", "state", "rehearsal"]
    search_fields = ["name", "slug"]
    date_hierarchy = "date"
    prepopulated_fields = {"slug": ["name"]}


class CandidateInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The contest's candidates as they stand; each is edited on its own page, with a reason."""

    model = Candidate
    fields = ["ballot_order", "name", "party", "declared_status", "write_in_aggregate"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(Contest)
class ContestAdmin(AttributedAdmin):
    list_display = ["__str__", "election", "level", "seats", "superintendent_jurisdiction"]
    list_filter = ["level", "election__kind"]
    list_select_related = ["election", "superintendent_jurisdiction"]
    search_fields = ["office", "district", "election__name", "election__slug"]
    autocomplete_fields = ["election", "counties", "superintendent_jurisdiction", "home_county"]
    inlines = [CandidateInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Contest | None = None) -> list[str]:
        return ["election"] if obj is not None else []


class CandidateAdminForm(ReasonForm):
    class Meta:
        model = Candidate
        fields = ["contest", "name", "party", "ballot_order", "declared_status", "write_in_aggregate", "email"]


@admin.register(Candidate)
class CandidateAdmin(AttributedAdmin):
    form = CandidateAdminForm
    list_display = ["name", "contest", "party", "declared_status", "write_in_aggregate"]
    list_filter = ["declared_status", "write_in_aggregate", "contest__election__kind"]
    list_select_related = ["contest__election"]
    search_fields = ["name", "party", "contest__office", "contest__election__name"]
    autocomplete_fields = ["contest"]

    def get_readonly_fields(self, request: HttpRequest, obj: Candidate | None = None) -> list[str]:
        return ["contest", "linked_accounts"] if obj is not None else ["linked_accounts"]

    @admin.display(description="linked accounts")
    def linked_accounts(self, candidate: Candidate) -> str:
        """Linked by the receiving authority from the contest page, at the address of record; never here."""
        return ", ".join(account.get_username() for account in candidate.accounts.order_by("username")) or "—"

    def save_model(self, request: HttpRequest, obj: Candidate, form: CandidateAdminForm, change: bool) -> None:
        if change and "declared_status" in form.changed_data:
            reason = form.cleaned_data["change_reason"].strip()
            candidate_declare(candidate=obj, status=obj.declared_status, by=request.user, reason=reason)
            return
        super().save_model(request, obj, form, change)


class BreakdownFilter(admin.SimpleListFilter):
    title = "vote types"
    parameter_name = "breakdown"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Broken down by type"), ("no", VoteType.UNSPECIFIED.label)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Result]) -> QuerySet[Result]:
        not_broken_down = Q(**{f"{name}__isnull": True for name in Result.TYPE_FIELDS})
        if self.value() == "yes":
            return queryset.exclude(not_broken_down)
        if self.value() == "no":
            return queryset.filter(not_broken_down)
        return queryset


@admin.register(Result)
class ResultAdmin(ReadOnlyAdminMixin, AttributedAdmin):
    list_display = ["candidate", "contest", "county", "precinct", "votes", *Result.TYPE_FIELDS, "import_batch"]
    list_filter = [BreakdownFilter, "candidate__contest__election"]
    list_select_related = ["candidate__contest__election", "county", "import_batch"]
    search_fields = ["candidate__name", "county__name", "precinct", "candidate__contest__office"]
    raw_id_fields = ["candidate", "county", "import_batch"]
    show_full_result_count = False

    @admin.display(ordering="candidate__contest", description="contest")
    def contest(self, result: Result) -> Contest:
        return result.candidate.contest


class CertificationAdminForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["election", "jurisdiction", "certified_at", "note"]
        labels = {"jurisdiction": "County or city"}
        help_texts = {
            "jurisdiction": "The county, or the city that runs its own election; empty for the Secretary of "
            "State's statewide certification."
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        election, certified_at = cleaned.get("election"), cleaned.get("certified_at")
        if election is not None and certified_at is not None:
            try:
                certification_check(
                    election=election, jurisdiction=cleaned.get("jurisdiction"), certified_at=certified_at
                )
            except ElectionsError as error:
                self.add_error("certified_at", str(error))
        return cleaned


@admin.register(Certification)
class CertificationAdmin(AttributedAdmin):
    """Recorded, never changed or deleted: a correction is a recertification (the next version)."""

    form = CertificationAdminForm
    list_display = ["election", "scope", "jurisdiction", "version", "certified_at", "certified_by"]
    list_filter = ["scope", "version"]
    list_select_related = ["election", "jurisdiction", "certified_by"]
    search_fields = ["election__name", "election__slug", "jurisdiction__name"]
    autocomplete_fields = ["election", "jurisdiction"]
    date_hierarchy = "certified_at"

    def get_fields(self, request: HttpRequest, obj: Certification | None = None) -> list[str]:
        if obj is None:
            return ["election", "jurisdiction", "certified_at", "note"]
        return ["election", "scope", "jurisdiction", "version", "certified_at", "certified_by", "note"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Certification, form: CertificationAdminForm, change: bool) -> None:
        """The service numbers the version and writes the history row, with the user as its author."""
        recorded = certification_record(
            election=obj.election,
            jurisdiction=obj.jurisdiction,
            certified_at=obj.certified_at,
            by=request.user,
            note=obj.note,
        )
        # The admin goes on with `obj` (its log entry and redirect): make it the row just recorded.
        obj.pk, obj.scope, obj.version, obj.certified_by = recorded.pk, recorded.scope, recorded.version, request.user
        obj._state.adding, obj._state.db = False, recorded._state.db


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["file_name", "election", "file_format", "row_count", "result_count", "imported_by", "imported_at"]
    list_filter = ["file_format"]
    list_select_related = ["election", "imported_by"]
    search_fields = ["file_name", "sha256", "election__name"]
    date_hierarchy = "imported_at"
