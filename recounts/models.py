"""The recount statute's numbers as data (a later law is a new row, not new code), and the cases."""

import datetime
import os
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from elections.enums import DeclaredStatus, ElectionKind, VoteType
from elections.models import Candidate, Contest, Election, Jurisdiction
from recounts import storage
from recounts.calendar import ClosedDayOverride
from recounts.enums import (
    OPEN_STATUSES,
    AuthorityKind,
    ClosedDayKind,
    CountyRecountStatus,
    DenialReason,
    DiscrepancyReason,
    ImportJobStatus,
    ImportLevel,
    NoticeKind,
    NoticeStatus,
    RequestChannel,
    RequestStatus,
    Route,
    Signatory,
    TallyLine,
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


def letter_path(instance: "RecountRequest", filename: str) -> str:
    """A safe, unguessable name; the uploader's file name is kept in `letter_name` for display."""
    return f"requests/{uuid.uuid4().hex}.pdf"


def declared_in_words(lines: list[tuple[str, str]] | list[list[str]]) -> str:
    """“Keisha Lance Bottoms (elected)” for each (name, declared status) given; “no one” for none."""
    return ", ".join(f"{name} ({DeclaredStatus(status).label.lower()})" for name, status in lines) or "no one"


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
    letter = models.FileField(storage=storage.letters, upload_to=letter_path, blank=True)
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
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_signature = models.CharField(
        max_length=200, blank=True, help_text="The full legal name, typed as the signature of the withdrawal."
    )
    withdrawal_signatory = models.CharField(max_length=16, choices=Signatory, blank=True)
    withdrawal_agent_name = models.CharField(
        max_length=200, blank=True, help_text="The authorised agent who signed the withdrawal for the candidate."
    )
    decided_at = models.DateTimeField(null=True, blank=True, help_text="When the authority granted or denied it.")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    denial_reason = models.CharField(max_length=24, choices=DenialReason, blank=True)
    ruling = models.TextField(
        blank=True,
        help_text="The authority's ruling: why it denied, or why it granted a late or ineligible request.",
    )
    window_starts_at = models.DateTimeField(
        null=True, blank=True, help_text="Secretary of State route: when the counties' recounts start."
    )
    finish_by = models.DateTimeField(null=True, blank=True, help_text="When every county's recount is due.")
    outcome_changed = models.BooleanField(
        default=False, help_text="The corrected returns declare other candidates than the certified ones."
    )
    declarations_kept = models.BooleanField(
        default=False,
        help_text="The declarations in force were not what the returns declare by Georgia's rule (made by hand, "
        "or under a rule the desk does not model), so the recount left them as they were, and they differ from "
        "what the corrected returns declare: an official must confirm them or declare again.",
    )
    finish_declarations = models.JSONField(
        default=dict,
        blank=True,
        help_text="At finish: the declarations in force, and who the certified and the corrected returns declare "
        "by Georgia's rule ({'in_force'|'returns_before'|'returns_after': [[name, status], …]}).",
    )
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Confirmed or recertified at.")

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
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.DENIED) | ~Q(denial_reason=""),
                name="request_denial_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_number}: {self.candidate} ({self.contest})"

    @property
    def declarations_in_words(self) -> dict[str, str]:
        """The finish's declarations, each as “Keisha Lance Bottoms (elected)”, or “no one”."""
        return {key: declared_in_words(lines) for key, lines in self.finish_declarations.items()}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class CountyRecount(models.Model):
    """One county's part of a case: ordered by its superintendent (or directed by the Secretary of
    State), counted on its worksheet, submitted and signed off by a named official."""

    request = models.ForeignKey(RecountRequest, on_delete=models.PROTECT, related_name="county_recounts")
    county = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="county_recounts")
    status = models.CharField(max_length=16, choices=CountyRecountStatus, default=CountyRecountStatus.ORDERED)
    ordered_at = models.DateTimeField()
    ordered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    count_place = models.CharField(max_length=300, blank=True, help_text="Where the ballots are counted again.")
    count_starts_at = models.DateTimeField(null=True, blank=True, help_text="When the count starts (the notices say).")
    finish_by = models.DateTimeField(null=True, blank=True, help_text="When the county's recount is due.")
    hand_count = models.BooleanField(
        default=False, help_text="No scanner passed its test deck: the ballots are counted by hand."
    )
    tabulator_tapes = models.JSONField(
        default=dict, blank=True, help_text="The totals per candidate (by id) read from the tabulator tapes."
    )
    tally_draft = models.JSONField(
        default=dict,
        blank=True,
        help_text="The tallies as last typed when some line could not be saved (by tally id: recounted, reason, "
        "note), kept until they are saved.",
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    official_name = models.CharField(
        max_length=200, blank=True, help_text="Who signed off: the name on record of the account signed in."
    )
    official_title = models.CharField(
        max_length=200, blank=True, help_text="In what capacity: the superintendent, or their designee."
    )
    version = models.PositiveIntegerField(
        default=1, help_text="Raised by every save of the worksheet: a save made on an older version is refused."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["request", "county__name"]
        constraints = [
            models.UniqueConstraint(fields=["request", "county"], name="county_recount_unique"),
            models.CheckConstraint(
                condition=~Q(status=CountyRecountStatus.APPROVED) | ~Q(official_name=""),
                name="county_recount_signed_off_by_a_named_official",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.receipt_number}: {self.county}"


class ScannerTest(models.Model):
    """A scanner's test deck before the recount (State Election Board Rule 183-1-15-.03)."""

    county_recount = models.ForeignKey(CountyRecount, on_delete=models.CASCADE, related_name="scanner_tests")
    scanner = models.CharField(max_length=100, help_text="The scanner's serial number or label.")
    machine_marked = models.PositiveIntegerField("machine-marked ballots")
    hand_marked = models.PositiveIntegerField("hand-marked ballots")
    precincts = models.PositiveSmallIntegerField(help_text="Precincts the deck's ballots come from.")
    hand_count = models.PositiveIntegerField(help_text="The deck counted by hand.")
    machine_count = models.PositiveIntegerField(help_text="The deck as the scanner counted it.")
    passed = models.BooleanField()
    tested_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["county_recount", "scanner"]
        constraints = [
            models.UniqueConstraint(fields=["county_recount", "scanner"], name="scanner_test_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scanner}: {'passed' if self.passed else 'failed'}"


class RecountTally(models.Model):
    """One line of a county's worksheet: a candidate's votes of one type, as certified and as recounted."""

    county_recount = models.ForeignKey(CountyRecount, on_delete=models.CASCADE, related_name="tallies")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, related_name="recount_tallies")
    vote_type = models.CharField(max_length=24, choices=VoteType)
    line = models.CharField(max_length=24, choices=TallyLine, default=TallyLine.RETURNS)
    original = models.PositiveIntegerField(help_text="The certified figure (0 for ballots counted for the first time).")
    recounted = models.PositiveIntegerField(null=True, blank=True, help_text="Empty until entered.")
    reason = models.CharField(max_length=24, choices=DiscrepancyReason, blank=True)
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["county_recount", "candidate__ballot_order", "line", "vote_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["county_recount", "candidate", "vote_type", "line"], name="recount_tally_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate} — {self.get_vote_type_display()} ({self.get_line_display()})"

    @property
    def difference(self) -> int | None:
        return None if self.recounted is None else self.recounted - self.original


class PartyChair(models.Model):
    """Where a party's chair receives the written notice of a recount (and names its watchers)."""

    state = models.CharField(max_length=2, default="GA")
    party = models.CharField(max_length=100, help_text="As the returns name it (“Democratic”, “REP”).")
    chair_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="party_chairs",
        help_text="The chair's account, when they have one: the notices are shown there too.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["state", "party"]
        constraints = [models.UniqueConstraint(fields=["state", "party"], name="party_chair_unique")]

    def __str__(self) -> str:
        return f"{self.party}: {self.chair_name}"


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


class AuditLink(models.Model):
    """One link of the tamper-evident audit trail (`recounts.audit`): a history row or a notice, the
    SHA-256 of its content, chained to the link before it. Appended with the row, never changed."""

    sequence = models.PositiveBigIntegerField(unique=True, help_text="1, 2, 3…: the order of the chain.")
    label = models.CharField(max_length=100, help_text="The row's model: “recounts.HistoricalRecountRequest”.")
    object_id = models.BigIntegerField(help_text="The row's id (a history row's history_id).")
    content_sha256 = models.CharField("content SHA-256", max_length=64)
    previous_sha256 = models.CharField("previous link's chain SHA-256", max_length=64)
    chain_sha256 = models.CharField("chain SHA-256", max_length=64)

    class Meta:
        ordering = ["sequence"]
        constraints = [models.UniqueConstraint(fields=["label", "object_id"], name="audit_link_unique_row")]

    def __str__(self) -> str:
        return f"{self.sequence}: {self.label} {self.object_id}"


class AuditAnchorFailure(models.Model):
    """An anchor of the chain's head (`recounts.anchors`) that could not be written to the anchor file:
    the action stood; `verify_audit` reports it until someone deals with it."""

    at = models.DateTimeField(help_text="When the action was recorded.")
    link = models.PositiveBigIntegerField(help_text="The head's position in the chain.")
    head = models.CharField("chain SHA-256", max_length=64)
    event = models.CharField(max_length=200, help_text="“Certification of Fulton County version 2”.")
    error = models.CharField(max_length=1000)

    def __str__(self) -> str:
        return f"Anchor not written: {self.event} (link {self.link})"


#: The kinds of file an import takes: a zip of the counties' files, or one file.
IMPORT_SUFFIXES = (".zip", ".csv", ".xml")


def import_upload_path(instance: "ImportJob", filename: str) -> str:
    """A safe, unguessable name (the kind of file kept as its suffix); the uploader's file name is
    kept in `upload_name` for display. The import's progress file is written beside it."""
    suffix = os.path.splitext(filename)[1].lower()
    return f"imports/{uuid.uuid4().hex}{suffix if suffix in IMPORT_SUFFIXES else ''}"


class ImportJob(models.Model):
    """Returns imported through the browser: the file uploaded, the election it is for, the preview
    (the importer's dry run) and, once someone confirmed it, the import; each run by a task
    (`recounts.services.imports`). The report is the importer's, as JSON (`ImportReport.as_json`)."""

    status = models.CharField(max_length=16, choices=ImportJobStatus, default=ImportJobStatus.UPLOADED)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs")
    created_at = models.DateTimeField()
    election_name = models.CharField(max_length=200)
    election_date = models.DateField("election day")
    election_kind = models.CharField("kind of election", max_length=16, choices=ElectionKind)
    election_slug = models.SlugField(
        "short name", max_length=100, blank=True, help_text="Empty: made from the election's name."
    )
    seats = models.PositiveSmallIntegerField(default=1, help_text="Seats of every contest in the files.")
    level = models.CharField(
        max_length=16,
        choices=ImportLevel,
        default=ImportLevel.COUNTY,
        help_text="The level of the offices that are neither federal nor state.",
    )
    replace = models.BooleanField(
        default=False, help_text="Remove the election's earlier results (not certified) and import these instead."
    )
    upload = models.FileField(storage=storage.imports, upload_to=import_upload_path)
    upload_name = models.CharField(max_length=255, help_text="The file name as uploaded.")
    upload_size = models.PositiveBigIntegerField(help_text="In bytes.")
    upload_sha256 = models.CharField("upload SHA-256", max_length=64)
    report = models.JSONField(
        null=True,
        blank=True,
        encoder=DjangoJSONEncoder,
        help_text="The importer's report: the preview's, then the import's (counties, contests, warnings, refusals).",
    )
    election = models.ForeignKey(Election, on_delete=models.SET_NULL, null=True, blank=True, related_name="import_jobs")
    error = models.TextField(blank=True, help_text="Why the files were refused or the import stopped.")
    previewed_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True, help_text="Imported, or stopped, at.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="import_job_seats_positive"),
            models.CheckConstraint(condition=Q(upload_sha256__regex=r"^[0-9a-f]{64}$"), name="import_job_hashed"),
        ]

    def __str__(self) -> str:
        return f"{self.upload_name} → {self.election_name} ({self.get_status_display().lower()})"

    @property
    def refusals(self) -> list[dict]:
        return (self.report or {}).get("refusals") or []

    @property
    def warnings(self) -> list[dict]:
        return (self.report or {}).get("warnings") or []
