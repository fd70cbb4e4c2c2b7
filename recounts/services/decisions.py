"""The receiving authority's decision: deny the request, or grant it by ordering the recount (each
superintendent, in their county) or directing it (the Secretary of State, in every county); and,
on the Secretary of State's route, each county's place and time of the count."""

import datetime
from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from elections.enums import VoteType
from elections.instants import in_words
from elections.models import Result
from elections.services import save_with_history
from recounts import anchors, notices
from recounts.enums import AuthorityKind, DenialReason, RequestStatus, TallyLine
from recounts.models import CountyRecount, RecountRequest, RecountTally, RequestAuthority
from recounts.services.cases import RecountError, case_move, require


def locked_case(request: RecountRequest) -> RecountRequest:
    """The case, its row locked until the transaction ends (one step at a time per case)."""
    return (
        RecountRequest.objects.select_for_update(of=("self",))
        .select_related("contest__election", "contest__home_county", "candidate")
        .get(pk=request.pk)
    )


def request_deny(
    *,
    request: RecountRequest,
    by: AbstractBaseUser,
    reason: DenialReason,
    ruling: str = "",
    now: datetime.datetime | None = None,
) -> RecountRequest:
    """The receiving authority denies the request for a statutory reason. A late request is denied
    only with the authority's ruling written out."""
    now = now or timezone.now()
    ruling = ruling.strip()
    if reason == DenialReason.LATE and not ruling:
        raise RecountError("Write the ruling: a request denied as late is denied by the authority's ruling.")
    with transaction.atomic():
        request = locked_case(request)
        require(by, "deny", request)
        request.decided_at, request.decided_by = now, by
        request.denial_reason, request.ruling = DenialReason(reason), ruling
        case_move(subject=request, to=RequestStatus.DENIED, by=by, reason=f"Denied: {DenialReason(reason).label}")
        notices.request_denied(request)
        anchors.anchor(event=f"Request {request.receipt_number} denied", now=now)
    return request


def ruling_needed(request: RecountRequest) -> str:
    """Why granting the request needs the authority's written ruling (“late”, “not eligible on the
    certified returns”, or both), or "" when it does not (or it can no longer be granted)."""
    if request.status != RequestStatus.FILED:
        return ""
    problems = (
        ("late", request.late),
        ("not eligible on the certified returns", not request.eligible),
    )
    return " and ".join(problem for problem, applies in problems if applies)


def _needs_ruling(request: RecountRequest, ruling: str) -> None:
    needed = ruling_needed(request)
    if needed and not ruling:
        raise RecountError(f"The request is {needed}: write the ruling that grants it nevertheless, or deny it.")


def _prepare_tallies(county_recount: CountyRecount, *, by: AbstractBaseUser) -> None:
    """The worksheet's lines: each candidate's certified votes in the county, by vote type (the types
    the returns give, or one line "not broken down by type")."""
    contest = county_recount.request.contest
    figures: dict[int, dict[VoteType, int]] = defaultdict(dict)
    for result in Result.objects.filter(candidate__contest=contest, county=county_recount.county):
        for vote_type, votes in result.by_type().items():
            figures[result.candidate_id][vote_type] = figures[result.candidate_id].get(vote_type, 0) + votes
    types = [vote_type for vote_type in VoteType if any(vote_type in by_type for by_type in figures.values())]
    bulk_create_with_history(
        [
            RecountTally(
                county_recount=county_recount,
                candidate=candidate,
                vote_type=vote_type,
                line=TallyLine.RETURNS,
                original=figures[candidate.pk].get(vote_type, 0),
            )
            for candidate in contest.candidates.order_by("ballot_order", "name")
            for vote_type in types
        ],
        RecountTally,
        default_user=by,
        default_change_reason="The certified returns, to be recounted",
    )


def _new_county_recount(
    request: RecountRequest,
    county,
    *,
    by: AbstractBaseUser,
    now: datetime.datetime,
    count_place: str = "",
    count_starts_at: datetime.datetime | None = None,
    finish_by: datetime.datetime | None = None,
    reason: str,
) -> CountyRecount:
    county_recount = CountyRecount(
        request=request,
        county=county,
        ordered_at=now,
        ordered_by=by,
        count_place=count_place.strip(),
        count_starts_at=count_starts_at,
        finish_by=finish_by,
    )
    save_with_history(county_recount, by=by, reason=reason)
    _prepare_tallies(county_recount, by=by)
    return county_recount


