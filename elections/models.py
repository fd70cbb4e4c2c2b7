"""What exists without any recount: places, elections, contests, candidates, returns, certifications."""

import operator
from functools import reduce
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from elections.enums import (
    CertificationScope,
    DeclaredStatus,
    ElectionKind,
    JurisdictionKind,
    Level,
    VoteType,
)


class Jurisdiction(models.Model):
    """A county (all 159 of Georgia's are loaded by migration) or a municipality."""

    state = models.CharField(max_length=2, default="GA")
    kind = models.CharField(max_length=16, choices=JurisdictionKind, default=JurisdictionKind.COUNTY)
    name = models.CharField(max_length=100, help_text="Without the word “County”: “Fulton”, “DeKalb”.")
    fips = models.CharField(
        "FIPS code", max_length=5, null=True, blank=True, unique=True, help_text="Five digits, counties only."
    )
    superintendent_office = models.CharField(max_length=200, blank=True)
    contact_email = models.EmailField(blank=True)
    address = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["state", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["state", "kind", "name"], name="jurisdiction_unique_name"),
            models.CheckConstraint(
                condition=Q(kind=JurisdictionKind.MUNICIPALITY) | Q(fips__regex=r"^[0-9]{5}$"),
                name="jurisdiction_county_has_fips",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == JurisdictionKind.COUNTY:
            return f"{self.name} County"
        return self.name


class Election(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    date = models.DateField()
    kind = models.CharField(max_length=16, choices=ElectionKind)
    state = models.CharField(max_length=2, default="GA")
    rehearsal = models.BooleanField(
        "rehearsal copy",
        default=False,
        help_text="A copy of an election for practice, never a real one: every page, document and receipt "
        "number of it says REHEARSAL.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.date:%Y-%m-%d})"


class Contest(models.Model):
    """An office on the ballot of one election."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="contests")
    office = models.CharField(max_length=200)
    district = models.CharField(max_length=100, blank=True)
    level = models.CharField(max_length=16, choices=Level)
    counties = models.ManyToManyField(
        Jurisdiction, related_name="contests", limit_choices_to={"kind": JurisdictionKind.COUNTY}
    )
    party = models.CharField(
        max_length=100,
        blank=True,
        help_text="In a primary, the party whose primary this is: each party's primary is its own contest. "
        "Empty in a general, special or nonpartisan race.",
    )
    seats = models.PositiveSmallIntegerField(default=1)
    is_question = models.BooleanField(
        "ballot question",
        default=False,
        help_text="A question put to the voters (an amendment, a referendum): its choices are Yes, No and the "
        "like, and § 21-2-495(c), which is for candidates, gives no recount of it.",
    )
    home_county = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="county_offices",
        limit_choices_to={"kind": JurisdictionKind.COUNTY},
        help_text="For a county office (“Sheriff”), the county whose office it is: a statewide file holds "
        "one such contest per county. Empty for an office voted across counties.",
    )
    superintendent_jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superintended_contests",
        help_text="Whose superintendent takes local requests when it is not the counties’ (e.g. a city "
        "that runs its own election). Empty: the superintendents of the counties where it is voted.",
    )

    history = HistoricalRecords(m2m_fields=[counties])

    class Meta:
        ordering = ["election", "office", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["election", "office", "district", "party"],
                condition=Q(home_county__isnull=True),
                name="contest_unique_office",
            ),
            models.UniqueConstraint(
                fields=["election", "office", "district", "party", "home_county"],
                condition=Q(home_county__isnull=False),
                name="contest_unique_county_office",
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="contest_seats_positive"),
        ]

    def __str__(self) -> str:
        name = f"{self.office}, {self.district}" if self.district else self.office
        qualifiers = [
            f"{self.party} primary" if self.party else "",
            str(self.home_county) if self.home_county_id else "",
        ]
        qualifiers = [qualifier for qualifier in qualifiers if qualifier]
        return f"{name} ({', '.join(qualifiers)})" if qualifiers else name


class Candidate(models.Model):
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="candidates")
    name = models.CharField(max_length=200)
    party = models.CharField(max_length=100, blank=True)
    ballot_order = models.PositiveSmallIntegerField(default=0)
    declared_status = models.CharField(max_length=16, choices=DeclaredStatus, default=DeclaredStatus.NONE)
    write_in_aggregate = models.BooleanField(
        default=False,
        help_text="A line such as “Write-ins” that sums votes for many people: counted in the total, "
        "never declared and never entitled to ask.",
    )
    email = models.EmailField(
        "address of record",
        blank=True,
        help_text="The candidate's email address on file: the only address an account is linked to the candidate at.",
    )
    accounts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="candidacies")

    history = HistoricalRecords()

    class Meta:
        ordering = ["contest", "ballot_order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "name"], name="candidate_unique_name"),
            models.CheckConstraint(
                condition=Q(write_in_aggregate=False) | Q(declared_status=DeclaredStatus.NONE),
                name="candidate_write_in_aggregate_not_declared",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def declared(self) -> bool:
        return self.declared_status != DeclaredStatus.NONE


class ImportBatch(models.Model):
    """The provenance of original returns: which files, byte for byte, who loaded them and when.

    One import, of one file or of many (a state's county files), is one batch; its ``sha256`` is its
    one file's, or, for several, the SHA-256 of their hashes (hexadecimal, sorted, one per line).
    """

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="import_batches")
    file_name = models.CharField(max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    file_format = models.CharField(max_length=64, default="openelections_csv")
    row_count = models.PositiveIntegerField(help_text="Data lines read from the files.")
    result_count = models.PositiveIntegerField(help_text="Result rows written: one per line of votes for a candidate.")
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    imported_at = models.DateTimeField()
    results_sha256 = models.CharField(
        "SHA-256 of the results",
        max_length=64,
        blank=True,
        help_text="Of the result lines the import wrote, each in canonical form, in the order of their ids: "
        "the audit trail recomputes it from the table.",
    )

    class Meta:
        ordering = ["-imported_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.sha256[:12]}…)"


class ImportFile(models.Model):
    """One file of an import batch: its name as given (inside its archive), its bytes' SHA-256."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="files")
    name = models.CharField(max_length=500)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    file_format = models.CharField(max_length=32)
    row_count = models.PositiveIntegerField(help_text="Data lines read from the file.")
    result_count = models.PositiveIntegerField(help_text="Result rows written from the file.")

    class Meta:
        ordering = ["batch", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]}…)"


_TYPE_FIELDS = tuple(vote_type.value for vote_type in VoteType)


class Result(models.Model):
    """One line of the returns: a candidate's votes in one county (and precinct, when known).

    ``votes`` is the line's total; the vote-type columns (named as ``VoteType``'s values) break it
    down when the returns do. A type not given is empty (a zero is a real figure); a line with no
    types given is "not broken down by type". When any type is given, the types add up to ``votes``
    (a database constraint). ``unspecified`` holds the part not broken down beside types that are:
    a recount of returns not broken down keeps the ballots it counted for the first time (provisional
    ballots accepted after the count, military and overseas ballots that arrived in time) on their
    own types.
    Original lines come from an ImportBatch (their provenance); any later change goes through a
    service that records a history row with its reason.
    """

    # No index of its own: the unique constraint below leads with the candidate (and every index
    # costs time on each of the million lines an import may write).
    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="results", db_index=False)
    # No index of its own either: results are read by candidate (then county), which the unique
    # constraint's index serves, never by county alone.
    county = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        related_name="results",
        limit_choices_to={"kind": JurisdictionKind.COUNTY},
        db_index=False,
    )
    precinct = models.CharField(max_length=200, blank=True, help_text="Empty for a county-level figure.")
    votes = models.PositiveIntegerField(help_text="All the line's votes, whatever their type.")
    election_day = models.PositiveIntegerField(VoteType.ELECTION_DAY.label, null=True, blank=True)
    advance_in_person = models.PositiveIntegerField(VoteType.ADVANCE_IN_PERSON.label, null=True, blank=True)
    absentee_by_mail = models.PositiveIntegerField(VoteType.ABSENTEE_BY_MAIL.label, null=True, blank=True)
    provisional = models.PositiveIntegerField(VoteType.PROVISIONAL.label, null=True, blank=True)
    military_overseas = models.PositiveIntegerField(VoteType.MILITARY_OVERSEAS.label, null=True, blank=True)
    unspecified = models.PositiveIntegerField(
        VoteType.UNSPECIFIED.label,
        null=True,
        blank=True,
        help_text="The part of the line not broken down, when other types are given beside it.",
    )
    import_batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="results"
    )

    #: The vote-type columns, in the order of ``VoteType``; each column is named by its type's value.
    TYPE_FIELDS: ClassVar[tuple[str, ...]] = _TYPE_FIELDS

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["candidate", "county", "precinct"], name="result_unique_line"),
            models.CheckConstraint(condition=Q(votes__gte=0), name="result_votes_not_negative"),
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True for name in _TYPE_FIELDS})
                | Q(votes=reduce(operator.add, (Coalesce(F(name), 0) for name in _TYPE_FIELDS))),
                name="result_types_add_up",
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.county}, {self.precinct}" if self.precinct else str(self.county)
        return f"{self.candidate}: {self.votes} ({where})"

    def by_type(self) -> dict[VoteType, int]:
        """The line's votes by type: the types given (the part not broken down among them as
        ``VoteType.UNSPECIFIED``), or all of it as ``VoteType.UNSPECIFIED``."""
        given = {VoteType(name): getattr(self, name) for name in self.TYPE_FIELDS if getattr(self, name) is not None}
        return given or {VoteType.UNSPECIFIED: self.votes}


