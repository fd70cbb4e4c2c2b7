"""Messages to people: a `Notice` row for every one, then email through Django's tasks framework.

The services call the functions here inside their transaction; each creates its `Notice` rows and
queues one `notice_send` task per notice once the transaction commits (a rolled-back filing sends
nothing). The task backend is the immediate one in development and tests, and `django-tasks-db`'s
database queue with its worker in production (settings `TASKS`). Everyone sees their notices in the
app as well, whatever became of the email.
"""

from collections.abc import Iterable
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.enums import StaffRole
from accounts.roles import SECRETARY_OF_STATE_GROUP
from recounts.anchors import ChainHead, chain_head
from recounts.enums import AuthorityKind, NoticeKind, NoticeStatus, RequestStatus
from recounts.models import Notice, PartyChair, RecountRequest


def _authority_staff(request: RecountRequest) -> list[AbstractBaseUser]:
    """The active staff of every authority the request is addressed to."""
    kinds = {authority.kind for authority in request.authorities.all()}
    jurisdictions = [authority.jurisdiction_id for authority in request.authorities.all() if authority.jurisdiction_id]
    who = Q(memberships__jurisdiction__in=jurisdictions)
    if AuthorityKind.SECRETARY_OF_STATE in kinds:
        who |= Q(groups__name=SECRETARY_OF_STATE_GROUP)
    return list(get_user_model().objects.filter(who, is_active=True).distinct().order_by("username"))


def _candidate_accounts(request: RecountRequest) -> list[AbstractBaseUser]:
    return list(request.candidate.accounts.filter(is_active=True).order_by("username"))


