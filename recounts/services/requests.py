"""The written request: filed online by a candidate's account, or recorded by the receiving
authority's staff when it came on paper or by email; and its withdrawal.

A written request is recorded with a snapshot of the contest's standing as it stood at filing, a
late flag (a late request is recorded, never refused: the authority rules on it), a warning when
the certified returns did not give the right to ask (the authority decides), the authorities it is
addressed to, and a receipt number. The notices go out once the transaction commits.
"""

import datetime
import hashlib
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from elections.instants import in_words
from elections.models import Candidate, Contest
from elections.services import CLOCK_SKEW
from recounts import notices
from recounts.enums import (
    OPEN_STATUSES,
    AuthorityKind,
    RequestChannel,
    RequestStatus,
    Route,
    Signatory,
)
from recounts.exports import standing_json
from recounts.models import RecountRequest, RequestAuthority
from recounts.pdf_inspection import pdf_inspect
from recounts.queries import CandidateStanding, ContestStanding, contest_standing, superintendents_of
from recounts.services.cases import RecountError, case_move, require

PDF_MAGIC = b"%PDF-"
READ_CHUNK = 1 << 16


class DuplicateRequest(RecountError):
    """The candidate already has an open request in the contest: `existing` is it."""

    def __init__(self, existing: RecountRequest) -> None:
        super().__init__(
            f"{existing.candidate} already has an open request in this contest: receipt {existing.receipt_number}, "
            f"filed {in_words(existing.filed_at)}."
        )
        self.existing = existing


@dataclass(frozen=True)
class Letter:
    """A checked PDF upload: the file, its SHA-256 and the name it was uploaded under."""

    file: UploadedFile
    sha256: str
    name: str


