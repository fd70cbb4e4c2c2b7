"""The recount statute's numbers as data (a later law is a new row, not new code), and the cases."""

import datetime
import os
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from elections.models import Candidate, Contest, Jurisdiction
from recounts.calendar import ClosedDayOverride
from recounts.enums import (
    OPEN_STATUSES,
    AuthorityKind,
    ClosedDayKind,
    NoticeKind,
    NoticeStatus,
    RequestChannel,
    RequestStatus,
    Route,
    Signatory,
)
from recounts.rules import RuleTerms


class RecountRule(models.Model):
    state = models.CharField(max_length=2, default="GA")
    name = models.CharField(max_length=200, unique=True)
    source = models.TextField(blank=True, help_text="The law this rule comes from.")
    effective_from = models.DateField(help_text="First election date the rule governs.")
    effective_to = models.DateField(
        null=True, blank=True, help_text="Last election date the rule governs; empty while in force."
    )
    threshold_percent = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        help_text="A losing candidate within this percent of the total may ask.",
    )
    business_days = models.PositiveSmallIntegerField(default=2, help_text="Business days after certification.")
    cutoff_time = models.TimeField(default=datetime.time(17, 0), help_text="Deadline time on the last day.")
    time_zone = models.CharField(max_length=64, default="America/New_York")

    history = HistoricalRecords()

    class Meta:
        ordering = ["state", "effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold_percent__gt=0) & Q(threshold_percent__lte=100),
                name="rule_threshold_in_range",
            ),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=F("effective_from")),
                name="rule_effective_range_ordered",
            ),
            models.CheckConstraint(condition=Q(business_days__gte=1), name="rule_business_days_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def terms(self) -> RuleTerms:
        return RuleTerms(
            name=self.name,
            threshold_percent=self.threshold_percent,
            business_days=self.business_days,
            cutoff=self.cutoff_time,
            time_zone=self.time_zone,
            effective_from=self.effective_from,
            effective_to=self.effective_to,
        )

    def clean(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": f"“{self.time_zone}” is not a known time zone."}) from None


class ClosedDay(models.Model):
    """A correction to the holiday calendar: a proclaimed closure, or a listed holiday that was not one."""

    day = models.DateField(unique=True)
    kind = models.CharField(max_length=8, choices=ClosedDayKind, default=ClosedDayKind.CLOSED)
    name = models.CharField(max_length=200, help_text="E.g. “State offices closed by executive order”.")
    source = models.TextField(blank=True, help_text="The proclamation or notice.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}: {self.name} ({self.get_kind_display().lower()})"

    @property
    def override(self) -> ClosedDayOverride:
        return ClosedDayOverride(day=self.day, kind=ClosedDayKind(self.kind), name=self.name)


class PrivateFileStorage(FileSystemStorage):
    """Files under `PRIVATE_FILES_ROOT`, read when used (not when the model loads), so that a change
    of the setting (a test's temporary directory) takes effect. Nothing here has a public URL."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVATE_FILES_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("Private files have no public URL; they are served by views that check access.")


def private_files() -> FileSystemStorage:
    """Uploaded letters and scans: kept outside the web root and served only by views that check access."""
    return PrivateFileStorage()


def letter_path(instance: "RecountRequest", filename: str) -> str:
    """A safe, unguessable name; the uploader's file name is kept in `letter_name` for display."""
    return f"requests/{uuid.uuid4().hex}.pdf"


class RecountRequest(models.Model):
    """A written request for a recount: the case, from filing to its end (DESIGN.md §3).

    The eligibility, rule, certification and deadline are copied into `snapshot` as they stood at
    filing: later corrections of the returns do not rewrite what the candidate saw and relied on.
    """

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="recount_requests")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="recount_requests")
    channel = models.CharField(max_length=8, choices=RequestChannel, default=RequestChannel.ONLINE)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="recount_requests_filed",
        help_text="The candidate's account (online), or the staff member who entered a paper or email request.",
    )
    filed_at = models.DateTimeField(
        help_text="When the written request was made: the server's clock online; when the authority received it "
        "on paper or by email."
    )
    recorded_at = models.DateTimeField(help_text="When the request was entered here (the server's clock).")
    statement = models.TextField(blank=True)
    signature = models.CharField(max_length=200, help_text="The full legal name, typed as a signature.")
    signatory = models.CharField(max_length=16, choices=Signatory, default=Signatory.CANDIDATE)
    agent_name = models.CharField(
        max_length=200, blank=True, help_text="The authorised agent who signed for the candidate."
    )
    letter = models.FileField(storage=private_files, upload_to=letter_path, blank=True)
    letter_name = models.CharField(max_length=255, blank=True, help_text="The file name as uploaded.")
    letter_sha256 = models.CharField("letter SHA-256", max_length=64, blank=True)
    receipt_number = models.CharField(max_length=64, unique=True)
    route = models.CharField(max_length=24, choices=Route)
    snapshot = models.JSONField(
        encoder=DjangoJSONEncoder,
        help_text="The contest's standing at filing: rule, totals, certification, deadline, each candidate's gap.",
    )
    eligible = models.BooleanField(help_text="Whether the certified returns gave the candidate the right to ask.")
    late = models.BooleanField(help_text="Filed after the deadline: recorded, never refused; the authority rules.")
    status = models.CharField(max_length=16, choices=RequestStatus, default=RequestStatus.FILED)
    withdrawal_reason = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate"],
                condition=Q(status__in=OPEN_STATUSES),
                name="request_one_open_per_candidate",
                violation_error_message="This candidate already has an open request in this contest.",
            ),
            models.CheckConstraint(
                condition=Q(signatory=Signatory.CANDIDATE) | ~Q(agent_name=""),
                name="request_agent_named",
            ),
            models.CheckConstraint(
                condition=Q(letter="") | Q(letter_sha256__regex=r"^[0-9a-f]{64}$"),
                name="request_letter_hashed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number}: {self.candidate} ({self.contest})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class RequestAuthority(models.Model):
    """Whom a request is addressed to: the Secretary of State, or one superintendent (one row each)."""

    request = models.ForeignKey(RecountRequest, on_delete=models.CASCADE, related_name="authorities")
    kind = models.CharField(max_length=24, choices=AuthorityKind)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recount_requests_received",
        help_text="The superintendent's county (or city); empty for the Secretary of State.",
    )

    class Meta:
        verbose_name_plural = "request authorities"
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=AuthorityKind.SECRETARY_OF_STATE) & Q(jurisdiction__isnull=True))
                | (Q(kind=AuthorityKind.SUPERINTENDENT) & Q(jurisdiction__isnull=False)),
                name="authority_kind_matches_jurisdiction",
            ),
            models.UniqueConstraint(fields=["request", "jurisdiction"], name="authority_unique_superintendent"),
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(kind=AuthorityKind.SECRETARY_OF_STATE),
                name="authority_unique_secretary_of_state",
            ),
        ]

    def __str__(self) -> str:
        return str(self.jurisdiction) if self.jurisdiction else AuthorityKind.SECRETARY_OF_STATE.label


class Notice(models.Model):
    """Every message the application sends: to whom, what, when, by which channel, and whether it went."""

    kind = models.CharField(max_length=32, choices=NoticeKind)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    email = models.EmailField(blank=True, help_text="Where it was sent; empty when the recipient has no address.")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    request = models.ForeignKey(RecountRequest, on_delete=models.PROTECT, null=True, blank=True, related_name="notices")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=8, choices=NoticeStatus, default=NoticeStatus.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient or self.email}"
