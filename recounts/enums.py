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
    REQUEST_DENIED = "request_denied", "Request denied"
    RECOUNT_ORDERED = "recount_ordered", "Recount ordered"
    RECOUNT_DIRECTED = "recount_directed", "Recount directed by the Secretary of State"
    COUNT_NOTICE = "count_notice", "Written notice of the count (place and time)"
    CASE_CONFIRMED = "case_confirmed", "Recount confirmed the returns"
    CASE_RECERTIFIED = "case_recertified", "Returns corrected and recertified"
    OUTCOME_CHANGED = "outcome_changed", "The recount changed the outcome"
    DECLARATIONS_TO_REVIEW = "declarations_to_review", "Declarations for an official to review after a recount"
    CANDIDATE_INVITATION = "candidate_invitation", "Invitation to a candidate"
    ACCOUNT_LINKED = "account_linked", "Another account linked to the candidate"
    ADDRESS_OF_RECORD_CHANGED = "address_of_record_changed", "A candidate's address of record changed"
    STAFF_CHANGED = "staff_changed", "Change of a superintendent's staff"
    SIGN_IN_CHANGED = "sign_in_changed", "Change to how the account signs in"
    TWO_FACTOR_LINK = "two_factor_link", "Link to set up two-factor sign-in"


class NoticeStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class DenialReason(models.TextChoices):
    """The statutory reasons to deny a written request (§ 21-2-495(c))."""

    NOT_ELIGIBLE = "not_eligible", "Not eligible on the certified returns"
    NOT_LOSING_CANDIDATE = "not_losing_candidate", "Not made by a losing candidate"
    NOT_IN_WRITING = "not_in_writing", "Not made in writing"
    LATE = "late", "Made after the deadline"


class CountyRecountStatus(models.TextChoices):
    """One county's part of a case (DESIGN.md §3)."""

    ORDERED = "ordered", "Ordered"
    SCANNER_TESTING = "scanner_testing", "Scanner testing"
    COUNTING = "counting", "Counting"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Signed off"
    CONFIRMED = "confirmed", "Confirmed: no difference"
    RECERTIFIED = "recertified", "Corrected and recertified"


class TallyLine(models.TextChoices):
    """A line of a county's worksheet: the returns recounted, or ballots counted for the first time."""

    RETURNS = "returns", "Recount of the returns"
    PROVISIONAL_ADJUDICATED = "provisional_adjudicated", "Provisional ballots accepted after the count"
    UOCAVA_ARRIVED = "uocava_arrived", "Military and overseas ballots that arrived in time"


class DiscrepancyReason(models.TextChoices):
    """Why a recounted figure differs from the original (a short list; the note says more)."""

    SCANNER_MISREAD = "scanner_misread", "Ballot misread by the scanner"
    HAND_MARKED = "hand_marked", "Hand-marked ballot read differently on review"
    BALLOTS_MISSED = "ballots_missed", "Ballots not counted the first time"
    COUNTED_TWICE = "counted_twice", "Ballots counted twice the first time"
    TABULATION = "tabulation", "Tabulation or upload error"
    LATE_BALLOTS = "late_ballots", "Ballots counted for the first time (accepted or arrived after the count)"
    OTHER = "other", "Other (say what in the note)"


class ImportJobStatus(models.TextChoices):
    """A browser import of returns (`ImportJob`): only `recounts.services.imports.import_job_move` moves it."""

    UPLOADED = "uploaded", "Waiting to be read"
    PREVIEWING = "previewing", "Reading the files"
    PREVIEWED = "previewed", "Read: waiting for confirmation"
    REFUSED = "refused", "Refused: nothing can be imported"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Not imported"


class ImportLevel(models.TextChoices):
    """Which level the offices of an import that are neither federal nor state are."""

    COUNTY = "county", "County offices"
    MUNICIPAL = "municipal", "Municipal offices (a city's election)"


class WorksheetStepStatus(models.TextChoices):
    """Where a step of a county's worksheet stands (the overview's task list)."""

    CANNOT_START = "cannot_start", "Cannot start yet"
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    NOT_NEEDED = "not_needed", "Not needed"
