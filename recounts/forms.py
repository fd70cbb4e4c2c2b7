"""Forms of the recount pages: parse and validate, return domain values; the services decide."""

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify

from elections.enums import ElectionKind
from elections.importers.returns import ElectionDetails
from elections.models import Candidate, Election
from recounts.enums import (
    CountyRecountStatus,
    DenialReason,
    DiscrepancyReason,
    ImportLevel,
    RequestChannel,
    Signatory,
    TallyLine,
)
from recounts.models import CountyRecount, RecountTally, ScannerTest
from recounts.permissions import Returns
from recounts.services.cases import RecountError
from recounts.services.imports import Upload, upload_check
from recounts.services.requests import Letter, Signature, letter_check
from recounts.services.worksheets import DRAFT_INPUTS, LateBallots, TallyEntry

#: The largest figure the database's integer columns hold (a larger one is refused, not a 500).
MAX_FIGURE = 2_147_483_647

ATTESTATION = (
    "I am the candidate, or the candidate's authorised agent named above, and this is my written request for a recount"
)
#: Georgia's offices keep Eastern time: a time typed on a form (a paper request received, a count's
#: start, a recount's deadline) is read on it, whatever the current time zone.
OFFICE_TIME_ZONE = ZoneInfo("America/New_York")


def _letter_limit() -> str:
    """The largest letter or scan the desk takes, in words ("10 MB")."""
    return f"{settings.LETTER_MAX_BYTES // 1_048_576} MB"


def _checked_pdf(upload: UploadedFile | None, *, what: str) -> Letter | None:
    if not upload:
        return None
    try:
        return letter_check(upload, what=what)
    except RecountError as error:
        raise ValidationError(str(error)) from None


class _SignedForm(forms.Form):
    """The typed signature and who signs, shared by online filing and staff entry."""

    statement = forms.CharField(
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional: what the request says in your own words.",
    )
    signature = forms.CharField(max_length=200, label="Signature", help_text="The full legal name, typed.")
    signatory = forms.ChoiceField(choices=Signatory.choices, initial=Signatory.CANDIDATE, label="Signed by")
    agent_name = forms.CharField(
        max_length=200, required=False, label="Authorised agent", help_text="When an agent signs: the agent's name."
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("signatory") == Signatory.AGENT and not cleaned.get("agent_name", "").strip():
            self.add_error("agent_name", "Name the authorised agent who signs for the candidate.")
        return cleaned

    def signed(self) -> Signature:
        """The signature as the services take it (after `is_valid()`)."""
        return Signature(
            name=self.cleaned_data["signature"],
            signatory=Signatory(self.cleaned_data["signatory"]),
            agent_name=self.cleaned_data["agent_name"],
        )


class RequestFileForm(_SignedForm):
    """The candidate's written request, filed online."""

    attestation = forms.BooleanField(
        label=ATTESTATION,
        error_messages={"required": "Tick the box to confirm that this is your written request for a recount."},
    )
    letter = forms.FileField(
        required=False,
        label="Signed letter (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signature"].error_messages["required"] = "Type the full legal name as the signature."
        self.fields["letter"].help_text = f"Optional: a signed letter, PDF only, at most {_letter_limit()}."
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}  # the server's error summary, not the browser's bubbles
        self.helper.add_input(Submit("file", "File the written request"))

    def clean_letter(self) -> Letter | None:
        return _checked_pdf(self.cleaned_data.get("letter"), what="The signed letter")


