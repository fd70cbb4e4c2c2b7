from django.db import models


class JurisdictionKind(models.TextChoices):
    COUNTY = "county", "County"
    MUNICIPALITY = "municipality", "Municipality"


class ElectionKind(models.TextChoices):
    GENERAL = "general", "General"
    PRIMARY = "primary", "Primary"
    RUNOFF = "runoff", "Runoff"
    PRIMARY_RUNOFF = "primary_runoff", "Primary runoff"
    SPECIAL = "special", "Special"


class Level(models.TextChoices):
    FEDERAL = "federal", "Federal"
    STATE = "state", "State"
    COUNTY = "county", "County"
    MUNICIPAL = "municipal", "Municipal"


class DeclaredStatus(models.TextChoices):
    ELECTED = "elected", "Elected"
    NOMINATED = "nominated", "Nominated"
    RUNOFF = "runoff", "In the runoff"
    NONE = "none", "Not declared"


class VoteType(models.TextChoices):
    ELECTION_DAY = "election_day", "Election day"
    ADVANCE_IN_PERSON = "advance_in_person", "Advance in person"
    ABSENTEE_BY_MAIL = "absentee_by_mail", "Absentee by mail"
    PROVISIONAL = "provisional", "Provisional"
    MILITARY_OVERSEAS = "military_overseas", "Military and overseas"
    UNSPECIFIED = "unspecified", "Not broken down by type"


def broken_down_types() -> tuple[VoteType, ...]:
    """The types a line of returns can be broken down into (``UNSPECIFIED`` is the lack of one)."""
    return tuple(vote_type for vote_type in VoteType if vote_type != VoteType.UNSPECIFIED)


class CertificationScope(models.TextChoices):
    COUNTY = "county", "County"
    MUNICIPALITY = "municipality", "Municipality (a city that runs its own election)"
    STATEWIDE = "statewide", "Statewide"
