from django.db import models


class Route(models.TextChoices):
    SECRETARY_OF_STATE = "secretary_of_state", "Secretary of State"
    SUPERINTENDENT = "superintendent", "Superintendent"


class ClosedDayKind(models.TextChoices):
    CLOSED = "closed", "Closed (added to the holidays)"
    OPEN = "open", "Open (removed from the holidays)"


class RequestStatus(models.TextChoices):
    """The case's life (DESIGN.md §3); only `recounts.services` moves a case between them."""

    FILED = "filed", "Filed"
    ORDERED = "ordered", "Recount ordered"
    COUNTING = "counting", "Counting"
    COUNTED = "counted", "Counted"
    RECERTIFIED = "recertified", "Recertified"
    CONFIRMED = "confirmed", "Confirmed"
    DENIED = "denied", "Denied"
    WITHDRAWN = "withdrawn", "Withdrawn"


#: A case that is still running: a candidate has at most one per contest (a database constraint).
OPEN_STATUSES = (RequestStatus.FILED, RequestStatus.ORDERED, RequestStatus.COUNTING, RequestStatus.COUNTED)


class RequestChannel(models.TextChoices):
    ONLINE = "online", "Filed online by the candidate"
    PAPER = "paper", "Received on paper (entered by staff)"
    EMAIL = "email", "Received by email (entered by staff)"


class Signatory(models.TextChoices):
    CANDIDATE = "candidate", "The candidate"
    AGENT = "agent", "The candidate's authorised agent"


class AuthorityKind(models.TextChoices):
    SECRETARY_OF_STATE = "secretary_of_state", "Secretary of State"
    SUPERINTENDENT = "superintendent", "Superintendent"


class NoticeKind(models.TextChoices):
    REQUEST_RECEIPT = "request_receipt", "Receipt of a written request"
    REQUEST_RECEIVED = "request_received", "New written request for the authority"
    REQUEST_WITHDRAWN = "request_withdrawn", "Request withdrawn"
    CANDIDATE_INVITATION = "candidate_invitation", "Invitation to a candidate"


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