def _rendered(kind: NoticeKind, context: dict) -> tuple[str, str]:
    """Subject and body from `recounts/notices/<kind>.txt` (first line: subject)."""
    text = render_to_string(f"recounts/notices/{kind}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip()[:200], body.strip()


def _with_head(body: str, head: ChainHead | None) -> str:
    """A decision's notice ends with the audit chain's head as of the decision (`recounts.anchors`)."""
    if head is None:
        return body
    return (
        f"{body}\n\nAudit chain head as of this decision: {head}. Keep this notice: the desk's audit check "
        "(verify_audit --head) shows from it whether its records were rewritten since."
    )


def _create(
    kind: NoticeKind,
    recipients: Iterable[AbstractBaseUser],
    context: dict,
    request: RecountRequest | None = None,
    *,
    head: ChainHead | None = None,
) -> list[Notice]:
    """One notice per recipient, rendered from its kind's template (ending with `head` when given)."""
    now = timezone.now()
    created = []
    for recipient in recipients:
        subject, body = _rendered(kind, context | {"recipient": recipient})
        body = _with_head(body, head)
        notice = Notice.objects.create(
            kind=kind,
            recipient=recipient,
            email=recipient.email,
            subject=subject,
            body=body,
            request=request,
            created_at=now,
            status=NoticeStatus.QUEUED if recipient.email else NoticeStatus.FAILED,
            error="" if recipient.email else "The account has no email address; shown in the app only.",
        )
        if recipient.email:
            transaction.on_commit(partial(notice_send.enqueue, notice.pk))
        created.append(notice)
    return created


def request_filed(request: RecountRequest) -> list[Notice]:
    """The receipt to the candidate's accounts, and the new request to the authority's staff."""
    context = {"request": request}
    return _create(NoticeKind.REQUEST_RECEIPT, _candidate_accounts(request), context, request) + _create(
        NoticeKind.REQUEST_RECEIVED, _authority_staff(request), context, request
    )


def request_withdrawn(request: RecountRequest) -> list[Notice]:
    """The withdrawal, to the authority's staff and the candidate's accounts."""
    recipients = {user.pk: user for user in _authority_staff(request) + _candidate_accounts(request)}
    return _create(NoticeKind.REQUEST_WITHDRAWN, recipients.values(), {"request": request}, request)


def request_denied(request: RecountRequest) -> list[Notice]:
    """The denial and its reason, to the candidate's accounts and the authority's staff."""
    recipients = {user.pk: user for user in _candidate_accounts(request) + _authority_staff(request)}
    return _create(NoticeKind.REQUEST_DENIED, recipients.values(), {"request": request}, request, head=chain_head())


def _contest_candidates_accounts(request: RecountRequest) -> list[AbstractBaseUser]:
    return list(
        get_user_model()
        .objects.filter(candidacies__contest=request.contest, is_active=True)
        .distinct()
        .order_by("username")
    )


def recount_ordered(county_recount) -> list[Notice]:
    """A superintendent's order: to the other authorities' staff, and the written notice of the count
    to every candidate in the contest and every party's chair."""
    request = county_recount.request
    context = {"request": request, "county_recount": county_recount}
    return _create(
        NoticeKind.RECOUNT_ORDERED, _authority_staff(request), context, request, head=chain_head()
    ) + count_notice(county_recount)


def recount_directed(request: RecountRequest, county_recounts: list) -> list[Notice]:
    """The Secretary of State's directive: to each county's superintendent staff and the candidates."""
    counties = [county_recount.county_id for county_recount in county_recounts]
    staff = list(
        get_user_model()
        .objects.filter(memberships__jurisdiction__in=counties, is_active=True)
        .distinct()
        .order_by("username")
    )
    recipients = {user.pk: user for user in staff + _contest_candidates_accounts(request)}
    context = {"request": request, "county_recounts": county_recounts}
    return _create(NoticeKind.RECOUNT_DIRECTED, recipients.values(), context, request, head=chain_head())


def count_notice(county_recount) -> list[Notice]:
    """The written notice before counting (place and time) to each candidate and each party chair."""
    request = county_recount.request
    context = {"request": request, "county_recount": county_recount}
    notices = _create(NoticeKind.COUNT_NOTICE, _contest_candidates_accounts(request), context, request)
    parties = set(request.contest.candidates.exclude(party="").values_list("party", flat=True))
    for chair in PartyChair.objects.filter(state=request.contest.election.state, party__in=parties).order_by("party"):
        if chair.user_id is not None:
            notices += _create(NoticeKind.COUNT_NOTICE, [chair.user], context | {"chair": chair}, request)
        elif chair.email:
            notices.append(_to_address(NoticeKind.COUNT_NOTICE, chair.email, context | {"chair": chair}, request))
    return notices


def case_finished(request: RecountRequest) -> list[Notice]:
    """Confirmed or recertified, to the candidates and the authority's staff; a change of outcome, or
    declarations an official must review, is told as such, in its own notice."""
    recipients = {user.pk: user for user in _contest_candidates_accounts(request) + _authority_staff(request)}
    kind = NoticeKind.CASE_RECERTIFIED if request.status == RequestStatus.RECERTIFIED else NoticeKind.CASE_CONFIRMED
    sent = _create(kind, recipients.values(), {"request": request}, request, head=chain_head())
    if request.declarations_kept:
        sent += _create(NoticeKind.DECLARATIONS_TO_REVIEW, recipients.values(), {"request": request}, request)
    elif request.outcome_changed:
        sent += _create(NoticeKind.OUTCOME_CHANGED, recipients.values(), {"request": request}, request)
    return sent


def _to_address(kind: NoticeKind, email: str, context: dict, request: RecountRequest | None) -> Notice:
    """A notice to an address with no account behind it (a party chair's, an account's former one)."""
    subject, body = _rendered(kind, {"recipient": None} | context)
    notice = Notice.objects.create(
        kind=kind,
        email=email,
        subject=subject,
        body=body,
        request=request,
        created_at=timezone.now(),
    )
    transaction.on_commit(partial(notice_send.enqueue, notice.pk))
    return notice


def candidate_invited(*, user: AbstractBaseUser, candidates: list, link: str, by: AbstractBaseUser) -> Notice:
    """The invitation with its one-time link to set a password."""
    (notice,) = _create(
        NoticeKind.CANDIDATE_INVITATION, [user], {"candidates": candidates, "link": link, "invited_by": by}
    )
    return notice


def account_linked(*, candidate, account: AbstractBaseUser, by: AbstractBaseUser, recipients: list) -> list[Notice]:
    """Another account was linked to the candidate: told to the candidate's other accounts."""
    context = {"candidate": candidate, "account": account, "linked_by": by}
    return _create(NoticeKind.ACCOUNT_LINKED, recipients, context)


def address_of_record_changed(*, candidate, old: str, by: AbstractBaseUser) -> list[Notice]:
    """A candidate's address of record changed (where accounts are linked from now on): told to the
    accounts linked to the candidate and to the old address."""
    context = {"candidate": candidate, "old": old, "changed_by": by}
    sent = _create(NoticeKind.ADDRESS_OF_RECORD_CHANGED, candidate.accounts.filter(is_active=True), context)
    if old and old.lower() not in {notice.email.lower() for notice in sent}:
        sent.append(_to_address(NoticeKind.ADDRESS_OF_RECORD_CHANGED, old, context, None))
    return sent


def staff_changed(*, jurisdiction, change: str, by: AbstractBaseUser | None, also: list) -> list[Notice]:
    """A change of the office's staff or superintendent, told to its superintendent and to `also` (the
    superintendent before, when the change appoints another)."""
    superintendents = list(
        get_user_model()
        .objects.filter(
            memberships__jurisdiction=jurisdiction, memberships__role=StaffRole.SUPERINTENDENT, is_active=True
        )
        .order_by("username")
    )
    recipients = {user.pk: user for user in [*superintendents, *also]}
    context = {"jurisdiction": jurisdiction, "change": change, "by": by, "at": timezone.now()}
    return _create(NoticeKind.STAFF_CHANGED, recipients.values(), context)


def sign_in_changed(
    *, user: AbstractBaseUser, change: str, by: AbstractBaseUser | None = None, also_to: str = ""
) -> list[Notice]:
    """Tells the account holder that how the account signs in changed (and who changed it, if not them):
    a password, two-factor sign-in turned on or off, new recovery codes, a reset by an administrator, an
    email address (`also_to`: the former address, told too)."""
    context = {"change": change, "by": by, "at": timezone.now()}
    sent = _create(NoticeKind.SIGN_IN_CHANGED, [user], context)
    if also_to and also_to.lower() != user.email.lower():
        sent.append(_to_address(NoticeKind.SIGN_IN_CHANGED, also_to, context | {"recipient": user}, None))
    return sent


def latest_sign_in_change(user: AbstractBaseUser) -> int | None:
    """The id of the latest notice of a change to how the account signs in (None before the first)."""
    return (
        Notice.objects.filter(recipient=user, kind=NoticeKind.SIGN_IN_CHANGED)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )


def two_factor_link(*, user: AbstractBaseUser, link: str) -> Notice:
    """The one-time link to set up a first second factor."""
    (notice,) = _create(NoticeKind.TWO_FACTOR_LINK, [user], {"link": link})
    return notice


@task()
def notice_send(notice_id: int) -> str:
    """Email one notice; record whether it went. Runs once per notice, after the commit that made it."""
    notice = Notice.objects.select_related("recipient").get(pk=notice_id)
    if notice.status == NoticeStatus.SENT:
        return notice.status
    try:
        send_mail(notice.subject, notice.body, None, [notice.email])
    except Exception as error:
        delivery = {"status": NoticeStatus.FAILED, "error": f"{type(error).__name__}: {error}"[:2000]}
    else:
        delivery = {"status": NoticeStatus.SENT, "sent_at": timezone.now(), "error": ""}
    # Delivery is not part of what the notice said (the audit trail leaves it out): written on its own.
    Notice.objects.filter(pk=notice.pk).update(**delivery)
    return delivery["status"]