def _and_list(items: tuple[str, ...]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def letter_check(upload: UploadedFile, *, what: str = "The signed letter") -> Letter:
    """Accept a PDF by its content (signature and a parse, in a child process with limits: see
    recounts.pdf_inspection), at most `LETTER_MAX_BYTES`, without JavaScript, launch actions or
    attached files; hash it."""
    limit = settings.LETTER_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise RecountError(f"{what} is {upload.size / 1_048_576:.1f} MB; the limit is {limit // 1_048_576} MB.")
    if not upload.size:
        raise RecountError(f"{what} is an empty file.")
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    if head != PDF_MAGIC:
        raise RecountError(f"{what} is not a PDF file (its content does not start as a PDF does).")
    content = head + b"".join(iter(lambda: upload.read(READ_CHUNK), b""))
    upload.seek(0)
    verdict = pdf_inspect(
        content, seconds=settings.PDF_INSPECTION_SECONDS, memory_bytes=settings.PDF_INSPECTION_MEMORY_BYTES
    )
    if verdict.too_complex:
        raise RecountError(
            f"{what} takes too long to read to be checked. Make a plain copy: open it in your PDF viewer, "
            "choose Print and then “Save as PDF” (or “Print to PDF”), and upload that copy; or scan it again."
        )
    if not verdict.readable:
        raise RecountError(f"{what} could not be read as a PDF document; scan or save it again as a PDF.")
    if verdict.active:
        raise RecountError(
            f"{what} contains {_and_list(verdict.active)}, which the desk does not accept. Make a plain copy: "
            "open it in your PDF viewer, choose Print and then “Save as PDF” (or “Print to PDF”), and upload that copy."
        )
    name = re.sub(r"[^\w.\- ]+", "_", upload.name or "letter.pdf")[-255:]
    return Letter(file=upload, sha256=hashlib.sha256(content).hexdigest(), name=name)


@dataclass(frozen=True)
class Signature:
    """The typed signature and who signs: the candidate, or an authorised agent named."""

    name: str
    signatory: Signatory = Signatory.CANDIDATE
    agent_name: str = ""


def _signature_check(signature: Signature, candidate: Candidate) -> Signature:
    name = " ".join(signature.name.split())
    agent = " ".join(signature.agent_name.split())
    if not name:
        raise RecountError("Type the full legal name as the signature.")
    if len(name) > 200 or len(agent) > 200:
        raise RecountError("A name is longer than 200 characters.")
    if signature.signatory == Signatory.AGENT and not agent:
        raise RecountError("Name the authorised agent who signs for the candidate.")
    if signature.signatory == Signatory.CANDIDATE:
        agent = ""
    return Signature(name=name, signatory=Signatory(signature.signatory), agent_name=agent)


def _standing_of(candidate: Candidate) -> tuple[ContestStanding, CandidateStanding]:
    standing = contest_standing(candidate.contest)
    (line,) = [line for line in standing.candidates if line.candidate.pk == candidate.pk]
    return standing, line


def _snapshot(standing: ContestStanding, line: CandidateStanding, taken_at: datetime.datetime) -> dict:
    contest_json = standing_json(standing)
    (own,) = [row for row in contest_json["candidates"] if row["name"] == line.candidate.name]
    return {
        "taken_at": taken_at.isoformat(),
        "time_zone": standing.rule.time_zone,  # the rule's: where its deadline is read
        "candidate": own,
        "contest": contest_json,
    }


_MINOR_WORDS = frozenset({"OF", "THE", "AND", "FOR"})


#: Begins every receipt number of a rehearsal copy, so that none can be taken for a real one.
REHEARSAL_RECEIPT_PREFIX = "REHEARSAL"


def receipt_prefix(contest: Contest) -> str:
    """`2017-ATL-MAYOR`: the election's year, where (the district, else the home county), the office
    (its initials when long: `PSC`), and in a primary the party; in a rehearsal copy, after
    `REHEARSAL` (`REHEARSAL-2017-ATL-MAYOR`)."""

    def words(text: str) -> list[str]:
        return [word.upper() for word in re.findall(r"[A-Za-z0-9]+", text)]

    def place_code(text: str) -> str:
        parts = words(text)
        if not parts:
            return ""
        last = parts[-1]
        if last.isdigit():  # "District 5" → D5, "84" → 84
            return f"{parts[-2][0]}{last}" if len(parts) > 1 else last
        return last[:3]  # "City of Atlanta" → ATL

    def office_code(text: str) -> str:
        parts = words(text)
        joined = "".join(parts)
        if len(joined) <= 12:
            return joined
        return "".join(part[0] if not part.isdigit() else part for part in parts if part not in _MINOR_WORDS)

    place = contest.district or (contest.home_county.name if contest.home_county_id else "")
    parts = [
        REHEARSAL_RECEIPT_PREFIX if contest.election.rehearsal else "",
        str(contest.election.date.year),
        place_code(place),
        office_code(contest.office),
    ]
    if contest.party:
        parts.append(office_code(contest.party)[:8])
    return "-".join(part for part in parts if part)


def _receipt_number(contest: Contest) -> str:
    prefix = receipt_prefix(contest)
    taken = RecountRequest.objects.filter(receipt_number__startswith=f"{prefix}-").values_list(
        "receipt_number", flat=True
    )
    numbers = [int(number.rsplit("-", 1)[1]) for number in taken if number.rsplit("-", 1)[1].isdigit()]
    return f"{prefix}-{max(numbers, default=0) + 1:03d}"


def _authorities(standing: ContestStanding) -> list[RequestAuthority]:
    if standing.route == Route.SECRETARY_OF_STATE:
        return [RequestAuthority(kind=AuthorityKind.SECRETARY_OF_STATE)]
    return [
        RequestAuthority(kind=AuthorityKind.SUPERINTENDENT, jurisdiction=jurisdiction)
        for jurisdiction in superintendents_of(standing)
    ]


def _record(
    *,
    candidate: Candidate,
    by: AbstractBaseUser,
    channel: RequestChannel,
    filed_at: datetime.datetime,
    now: datetime.datetime,
    statement: str,
    signature: Signature,
    letter: Letter | None,
    reason: str,
    action: str,
) -> RecountRequest:
    signature = _signature_check(signature, candidate)
    with transaction.atomic():
        # One filing at a time per contest: the receipt numbers and the one-open-request rule.
        contest = (
            Contest.objects.select_for_update(of=("self",))
            .select_related("election", "home_county")
            .get(pk=candidate.contest_id)
        )
        candidate = Candidate.objects.select_related("contest").get(pk=candidate.pk)
        existing = RecountRequest.objects.filter(candidate=candidate, status__in=OPEN_STATUSES).first()
        if existing is not None:
            raise DuplicateRequest(existing)
        require(by, action, candidate)
        standing, line = _standing_of(candidate)
        if filed_at < standing.certified_at:
            raise RecountError(
                f"The request is dated {in_words(filed_at)}, before the returns were certified "
                f"({in_words(standing.certified_at)}); a request follows certification."
            )
        request = RecountRequest(
            contest=contest,
            candidate=candidate,
            channel=channel,
            filed_by=by,
            filed_at=filed_at,
            recorded_at=now,
            statement=statement.strip(),
            signature=signature.name,
            signatory=signature.signatory,
            agent_name=signature.agent_name,
            receipt_number=_receipt_number(contest),
            route=standing.route,
            snapshot=_snapshot(standing, line, now),
            eligible=line.eligible,
            late=filed_at > standing.filing_deadline,
        )
        if letter is not None:
            request.letter_sha256, request.letter_name = letter.sha256, letter.name
        request._history_user, request._change_reason = by, reason
        _save_new(request, letter)
        authorities = _authorities(standing)
        for authority in authorities:
            authority.request = request
        RequestAuthority.objects.bulk_create(authorities)
        notices.request_filed(request)
    return request


RECEIPT_ATTEMPTS = 3


def _save_new(request: RecountRequest, letter: Letter | None) -> None:
    """Save a new request with its letter's file, or raise `DuplicateRequest` when the candidate's
    open request got in first. Another contest sharing the receipt prefix may take a number at the
    same moment: then the next number is tried.

    If the row cannot be saved, its file is deleted. (Were a later step to roll the whole
    transaction back, an unreferenced file would stay in the private store: harmless, never served.)
    """
    for _ in range(RECEIPT_ATTEMPTS):
        try:
            with transaction.atomic():
                if letter is not None:
                    request.letter.save(request.letter_name, letter.file, save=False)
                request.save()
            return
        except Exception as error:
            if request.letter:
                request.letter.storage.delete(request.letter.name)
                request.letter = None
            if not isinstance(error, IntegrityError):
                raise
            existing = RecountRequest.objects.filter(candidate=request.candidate, status__in=OPEN_STATUSES).first()
            if existing is not None:
                raise DuplicateRequest(existing) from None
            if not RecountRequest.objects.filter(receipt_number=request.receipt_number).exists():
                raise
            request.receipt_number = _receipt_number(request.contest)
    raise RecountError("Other requests were being filed at the same moment; submit again.")


def request_file(
    *,
    candidate: Candidate,
    by: AbstractBaseUser,
    signature: Signature,
    statement: str = "",
    letter: Letter | None = None,
    now: datetime.datetime | None = None,
) -> RecountRequest:
    """The candidate (or their agent, through the candidate's account) files a written request online.

    Filed at the server's clock. Raises `DuplicateRequest` when one is already open, `RecountError`
    when it cannot be recorded (no certification yet, no rule, not the candidate's account).
    """
    now = now or timezone.now()
    return _record(
        candidate=candidate,
        by=by,
        channel=RequestChannel.ONLINE,
        filed_at=now,
        now=now,
        statement=statement,
        signature=signature,
        letter=letter,
        reason="Filed online",
        action="file",
    )


def request_record_received(
    *,
    candidate: Candidate,
    by: AbstractBaseUser,
    channel: RequestChannel,
    received_at: datetime.datetime,
    signature: Signature,
    scan: Letter,
    statement: str = "",
    now: datetime.datetime | None = None,
) -> RecountRequest:
    """Staff of the receiving authority record a request that came on paper or by email.

    `received_at` is when the authority received it (it may be earlier than now, never later); the
    scan of the written request is required. Lateness is judged at `received_at`.
    """
    now = now or timezone.now()
    if channel not in {RequestChannel.PAPER, RequestChannel.EMAIL}:
        raise RecountError("Record a request received on paper or by email.")
    if timezone.is_naive(received_at):
        raise RecountError("Give the time the request was received with its time zone.")
    if received_at > now + CLOCK_SKEW:
        raise RecountError(f"The request cannot have been received in the future ({in_words(received_at)}).")
    return _record(
        candidate=candidate,
        by=by,
        channel=channel,
        filed_at=received_at,
        now=now,
        statement=statement,
        signature=signature,
        letter=scan,
        reason=f"Received {'on paper' if channel == RequestChannel.PAPER else 'by email'}; entered by staff",
        action="record",
    )


def request_withdraw(
    *,
    request: RecountRequest,
    by: AbstractBaseUser,
    signature: Signature,
    attested: bool,
    reason: str = "",
    now: datetime.datetime | None = None,
) -> RecountRequest:
    """The candidate (or their agent, through an account linked to the candidate) withdraws the request
    in writing, until the recount is ordered: the same typed signature and attestation as filing.
    Every account linked to the candidate and the authority's staff are told."""
    now = now or timezone.now()
    if not attested:
        raise RecountError("Attest that you are the candidate, or their authorised agent, to withdraw the request.")
    signature = _signature_check(signature, request.candidate)
    reason = reason.strip()
    with transaction.atomic():
        request = RecountRequest.objects.select_for_update(of=("self",)).select_related("candidate").get(pk=request.pk)
        require(by, "withdraw", request)
        request.withdrawal_reason = reason
        request.withdrawn_at, request.withdrawn_by = now, by
        request.withdrawal_signature = signature.name
        request.withdrawal_signatory, request.withdrawal_agent_name = signature.signatory, signature.agent_name
        case_move(
            subject=request,
            to=RequestStatus.WITHDRAWN,
            by=by,
            reason=f"Withdrawn in writing, signed {signature.name}" + (f": {reason}" if reason else ""),
        )
        notices.request_withdrawn(request)
    return request