def recount_order(
    *,
    request: RecountRequest,
    county,
    by: AbstractBaseUser,
    count_place: str,
    count_starts_at: datetime.datetime,
    finish_by: datetime.datetime | None = None,
    ruling: str = "",
    now: datetime.datetime | None = None,
) -> CountyRecount:
    """A superintendent orders the recount in their county (superintendent route). For a local office
    voted in several counties, each county's superintendent orders and runs their part; the first
    order moves the case to ordered. The written notice of the count's place and time goes to each
    candidate and each party's chair."""
    now = now or timezone.now()
    ruling = ruling.strip()
    if not count_place.strip():
        raise RecountError("Say where the ballots will be counted: the notice to candidates and parties gives it.")
    if timezone.is_naive(count_starts_at):
        raise RecountError("Give the time the count starts with its time zone.")
    if finish_by is not None and (timezone.is_naive(finish_by) or finish_by <= count_starts_at):
        raise RecountError("The recount must finish after the count starts (give the time with its time zone).")
    with transaction.atomic():
        request = locked_case(request)
        authority = (
            RequestAuthority.objects.filter(request=request, jurisdiction=county).select_related("jurisdiction").first()
            or RequestAuthority.objects.filter(request=request, kind=AuthorityKind.SECRETARY_OF_STATE).first()
        )
        if authority is None:
            raise RecountError(f"The request is not addressed to the superintendent of {county}.")
        authority.request = request
        require(by, "order", authority)
        if request.status == RequestStatus.FILED:
            _needs_ruling(request, ruling)
            request.decided_at, request.decided_by, request.ruling = now, by, ruling
            case_move(subject=request, to=RequestStatus.ORDERED, by=by, reason=f"Recount ordered in {county}")
        county_recount = _new_county_recount(
            request,
            county,
            by=by,
            now=now,
            count_place=count_place,
            count_starts_at=count_starts_at,
            finish_by=finish_by,
            reason=f"Recount ordered by the superintendent of {county}",
        )
        notices.recount_ordered(county_recount)
        anchors.anchor(event=f"Request {request.receipt_number}: recount ordered in {county}", now=now)
    return county_recount


def recount_direct(
    *,
    request: RecountRequest,
    by: AbstractBaseUser,
    window_starts_at: datetime.datetime,
    finish_by: datetime.datetime,
    ruling: str = "",
    now: datetime.datetime | None = None,
) -> list[CountyRecount]:
    """The Secretary of State directs the recount (its route): one county recount for every county
    where the office was voted, within the statewide window; each superintendent is notified and
    sets the place and time of their count (`county_count_schedule`)."""
    now = now or timezone.now()
    ruling = ruling.strip()
    if timezone.is_naive(window_starts_at) or timezone.is_naive(finish_by):
        raise RecountError("Give the window's start and end with their time zone.")
    if finish_by <= window_starts_at:
        raise RecountError("The recount must finish after it starts.")
    with transaction.atomic():
        request = locked_case(request)
        require(by, "direct", request)
        _needs_ruling(request, ruling)
        request.decided_at, request.decided_by, request.ruling = now, by, ruling
        request.window_starts_at, request.finish_by = window_starts_at, finish_by
        case_move(subject=request, to=RequestStatus.ORDERED, by=by, reason="Recount directed by the Secretary of State")
        county_recounts = [
            _new_county_recount(
                request,
                county,
                by=by,
                now=now,
                count_starts_at=window_starts_at,
                finish_by=finish_by,
                reason="Recount directed by the Secretary of State",
            )
            for county in request.contest.counties.order_by("name")
        ]
        notices.recount_directed(request, county_recounts)
        anchors.anchor(event=f"Request {request.receipt_number}: recount directed by the Secretary of State", now=now)
    return county_recounts


def locked_county_recount(county_recount: CountyRecount) -> CountyRecount:
    """The county's part, its row and its case's locked until the transaction ends."""
    county_recount = (
        CountyRecount.objects.select_for_update(of=("self",)).select_related("county").get(pk=county_recount.pk)
    )
    county_recount.request = locked_case(county_recount.request)
    return county_recount


def county_count_schedule(
    *, county_recount: CountyRecount, by: AbstractBaseUser, count_place: str, count_starts_at: datetime.datetime
) -> CountyRecount:
    """The superintendent sets where and when their county counts (on the Secretary of State's route,
    within the directive's window), or changes it before counting begins; the written notice goes to
    each candidate and party chair."""
    if not count_place.strip():
        raise RecountError("Say where the ballots will be counted.")
    if timezone.is_naive(count_starts_at):
        raise RecountError("Give the time the count starts with its time zone.")
    with transaction.atomic():
        county_recount = locked_county_recount(county_recount)
        require(by, "schedule", county_recount)
        request = county_recount.request
        if (
            request.window_starts_at
            and request.finish_by
            and not (request.window_starts_at <= count_starts_at < request.finish_by)
        ):
            raise RecountError(
                "The count must start within the Secretary of State's window, from "
                f"{in_words(request.window_starts_at)} to {in_words(request.finish_by)}."
            )
        county_recount.count_place, county_recount.count_starts_at = count_place.strip(), count_starts_at
        save_with_history(county_recount, by=by, reason="Place and time of the count set")
        notices.count_notice(county_recount)
    return county_recount
