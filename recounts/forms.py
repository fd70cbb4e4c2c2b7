"""Forms of the recount pages: parse and validate, return domain values; the services decide."""

import datetime
from zoneinfo import ZoneInfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone

from elections.models import Candidate
from recounts.enums import RequestChannel, Signatory
from recounts.services import Letter, RecountError, Signature, letter_check

ATTESTATION = (
    "I am the candidate, or the candidate's authorised agent named above, and this is my written request for a recount"
)
#: Paper and email requests reach Georgia's offices: their received-at is read on Eastern time.
RECEIVED_AT_ZONE = ZoneInfo("America/New_York")


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

    attestation = forms.BooleanField(label=ATTESTATION)
    letter = forms.FileField(
        required=False,
        label="Signed letter (PDF)",
        help_text="Optional: a signed letter, PDF only, at most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("file", "File the written request"))

    def clean_letter(self) -> Letter | None:
        return _checked_pdf(self.cleaned_data.get("letter"), what="The signed letter")


class ReceivedAtField(forms.DateTimeField):
    """A `datetime-local` input read on Eastern time, whatever the current time zone."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]

    def to_python(self, value: object) -> datetime.datetime | None:
        with timezone.override(RECEIVED_AT_ZONE):
            return super().to_python(value)


class RequestRecordForm(_SignedForm):
    """Staff record a written request received on paper or by email."""

    candidate = forms.ModelChoiceField(queryset=Candidate.objects.none())
    channel = forms.ChoiceField(
        choices=[(RequestChannel.PAPER, "Paper"), (RequestChannel.EMAIL, "Email")], label="Received"
    )
    received_at = ReceivedAtField(label="Received at", help_text="Eastern time.")
    scan = forms.FileField(
        label="Scan of the request (PDF)",
        help_text="PDF only, at most 10 MB.",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    field_order = ["candidate", "channel", "received_at", "scan", "statement", "signature", "signatory", "agent_name"]

    def __init__(self, *args, candidates: QuerySet[Candidate], now: datetime.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["candidate"].queryset = candidates
        self.fields["candidate"].label_from_instance = lambda candidate: (
            f"{candidate.name} — {candidate.contest} ({candidate.contest.election.name})"
        )
        self.helper = FormHelper()
        self.helper.add_input(Submit("record", "Record the request"))

    def clean_received_at(self) -> datetime.datetime:
        received_at = self.cleaned_data["received_at"]
        if received_at > self.now:
            raise ValidationError("The request cannot have been received in the future.")
        return received_at

    def clean_scan(self) -> Letter | None:
        return _checked_pdf(self.cleaned_data.get("scan"), what="The scan")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional.",
    )


class InviteForm(forms.Form):
    """One small form per candidate on the contest page (rendered there by hand: many on a page)."""

    email = forms.EmailField(label="Email")
