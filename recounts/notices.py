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

from elections.models import SECRETARY_OF_STATE_GROUP
from recounts.enums import AuthorityKind, NoticeKind, NoticeStatus
from recounts.models import Notice, RecountRequest


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


def _create(
    kind: NoticeKind, recipients: Iterable[AbstractBaseUser], context: dict, request: RecountRequest | None = None
) -> list[Notice]:
    """One notice per recipient, rendered from `recounts/notices/<kind>.txt` (first line: subject)."""
    now = timezone.now()
    created = []
    for recipient in recipients:
        text = render_to_string(f"recounts/notices/{kind}.txt", context | {"recipient": recipient}).strip()
        subject, _, body = text.partition("\n")
        notice = Notice.objects.create(
            kind=kind,
            recipient=recipient,
            email=recipient.email,
            subject=subject.strip()[:200],
            body=body.strip(),
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


def candidate_invited(*, user: AbstractBaseUser, candidates: list, link: str, by: AbstractBaseUser) -> Notice:
    """The invitation with its one-time link to set a password."""
    (notice,) = _create(
        NoticeKind.CANDIDATE_INVITATION, [user], {"candidates": candidates, "link": link, "invited_by": by}
    )
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
        notice.status, notice.error = NoticeStatus.FAILED, f"{type(error).__name__}: {error}"[:2000]
    else:
        notice.status, notice.sent_at, notice.error = NoticeStatus.SENT, timezone.now(), ""
    notice.save(update_fields=["status", "sent_at", "error"])
    return notice.status
