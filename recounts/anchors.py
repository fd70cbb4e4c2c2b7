"""The head of the audit chain, kept outside the database, so a truncated or rebuilt chain shows.

`recounts.audit` chains every history row and notice; anyone able to write to the database could
still delete the chain's last links with their rows, or edit an old row and compute every hash again.
Neither shows from inside the database. So at each certification, recertification and case decision
the head as of that action (its link's position and chain hash) leaves it three ways:

- `anchor` appends one JSON line to the anchor file (settings `RECOUNT_AUDIT_ANCHOR_FILE`, by default
  `audit-anchors.jsonl` in the private files' directory) once the transaction commits: opened with
  `O_APPEND`, flushed and fsynced. The action stands if the file cannot be written; the failure is
  logged at error level and kept as an `AuditAnchorFailure`, which `verify_audit` reports.
- the notices of decisions and of a case's end say it (`recounts.notices`);
- the case's documents print it at their foot (`recounts.documents`).

`anchors_verify` (`manage.py verify_audit --anchors FILE --head HASH`) checks each such head is still
the hash of the link at its position: a missing position is a deleted tail, a different hash a
rebuilt chain.
"""

import datetime
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from recounts.models import AuditAnchorFailure, AuditLink

logger = logging.getLogger(__name__)

DEFAULT_FILE_NAME = "audit-anchors.jsonl"


@dataclass(frozen=True)
class ChainHead:
    """A link's position in the chain and its chain hash: the head of the chain as it stood then."""

    link: int
    sha256: str

    def __str__(self) -> str:
        return f"{self.sha256} (link {self.link})"


def chain_head() -> ChainHead | None:
    """The chain's last link now (None before the first). Inside a transaction that appended, its own."""
    last = AuditLink.objects.order_by("-sequence").values_list("sequence", "chain_sha256").first()
    return ChainHead(*last) if last else None


def head_of_record(record: Model | None) -> ChainHead | None:
    """The chain as it stood when this row (a history row or a notice) was written: its own link."""
    if record is None:
        return None
    found = (
        AuditLink.objects.filter(label=record._meta.label, object_id=record.pk)
        .values_list("sequence", "chain_sha256")
        .first()
    )
    return ChainHead(*found) if found else None


def anchor_file() -> Path:
    """Where anchors are appended: the setting, or a file in the private files' directory."""
    configured = settings.RECOUNT_AUDIT_ANCHOR_FILE
    return Path(configured) if configured else Path(settings.PRIVATE_FILES_ROOT) / DEFAULT_FILE_NAME


def _write(line: str, path: Path) -> None:
    if not settings.RECOUNT_AUDIT_ANCHOR_FILE:
        path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(descriptor, "a", encoding="utf-8") as file:
        file.write(line + "\n")
        file.flush()
        os.fsync(file.fileno())


def _append(head: ChainHead, event: str, at: datetime.datetime) -> None:
    """Append the anchor; on failure, say so loudly and keep the failure where `verify_audit` reads it."""
    path = anchor_file()
    line = json.dumps({"at": at.isoformat(), "link": head.link, "head": head.sha256, "event": event})
    try:
        _write(line, path)
    except OSError as error:
        logger.error("Audit anchor not written to %s: %s (%s at link %s)", path, error, event, head.link)
        AuditAnchorFailure.objects.create(
            at=at, link=head.link, head=head.sha256, event=event, error=f"{path}: {error}"[:1000]
        )


def anchor(*, event: str, now: datetime.datetime | None = None) -> ChainHead | None:
    """Anchor the chain's head as it stands at the end of this action (“certification of Fulton County
    version 2”): appended to the anchor file once the transaction commits, nothing if it rolls back.
    Call it last in the service's transaction."""
    head = chain_head()
    if head is not None:
        transaction.on_commit(partial(_append, head, event, now or timezone.now()))
    return head


# -- Verification --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchored:
    """A head kept outside the database: where it was read from, and when it was anchored."""

    where: str
    sha256: str
    link: int | None = None
    at: str = ""
    event: str = ""


def anchors_read(path: Path) -> tuple[list[Anchored], list[str]]:
    """The anchors of an anchor file, and a problem for each line that is not one."""
    anchored, problems = [], []
    with open(path, encoding="utf-8") as file:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                continue
            try:
                line = json.loads(text)
                anchored.append(
                    Anchored(
                        where=f"{path.name} line {number}",
                        sha256=str(line["head"]),
                        link=int(line["link"]),
                        at=str(line["at"]),
                        event=str(line.get("event", "")),
                    )
                )
            except (ValueError, KeyError, TypeError):
                problems.append(f"{path.name} line {number}: not an anchor (the file was damaged or edited)")
    return anchored, problems


def anchors_verify(anchored: Iterable[Anchored]) -> list[str]:
    """What does not hold: each head that is no longer the hash of the link at its position (or, for a
    head without one, of any link). Read the chain itself with `audit.trail_verify` first: these
    compare against the chain hashes it recomputed."""
    anchored = list(anchored)
    positions = {item.link for item in anchored if item.link is not None}
    hashes = {item.sha256 for item in anchored if item.link is None}
    by_position = dict(AuditLink.objects.filter(sequence__in=positions).values_list("sequence", "chain_sha256"))
    found = set(AuditLink.objects.filter(chain_sha256__in=hashes).values_list("chain_sha256", flat=True))
    last = AuditLink.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    problems = []
    for item in anchored:
        what = f"{item.where}" + (f" ({item.event}, {item.at})" if item.at else "")
        if item.link is None:
            if item.sha256 not in found:
                problems.append(f"{what}: head {item.sha256} is not in the chain (truncated or rebuilt)")
        elif item.link not in by_position:
            problems.append(
                f"{what}: link {item.link} is missing; the chain ends at link {last} (its tail was deleted)"
            )
        elif by_position[item.link] != item.sha256:
            problems.append(
                f"{what}: link {item.link} hashes to {by_position[item.link]} now, not {item.sha256} "
                "(the chain was rebuilt)"
            )
    return problems


def failures_recorded() -> list[str]:
    """The anchors the desk could not write, as `verify_audit` reports them."""
    return [
        f"anchor not written: {failure.event}, {failure.at.isoformat()}, head {failure.head} (link {failure.link}): "
        f"{failure.error}"
        for failure in AuditAnchorFailure.objects.order_by("pk")
    ]