class EasternDateTimeField(forms.DateTimeField):
    """A `datetime-local` input read on Eastern time, whatever the current time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

    def to_python(self, value: object) -> datetime.datetime | None:
        with timezone.override(OFFICE_TIME_ZONE):
            return super().to_python(value)


class RequestRecordForm(_SignedForm):
    """Staff record a written request received on paper or by email."""

    candidate = forms.ModelChoiceField(queryset=Candidate.objects.none())
    channel = forms.ChoiceField(
        choices=[(RequestChannel.PAPER, "Paper"), (RequestChannel.EMAIL, "Email")], label="Received"
    )
    received_at = EasternDateTimeField(label="Received at", help_text="Eastern time.")
    scan = forms.FileField(
        label="Scan of the request (PDF)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    field_order = ["candidate", "channel", "received_at", "scan", "statement", "signature", "signatory", "agent_name"]

    def __init__(self, *args, candidates: QuerySet[Candidate], now: datetime.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["scan"].help_text = f"PDF only, at most {_letter_limit()}."
        self.fields["candidate"].queryset = candidates
        self.fields["candidate"].label_from_instance = lambda candidate: (
            f"{candidate.name} — {candidate.contest} ({candidate.contest.election.name})"
        )
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}  # the server's error summary, not the browser's bubbles
        self.helper.add_input(Submit("record", "Record the request"))

    def clean_received_at(self) -> datetime.datetime:
        received_at = self.cleaned_data["received_at"]
        if received_at > self.now:
            raise ValidationError("The request cannot have been received in the future.")
        return received_at

    def clean_scan(self) -> Letter | None:
        return _checked_pdf(self.cleaned_data.get("scan"), what="The scan")


WITHDRAWAL_ATTESTATION = (
    "I am the candidate, or the candidate's authorised agent named above, and I withdraw this written request"
)


class WithdrawForm(_SignedForm):
    """The withdrawal, in writing as the request was: a typed signature and the attestation."""

    statement = None
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional: why the request is withdrawn.",
    )
    attestation = forms.BooleanField(label=WITHDRAWAL_ATTESTATION)

    field_order = ["reason", "signature", "signatory", "agent_name", "attestation"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, prefix="withdraw", **kwargs)


class LinkForm(forms.Form):
    """Link an account to a candidate at the address of record (one small form per candidate on the
    contest page). While the candidate has no address of record, the address given becomes it."""

    email = forms.EmailField(label="Address of record", required=False)

    def __init__(self, *args, candidate: Candidate, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.candidate = candidate
        if candidate.email:
            self.fields["email"].initial = candidate.email
            self.fields["email"].disabled = True
            self.fields["email"].help_text = "On record: accounts are linked only at this address."
        else:
            self.fields["email"].required = True
            self.fields["email"].help_text = "None on record yet: the address given becomes the address of record."

    def clean_email(self) -> str:
        return self.cleaned_data["email"] or ""


class ContestFilterForm(forms.Form):
    """`?contest=` on the page that records a paper request: one contest's candidates only."""

    contest = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class CertifyForm(forms.Form):
    """Certify an election's returns: the scope (a county, a city, statewide), when, and a note."""

    scope = forms.TypedChoiceField(label="Returns of")
    certified_at = EasternDateTimeField(label="Certified at", help_text="Eastern time; not in the future.")
    note = forms.CharField(required=False, max_length=1_000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, scopes: list[Returns], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scopes = {self._key(scope): scope for scope in scopes}
        self.fields["scope"].choices = [(key, self._label(scope)) for key, scope in self.scopes.items()]
        self.fields["scope"].coerce = self.scopes.__getitem__

    @staticmethod
    def _key(scope: Returns) -> str:
        return str(scope.jurisdiction.pk) if scope.jurisdiction else "statewide"

    @staticmethod
    def _label(scope: Returns) -> str:
        return str(scope.jurisdiction) if scope.jurisdiction else "Statewide (the Secretary of State)"


# The decision: order (superintendent), direct (Secretary of State) or deny.


def _ruling_field(help_text: str) -> forms.CharField:
    return forms.CharField(
        required=False, max_length=10_000, widget=forms.Textarea(attrs={"rows": 3}), help_text=help_text
    )


class _GrantForm(forms.Form):
    """A grant, with the authority's ruling. `ruling_needed` says why the request needs one to be
    granted (“late”, “not eligible on the certified returns”), if it does: the service requires it then."""

    ruling = _ruling_field("Optional: why the request is granted.")

    def __init__(self, *args, ruling_needed: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ruling_needed = ruling_needed
        if ruling_needed:
            self.fields[
                "ruling"
            ].help_text = f"Required: the request is {ruling_needed}. Write the ruling that grants it nevertheless."

    def clean_ruling(self) -> str:
        """Asked here as the service asks it (`decisions._needs_ruling`), so the page says so before the
        person is asked to check their answers."""
        ruling = self.cleaned_data["ruling"].strip()
        if self.ruling_needed and not ruling:
            raise ValidationError(
                f"The request is {self.ruling_needed}: write the ruling that grants it nevertheless, or deny it."
            )
        return ruling


class RecountOrderForm(_GrantForm):
    """The superintendent orders the recount in their county: where and when the count is, and by
    when it is done."""

    count_place = forms.CharField(
        max_length=300, label="Place of the count", help_text="The notice to the candidates and parties gives it."
    )
    count_starts_at = EasternDateTimeField(label="The count starts at", help_text="Eastern time.")
    finish_by = EasternDateTimeField(required=False, label="Finish by", help_text="Optional. Eastern time.")

    field_order = ["count_place", "count_starts_at", "finish_by", "ruling"]

    def clean(self) -> dict:
        cleaned = super().clean()
        starts, finish = cleaned.get("count_starts_at"), cleaned.get("finish_by")
        if starts and finish and finish <= starts:
            self.add_error("finish_by", "The recount must finish after the count starts.")
        return cleaned


class RecountDirectForm(_GrantForm):
    """The Secretary of State directs the recount in every county where the office was voted."""

    window_starts_at = EasternDateTimeField(label="The counties' recounts start at", help_text="Eastern time.")
    finish_by = EasternDateTimeField(label="Every county finishes by", help_text="Eastern time.")

    field_order = ["window_starts_at", "finish_by", "ruling"]


class RequestDenyForm(forms.Form):
    """A denial and its statutory reason: none is chosen for the authority, who must choose one."""

    reason = forms.ChoiceField(
        choices=DenialReason.choices,
        widget=forms.RadioSelect,
        label="Statutory reason",
        error_messages={"required": "Choose the statutory reason the request is denied for."},
    )
    ruling = _ruling_field("The authority's ruling. Required when the request is denied as late.")

    def clean_reason(self) -> DenialReason:
        return DenialReason(self.cleaned_data["reason"])

    def clean(self) -> dict:
        """A request denied as late is denied by the authority's ruling (`decisions.request_deny`)."""
        cleaned = super().clean()
        if cleaned.get("reason") == DenialReason.LATE and not cleaned.get("ruling", "").strip():
            self.add_error("ruling", "Write the ruling: a request denied as late is denied by the authority's ruling.")
        return cleaned


# The county worksheet.


class _VersionedForm(forms.Form):
    """A form of the worksheet: it carries the version of the worksheet it was read from, so that a
    save made on an older one is refused."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_FIGURE)


def _count_field(label: str, what: str, *, help_text: str = "", max_value: int = MAX_FIGURE) -> forms.IntegerField:
    """A count typed on a form of the worksheet, with messages that say which count is wrong."""
    return forms.IntegerField(
        min_value=0,
        max_value=max_value,
        label=label,
        help_text=help_text,
        error_messages={
            "required": f"Enter {what}.",
            "invalid": f"Enter {what} as a whole number, like 75.",
            "min_value": f"Enter {what} as 0 or more.",
            "max_value": f"Enter {what} as a smaller number: at most {max_value:,}.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class ScannerTestForm(_VersionedForm):
    """A scanner's test deck (State Election Board Rule 183-1-15-.03)."""

    scanner = forms.CharField(
        max_length=100,
        help_text="Its serial number or label.",
        error_messages={"required": "Enter the scanner's serial number or label."},
    )
    machine_marked = _count_field(
        "Machine-marked ballots", "the number of machine-marked ballots in the deck", help_text="At least 75."
    )
    hand_marked = _count_field(
        "Hand-marked ballots", "the number of hand-marked ballots in the deck", help_text="At least 25."
    )
    precincts = _count_field(
        "Precincts", "the number of precincts the deck comes from", help_text="At least 3.", max_value=32_767
    )
    hand_count = _count_field("Hand count", "the deck's hand count", help_text="The deck counted by hand.")
    machine_count = _count_field(
        "Machine count", "the deck's machine count", help_text="The deck as the scanner counted it."
    )

    def deck(self) -> dict[str, object]:
        """The scanner and its deck as the services take them (after `is_valid()`)."""
        return {name: self.cleaned_data[name] for name in ScannerTestForm.base_fields if name != "version"}


class ScannerTestCorrectionForm(ScannerTestForm):
    """A scanner test's figures as they should have been typed, and why they are corrected."""

    reason = forms.CharField(
        max_length=1_000,
        label="Why is the test corrected?",
        help_text="For example: the machine count was mistyped. The test's earlier figures stay in its history.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Say why the scanner test is corrected."},
    )

    def __init__(self, *args, scanner_test: ScannerTest, **kwargs) -> None:
        initial = {name: getattr(scanner_test, name) for name in ScannerTestForm.base_fields if name != "version"}
        super().__init__(*args, initial=initial | kwargs.pop("initial", {}), **kwargs)


def _marked_invalid(form: forms.Form) -> None:
    """Mark each input with a problem (Bootstrap's `is-invalid`), and tie it to its message."""
    for name in form.errors:
        if name in form.fields:
            attrs = form.fields[name].widget.attrs
            attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{form[name].auto_id}-error"


@dataclass(frozen=True)
class WorksheetLine:
    """A line of the returns on the tallies' form: the tally, its three inputs, and the difference
    between the figure as typed (or saved) and the certified one."""

    tally: RecountTally
    recounted: forms.BoundField
    reason: forms.BoundField
    note: forms.BoundField
    difference: int | None

    @property
    def errors(self) -> list[tuple[forms.BoundField, str]]:
        return [(field, error) for field in (self.recounted, self.reason, self.note) for error in field.errors]


def _typed_figure(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class WorksheetForm(_VersionedForm):
    """The tallies: every line of the returns recounted (the figure, the reason for a difference, a
    note). A figure that differs from the certified one needs a reason, and "other" a note. Unbound,
    it shows the saved figures; bound to a draft (`typed_again`), what was typed last, with its problems.
    Late ballots and the tabulator tapes have forms of their own."""

    def __init__(self, *args, county_recount: CountyRecount, tallies: list[RecountTally], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = county_recount.version
        self.returns = [tally for tally in tallies if tally.line == TallyLine.RETURNS]
        for tally in self.returns:
            self.fields[f"recounted_{tally.pk}"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=MAX_FIGURE,
                initial=tally.recounted,
                error_messages={
                    "invalid": f"{tally}: enter the recounted figure as a whole number, like {tally.original}.",
                    "min_value": f"{tally}: a count cannot be negative.",
                    "max_value": f"{tally}: the figure is too large; at most {MAX_FIGURE:,}.",
                },
                widget=forms.NumberInput(
                    attrs={
                        "class": "form-control form-control-sm text-end",
                        "aria-label": f"{tally}: recounted",
                        "inputmode": "numeric",
                        "data-original": tally.original,
                    }
                ),
            )
            self.fields[f"reason_{tally.pk}"] = forms.ChoiceField(
                required=False,
                choices=[("", "—"), *DiscrepancyReason.choices],
                initial=tally.reason,
                error_messages={"invalid_choice": f"{tally}: choose a reason from the list."},
                widget=forms.Select(attrs={"class": "form-select form-select-sm", "aria-label": f"{tally}: reason"}),
            )
            self.fields[f"note_{tally.pk}"] = forms.CharField(
                required=False,
                max_length=1_000,
                initial=tally.note,
                widget=forms.TextInput(attrs={"class": "form-control form-control-sm", "aria-label": f"{tally}: note"}),
            )

    @staticmethod
    def typed_again(draft: dict[str, dict[str, str]], *, version: int) -> dict[str, str | int]:
        """A saved draft (`tally_draft_save`) as the form's data, on the worksheet's current version."""
        data: dict[str, str | int] = {"version": version}
        for pk, typed in draft.items():
            data |= {f"{name}_{pk}": value for name, value in typed.items()}
        return data

    def clean(self) -> dict:
        cleaned = super().clean()
        for tally in self.returns:
            recounted = cleaned.get(f"recounted_{tally.pk}")
            reason, note = cleaned.get(f"reason_{tally.pk}"), cleaned.get(f"note_{tally.pk}", "")
            if recounted is not None and recounted != tally.original and reason == "":
                self.add_error(
                    f"reason_{tally.pk}",
                    f"{tally}: {recounted:,} differs from the certified {tally.original:,}; choose the reason.",
                )
            if reason == DiscrepancyReason.OTHER and not note.strip():
                self.add_error(f"note_{tally.pk}", f"{tally}: say in the note what the other reason is.")
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        _marked_invalid(self)

    @property
    def lines(self) -> list[WorksheetLine]:
        return [
            WorksheetLine(
                tally=tally,
                recounted=self[f"recounted_{tally.pk}"],
                reason=self[f"reason_{tally.pk}"],
                note=self[f"note_{tally.pk}"],
                difference=self._difference(tally),
            )
            for tally in self.returns
        ]

    def _difference(self, tally: RecountTally) -> int | None:
        if not self.is_bound:
            return tally.difference
        typed = _typed_figure(self[f"recounted_{tally.pk}"].value())
        return None if typed is None else typed - tally.original

    def entries(self) -> dict[int, TallyEntry]:
        """The figures as the service takes them (after `is_valid()`)."""
        return {
            tally.pk: TallyEntry(
                recounted=self.cleaned_data[f"recounted_{tally.pk}"],
                reason=self.cleaned_data[f"reason_{tally.pk}"],
                note=self.cleaned_data[f"note_{tally.pk}"],
            )
            for tally in self.returns
        }

    def draft(self) -> dict[int, dict[str, str]]:
        """Every line as typed, valid or not, to be kept (`tally_draft_save`)."""
        return {
            tally.pk: {name: str(self.data.get(f"{name}_{tally.pk}", "")) for name in DRAFT_INPUTS}
            for tally in self.returns
        }


class TapesForm(_VersionedForm):
    """Each candidate's total as the tabulator tapes give it; each is shown beside what the candidate's
    lines of the returns add up to, which it must match."""

    def __init__(
        self,
        *args,
        county_recount: CountyRecount,
        candidates: list[Candidate],
        sums: dict[int, int | None],
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = county_recount.version
        self.candidates = candidates
        for candidate in candidates:
            added = sums.get(candidate.pk)
            self.fields[f"tape_{candidate.pk}"] = forms.IntegerField(
                required=False,
                min_value=0,
                max_value=MAX_FIGURE,
                label=candidate.name,
                initial=county_recount.tabulator_tapes.get(str(candidate.pk)),
                help_text=(
                    f"{candidate.name}'s lines of the returns add up to {added:,}."
                    if added is not None
                    else f"{candidate.name}'s lines are not all counted yet."
                ),
                error_messages={
                    "invalid": f"Enter {candidate.name}'s total on the tapes as a whole number.",
                    "min_value": f"{candidate.name}'s total on the tapes cannot be negative.",
                    "max_value": f"{candidate.name}'s total is too large; at most {MAX_FIGURE:,}.",
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "text-end"}),
            )

    def tabulator_tapes(self) -> dict[int, int | None]:
        """Each candidate's total on the tapes (after `is_valid()`; None: not read yet)."""
        return {candidate.pk: self.cleaned_data[f"tape_{candidate.pk}"] for candidate in self.candidates}


LATE_LINES = (TallyLine.PROVISIONAL_ADJUDICATED, TallyLine.UOCAVA_ARRIVED)


class LateBallotsForm(_VersionedForm):
    """Ballots counted for the first time: provisional ballots accepted after the count, or military
    and overseas ballots that arrived in time. Entering a line again replaces its figure."""

    candidate = forms.ModelChoiceField(
        queryset=Candidate.objects.none(),
        empty_label="Choose the candidate",
        error_messages={"required": "Choose the candidate the ballots are for."},
    )
    line = forms.ChoiceField(
        choices=[(line.value, line.label) for line in LATE_LINES],
        widget=forms.RadioSelect,
        label="Which ballots",
        error_messages={"required": "Choose which ballots these are."},
    )
    votes = _count_field("Votes for the candidate", "the candidate's votes on these ballots")

    def __init__(self, *args, candidates: QuerySet[Candidate], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["candidate"].queryset = candidates

    def late_ballots(self) -> list[LateBallots]:
        return [
            LateBallots(
                candidate=self.cleaned_data["candidate"],
                line=TallyLine(self.cleaned_data["line"]),
                votes=self.cleaned_data["votes"],
            )
        ]


class SubmitForm(_VersionedForm):
    """Submit the worksheet for sign-off (no field but its version)."""


SIGN_OFF_ATTESTATION = "I attest that this worksheet is the true result of the recount in this county"


class SignOffForm(_VersionedForm):
    """The sign-off of the worksheet as the official read it (its version), under the name of the
    account signed in: nobody types the official's name."""

    attestation = forms.BooleanField(
        label=SIGN_OFF_ATTESTATION,
        error_messages={"required": "Attest that the worksheet is the true result of the recount to sign it off."},
    )


OUTCOME_ATTESTATION = "I certify this county's returns as the recount leaves them"


class OutcomeForm(_VersionedForm):
    """The superintendent records the county's outcome: confirmed, or corrected and recertified."""

    attestation = forms.BooleanField(
        label=OUTCOME_ATTESTATION,
        error_messages={"required": "Certify the county's returns as the recount leaves them: tick the box."},
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        max_length=1_000,
        label="Why is the worksheet reopened?",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The worksheet's figures so far stay in its history.",
        error_messages={"required": "Say why the worksheet is reopened."},
    )


class CountScheduleForm(forms.Form):
    """The county's place and time of the count, on the Secretary of State's route."""

    count_place = forms.CharField(
        max_length=300, label="Place of the count", help_text="The notice to the candidates and parties gives it."
    )
    count_starts_at = EasternDateTimeField(label="The count starts at", help_text="Eastern time.")


class ReturnsImportForm(forms.Form):
    """Returns to import: the file, and the election they are for (the importer's `ElectionDetails`)."""

    upload = forms.FileField(
        label="Returns file",
        error_messages={"required": "Choose the file of returns to upload."},
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,.csv,.xml"}),
    )
    election_name = forms.CharField(
        max_length=200,
        label="Election name",
        help_text="As it will be shown, e.g. “2022 General Runoff”.",
        error_messages={"required": "Enter the election's name."},
    )
    election_date = forms.DateField(
        label="Election day",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For example, 2022-12-06.",
        error_messages={
            "required": "Enter the election day.",
            "invalid": "Enter the election day as a date, for example 2022-12-06.",
        },
    )
    kind = forms.ChoiceField(
        choices=ElectionKind.choices,
        label="Kind of election",
        error_messages={"required": "Choose the kind of election.", "invalid_choice": "Choose the kind of election."},
    )
    slug = forms.SlugField(
        required=False,
        max_length=100,
        label="Short name for web addresses (optional)",
        help_text="Letters, numbers and hyphens. Left empty, it is made from the election's name.",
    )
    seats = forms.IntegerField(
        min_value=1,
        max_value=99,
        initial=1,
        label="Seats in each contest",
        help_text="1 unless every contest in the files fills several seats.",
        error_messages={
            "required": "Enter the number of seats in each contest, 1 unless they fill several.",
            "invalid": "Enter the number of seats as a whole number, e.g. 1.",
            "min_value": "Enter the number of seats as a whole number from 1 to 99.",
            "max_value": "Enter the number of seats as a whole number from 1 to 99.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    level = forms.ChoiceField(
        choices=ImportLevel.choices,
        initial=ImportLevel.COUNTY,
        widget=forms.RadioSelect,
        label="Offices that are neither federal nor state are",
        error_messages={
            "required": "Choose whether the local offices are county or municipal offices.",
            "invalid_choice": "Choose whether the local offices are county or municipal offices.",
        },
    )
    replace = forms.BooleanField(
        required=False,
        label="Replace the election's earlier results, if any (only while they are not certified)",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        limit = settings.RETURNS_UPLOAD_MAX_BYTES // 1_048_576
        self.fields[
            "upload"
        ].help_text = f"A .zip of the counties' .csv or .xml files, or one .csv or .xml file; at most {limit} MB."
        self.helper = FormHelper()
        # The server's error summary, not the browser's own bubbles (GOV.UK: `novalidate`).
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("preview", "Upload and read the files"))

    def clean_upload(self) -> Upload:
        try:
            return upload_check(self.cleaned_data["upload"])
        except RecountError as error:
            raise ValidationError(str(error)) from None

    def clean(self) -> dict:
        cleaned = super().clean()
        if self.errors and "upload" in cleaned:
            # A browser does not keep a chosen file when the page comes back with a problem.
            self.add_error("upload", "Choose the file again: it has to be chosen again after a problem.")
        return cleaned

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if slug and slug != slugify(slug):
            raise ValidationError("Use lower-case letters, digits and hyphens only, e.g. 2022-general-runoff.")
        return slug

    def details(self) -> ElectionDetails:
        """The election's details as the importer takes them (after `is_valid()`)."""
        data = self.cleaned_data
        return ElectionDetails(
            name=data["election_name"].strip(),
            date=data["election_date"],
            kind=data["kind"],
            slug=data["slug"] or None,
            seats=data["seats"],
            municipal=data["level"] == ImportLevel.MUNICIPAL,
        )


class BoardFilterForm(forms.Form):
    """The statewide board's filters, read from the address (`?election=&status=&overdue=`): any may be
    left empty. The election is named by its short name, so that a filtered address can be read."""

    election = forms.ModelChoiceField(
        queryset=Election.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="Every election",
        error_messages={"invalid_choice": "Choose an election that has an open case."},
    )
    status = forms.TypedChoiceField(
        label="County’s status",
        choices=[("", "Every status"), *CountyRecountStatus.choices],
        coerce=CountyRecountStatus,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Choose a status from the list."},
    )
    overdue = forms.BooleanField(label="Overdue counties only", required=False)

    def __init__(self, *args, elections: QuerySet[Election], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["election"].queryset = elections
        self.fields["election"].label_from_instance = lambda election: election.name
        self.helper = FormHelper()
        self.helper.form_tag = False  # the page's own GET form, whose button sends no name of its own
        self.helper.layout = Layout(
            Row(
                Column("election", css_class="col-md-5"),
                Column("status", css_class="col-md-4"),
                Column("overdue", css_class="col-md-3 align-self-center"),
            )
        )