class Certification(models.Model):
    """A certification of an election's returns: by a county, by a city that runs its own election, or
    statewide by the Secretary of State; version 2… is a recertification."""

    election = models.ForeignKey(Election, on_delete=models.PROTECT, related_name="certifications")
    scope = models.CharField(max_length=16, choices=CertificationScope)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certifications",
        help_text="The county (or the city running its own election); empty for the statewide one.",
    )
    version = models.PositiveSmallIntegerField(default=1)
    certified_at = models.DateTimeField()
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["election", "scope", "jurisdiction", "version"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope__in=[CertificationScope.COUNTY, CertificationScope.MUNICIPALITY])
                    & Q(jurisdiction__isnull=False)
                )
                | (Q(scope=CertificationScope.STATEWIDE) & Q(jurisdiction__isnull=True)),
                name="certification_scope_matches_jurisdiction",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="certification_version_positive"),
            models.UniqueConstraint(
                fields=["election", "jurisdiction", "version"],
                condition=Q(jurisdiction__isnull=False),
                name="certification_unique_local_version",
            ),
            models.UniqueConstraint(
                fields=["election", "version"],
                condition=Q(scope=CertificationScope.STATEWIDE),
                name="certification_unique_statewide_version",
            ),
        ]

    def __str__(self) -> str:
        where = "statewide" if self.scope == CertificationScope.STATEWIDE else str(self.jurisdiction)
        return f"{self.election} — {where}, version {self.version}"
