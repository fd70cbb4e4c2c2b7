"""The tamper-evident audit trail: every history row and every notice, chained by SHA-256.

Each audited row gets one `AuditLink`, appended in the transaction that writes the row: the hash of
the row's content as the database holds it, and a chain hash over the previous link's chain hash,
that content hash, the row's model and id, and the link's sequence number. A row changed, deleted or
slipped in behind the application's back then shows in `trail_verify` (`manage.py verify_audit`).

Rows saved one by one are linked from simple-history's `post_create_historical_record` and
`post_create_historical_m2m_records` signals, notices from `post_save`, and an import's `ImportBatch`
from `post_save` when the importer saves the hash of the result lines it wrote (`results_sha256`).
The bulk writers send no signal, and every one of them (the importer, `bulk_create_with_history`,
`bulk_update_with_history`) goes through `HistoryManager.bulk_history_create`, which `connect` wraps
to link what it returns.
A writer of m2m history rows in bulk (the importer's contest counties) sends simple-history's own
`post_create_historical_m2m_records` for them; any other history row must be passed to
`link_history` by its writer. `trail_verify` names any row left without a link.

A notice's delivery (status, sent_at, error) changes after it is written, by design: its hash
covers what was said, to whom and when, not whether the email went.

The chain proves the history; `records_verify` proves the live tables against it. Each row of a table
of legal records (`RECORD_MODELS`: results, certifications, requests, county recounts, tallies,
memberships) must equal its latest history row, column for column; a result imported without one is
covered instead by its batch's hash, recomputed from its lines as they stand (a line corrected since,
by its first history row: the line as imported). A change made behind the application's back is named
by table, row and column; an imported line changed, added or deleted, by its batch.

Anyone able to write to the database could rebuild the whole chain. The head hash `trail_verify`
reports, kept elsewhere (a log, a signed email), is what shows that it was not.
"""

import datetime
import hashlib
import heapq
import itertools
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, wraps
from operator import itemgetter

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.db.models.signals import post_save
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalChanges
from simple_history.signals import post_create_historical_m2m_records, post_create_historical_record

from elections.importers.returns import RESULT_LINE_FIELDS, result_lines_sha256
from elections.models import ImportBatch, Result
from recounts.models import AuditLink, Notice

GENESIS = "0" * 64
CHUNK_SIZE = 2_000
# Any constant: the key of PostgreSQL's transaction-level advisory lock that serializes appends.
CHAIN_LOCK_KEY = 0x61756469745F7472  # "audit_tr"
NOTICE_DELIVERY_FIELDS = frozenset({"status", "sent_at", "error"})
#: The tables whose rows are legal records: each live row is checked against its latest history row.
RECORD_MODELS = (
    "elections.Result",
    "elections.Certification",
    "recounts.RecountRequest",
    "recounts.CountyRecount",
    "recounts.RecountTally",
    "accounts.StaffMembership",
)


#: A model that moved to another app keeps the label its earlier links were written with: the chain
#: hashes the label, so the links stay as they are and the old label reads as the model's other name.
MOVED = {"elections.HistoricalStaffMembership": "accounts.HistoricalStaffMembership"}


@cache
def audited_models() -> dict[str, type[models.Model]]:
    """Every simple-history model (m2m history included), `Notice` and `ImportBatch`, by label."""
    audited = [model for model in apps.get_models() if issubclass(model, HistoricalChanges)] + [Notice, ImportBatch]
    return {model._meta.label: model for model in sorted(audited, key=lambda model: model._meta.label)}


def model_of(label: str) -> type[models.Model] | None:
    """The audited model a link's label names (by its label now, or the one before it moved)."""
    return audited_models().get(MOVED.get(label, label))


def labels_of(label: str) -> list[str]:
    """Every label the links of a model may carry: its own, and those from before it moved."""
    return [label, *(old for old, new in MOVED.items() if new == label)]


@cache
def content_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The columns a row's hash covers: all of them, less a notice's delivery."""
    skipped = NOTICE_DELIVERY_FIELDS if model is Notice else frozenset()
    return tuple(field.attname for field in model._meta.concrete_fields if field.name not in skipped)


def _plain(value: object) -> object:
    """A column's value as JSON can hold it, the same whichever database it was read from."""
    if isinstance(value, datetime.datetime):
        return (value.astimezone(datetime.UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def content_hash(row: dict) -> str:
    """SHA-256 of the row's canonical JSON: sorted keys, datetimes in UTC ISO, Decimals as text, FKs as ids."""
    text = json.dumps({name: _plain(value) for name, value in row.items()}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def chain_hash(*, previous: str, content: str, label: str, object_id: int, sequence: int) -> str:
    return hashlib.sha256(f"{previous}|{content}|{label}|{object_id}|{sequence}".encode()).hexdigest()


def _content_hashes(model: type[models.Model], ids: Iterable[int]) -> dict[int, str]:
    """The content hash of each of these rows that exists, read in one query."""
    fields = content_fields(model)
    pk = model._meta.pk.attname
    rows = model._base_manager.filter(pk__in=list(ids)).values(*fields)
    return {row[pk]: content_hash(row) for row in rows}


def _lock_chain() -> None:
    """Hold the end of the chain until this transaction ends; SQLite serializes writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def _append(model: type[models.Model], ids: list[int]) -> list[AuditLink]:
    """Link these rows of one model, in id order, after the chain's last link. Call in a transaction."""
    label = model._meta.label
    contents = _content_hashes(model, ids)
    _lock_chain()
    head = AuditLink.objects.order_by("-sequence").values_list("sequence", "chain_sha256").first()
    sequence, previous = head or (0, GENESIS)
    links = []
    for object_id in sorted(ids):
        sequence += 1
        content = contents[object_id]
        link = AuditLink(
            sequence=sequence,
            label=label,
            object_id=object_id,
            content_sha256=content,
            previous_sha256=previous,
            chain_sha256=chain_hash(
                previous=previous, content=content, label=label, object_id=object_id, sequence=sequence
            ),
        )
        links.append(link)
        previous = link.chain_sha256
    return AuditLink.objects.bulk_create(links)


def link_history(records: Iterable[models.Model]) -> list[AuditLink]:
    """Link rows just written (history rows or notices, saved, with their ids) into the trail.

    For a writer that creates history rows without simple-history's signals or `bulk_history_create`;
    call it in the transaction that wrote them.
    """
    by_model: dict[type[models.Model], list[int]] = {}
    for record in records:
        by_model.setdefault(type(record), []).append(record.pk)
    links = []
    with transaction.atomic(savepoint=False):
        for model, ids in by_model.items():
            links += _append(model, ids)
    return links


def _history_created(sender, history_instance: models.Model, **kwargs) -> None:
    link_history([history_instance])


def _m2m_history_created(sender, created_rows: list[models.Model], **kwargs) -> None:
    if created_rows:
        link_history(created_rows)


def _notice_saved(sender, instance: Notice, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        link_history([instance])


def _batch_saved(sender, instance: ImportBatch, created: bool, raw: bool = False, update_fields=None, **kwargs) -> None:
    """An import's batch is linked once the hash of its lines is saved (the importer's last save of it)."""
    if not raw and instance.results_sha256 and (created or "results_sha256" in (update_fields or ())):
        link_history([instance])


def _linking(bulk_history_create):
    @wraps(bulk_history_create)
    def linked(self, objs, *args, **kwargs):
        with transaction.atomic(savepoint=False):
            records = bulk_history_create(self, objs, *args, **kwargs)
            if records:
                link_history(record for record in records if record.pk is not None)
        return records

    linked.links_audit_trail = True
    return linked


def connect() -> None:
    """Link every history row and notice as it is written (called once, from the app's `ready`)."""
    post_create_historical_record.connect(_history_created, dispatch_uid="audit_history_created")
    post_create_historical_m2m_records.connect(_m2m_history_created, dispatch_uid="audit_m2m_history_created")
    post_save.connect(_notice_saved, sender=Notice, dispatch_uid="audit_notice_saved")
    post_save.connect(_batch_saved, sender=ImportBatch, dispatch_uid="audit_batch_saved")
    if not getattr(HistoryManager.bulk_history_create, "links_audit_trail", False):
        HistoryManager.bulk_history_create = _linking(HistoryManager.bulk_history_create)


# -- Verification --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    """The first place where the database and the trail disagree."""

    label: str
    object_id: int
    problem: str
    sequence: int | None = None

    def __str__(self) -> str:
        where = f"Link {self.sequence}: " if self.sequence is not None else ""
        return f"{where}{self.label} {self.object_id}: {self.problem}"


@dataclass(frozen=True)
class TrailReport:
    entries: int
    head: str
    mismatch: Mismatch | None = None


def _links(chunk_size: int) -> Iterator[list[AuditLink]]:
    """The links in sequence order, a chunk at a time (by sequence ranges, never OFFSET)."""
    after = 0
    while chunk := list(AuditLink.objects.filter(sequence__gt=after).order_by("sequence")[:chunk_size]):
        yield chunk
        after = chunk[-1].sequence


def _check_chunk(links: list[AuditLink], previous: str) -> tuple[str, int, Mismatch | None]:
    """Check a chunk of links after `previous`: the last good chain hash, how many links were good,
    and the first mismatch if any."""
    wanted: dict[str, list[int]] = {}
    for link in links:
        wanted.setdefault(link.label, []).append(link.object_id)
    contents = {
        label: _content_hashes(model_of(label), ids) if model_of(label) is not None else {}
        for label, ids in wanted.items()
    }
    for good, link in enumerate(links):
        found = contents[link.label].get(link.object_id)
        expected = chain_hash(
            previous=previous,
            content=link.content_sha256,
            label=link.label,
            object_id=link.object_id,
            sequence=link.sequence,
        )
        problem = None
        if link.previous_sha256 != previous or link.chain_sha256 != expected:
            problem = "chain broken (a link before it was removed, inserted or rewritten)"
        elif found is None:
            problem = "row missing (deleted from the database)"
        elif found != link.content_sha256:
            problem = "content changed since it was written"
        if problem:
            return previous, good, Mismatch(link.label, link.object_id, problem, link.sequence)
        previous = link.chain_sha256
    return previous, len(links), None


def _first_unlinked() -> Mismatch | None:
    """The first audited row (by model, then id) that has no link: one anti-join per model."""
    for label, model in audited_models().items():
        pk = model._meta.pk.attname
        linked = AuditLink.objects.filter(label__in=labels_of(label)).values("object_id")
        first = model._base_manager.exclude(pk__in=linked).order_by(pk).values_list(pk, flat=True).first()
        if first is not None:
            return Mismatch(label, first, "row not linked (written without the audit trail)")
    return None


def trail_verify(*, chunk_size: int = CHUNK_SIZE) -> TrailReport:
    """Recompute every link from the current database, in sequence order; stop at the first mismatch.

    One query per chunk of links and one per model in it, however long the trail.
    """
    entries, previous = 0, GENESIS
    for links in _links(chunk_size):
        previous, good, mismatch = _check_chunk(links, previous)
        entries += good
        if mismatch:
            return TrailReport(entries=entries, head=previous, mismatch=mismatch)
    return TrailReport(entries=entries, head=previous, mismatch=_first_unlinked())


def _shown(value: object) -> str:
    """A column's value as a finding shows it: figures with thousands separators, text in quotes."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True, default=str)


def _latest_history(model: type[models.Model]) -> models.QuerySet:
    """Each row's latest history row (by history id: the order of writing), in id order."""
    history = model.history.model
    latest = history._default_manager.order_by().values("id").annotate(latest=Max("history_id")).values("latest")
    return history._default_manager.filter(history_id__in=latest).order_by("id")


def _paired(live: Iterable[tuple], recorded: Iterable[tuple]) -> Iterator[tuple[int, tuple | None, tuple | None]]:
    """Two streams of rows in id order (id first) joined on id: each id, its live row and its record."""
    tagged = heapq.merge(((row[0], 0, row) for row in live), ((row[0], 1, row) for row in recorded))
    for row_id, rows in itertools.groupby(tagged, key=itemgetter(0)):
        found: list[tuple | None] = [None, None]
        for _, side, row in rows:
            found[side] = row
        yield row_id, found[0], found[1]


def _record_findings(model: type[models.Model], chunk_size: int) -> Iterator[str]:
    """Each live row of a table of legal records against its latest history row, column by column."""
    table = model._meta.db_table
    fields = [field.attname for field in model._meta.concrete_fields]
    fields.insert(0, fields.pop(fields.index("id")))
    live = model._base_manager.order_by("id")
    if model is Result:  # a line imported and never corrected is covered by its batch's hash
        live = live.filter(Q(import_batch__isnull=True) | Q(Exists(model.history.filter(id=OuterRef("id")))))
    recorded = _latest_history(model).values_list(*fields, "history_type")
    for row_id, row, record in _paired(live.values_list(*fields).iterator(chunk_size), recorded.iterator(chunk_size)):
        if record is None:
            yield f"{table} row {row_id}: no history row (written behind the application's back)"
        elif row is None:
            if record[-1] != "-":
                yield f"{table} row {row_id}: deleted, but its history does not record the deletion"
        elif record[-1] == "-":
            yield f"{table} row {row_id}: present, but its history records it deleted"
        else:
            for name, now, then in zip(fields, row, record, strict=False):
                if now != then:
                    yield f"{table} row {row_id}, column {name}: live {_shown(now)}, last recorded {_shown(then)}"


def batch_lines_sha256(batch: ImportBatch, *, chunk_size: int = CHUNK_SIZE) -> str:
    """The hash of a batch's result lines as imported, recomputed: its lines never corrected as they
    stand, and each line corrected or deleted since as its first history row (the line as imported)."""
    history = Result.history.model
    untouched = (
        Result._base_manager.filter(import_batch_id=batch.pk)
        .exclude(Exists(history._default_manager.filter(id=OuterRef("id"))))
        .order_by("id")
        .values_list(*RESULT_LINE_FIELDS)
    )
    first = history._default_manager.order_by().values("id").annotate(first=Min("history_id")).values("first")
    as_imported = (
        history._default_manager.filter(import_batch_id=batch.pk, history_id__in=first)
        .order_by("id")
        .values_list(*RESULT_LINE_FIELDS)
    )
    return result_lines_sha256(
        heapq.merge(untouched.iterator(chunk_size), as_imported.iterator(chunk_size), key=itemgetter(0))
    )


def _batch_findings(chunk_size: int) -> Iterator[str]:
    """Each import's lines against the hash it recorded. An import replaces the election's earlier
    results (the importer refuses a second one otherwise): a batch before its election's last has none."""
    table = Result._meta.db_table
    batches = list(ImportBatch.objects.order_by("pk").values_list("pk", "election_id", "file_name", "results_sha256"))
    last = {election_id: pk for pk, election_id, _, _ in batches}
    for pk, election_id, file_name, recorded in batches:
        where = f"{table} lines of import batch {pk} ({file_name})"
        if not recorded:
            yield f"{where}: no hash of its lines recorded (run verify_audit --link-existing once)"
            continue
        now = batch_lines_sha256(ImportBatch(pk=pk), chunk_size=chunk_size)
        if last[election_id] != pk:
            if now != result_lines_sha256([]):
                yield f"{where}: lines present, though a later import replaced them"
        elif now != recorded:
            yield (
                f"{where}: a line changed, added or deleted since the import (their hash no longer matches the "
                f"one recorded, {recorded})"
            )


def records_verify(*, chunk_size: int = CHUNK_SIZE) -> list[str]:
    """Every live row of the tables of legal records against its history or its batch's hash: one
    finding per column, row or batch that differs. A few queries per table, streamed in chunks."""
    findings = list(_batch_findings(chunk_size))
    for label in RECORD_MODELS:
        findings += _record_findings(apps.get_model(label), chunk_size)
    return findings


def trail_link_existing(*, chunk_size: int = CHUNK_SIZE) -> int:
    """Link the rows written before the trail existed (or by a writer that did not link them), each
    model in id order; an import's batch once the hash of its lines is recorded. Returns how many were
    linked."""
    for batch in ImportBatch.objects.filter(results_sha256="").order_by("pk"):
        with transaction.atomic():
            batch.results_sha256 = batch_lines_sha256(batch, chunk_size=chunk_size)
            batch.save(update_fields=["results_sha256"])  # linked as it is saved
    linked = 0
    for label, model in audited_models().items():
        pk = model._meta.pk.attname
        while True:
            with transaction.atomic():
                present = AuditLink.objects.filter(label__in=labels_of(label)).values("object_id")
                ids = list(
                    model._base_manager.exclude(pk__in=present).order_by(pk).values_list(pk, flat=True)[:chunk_size]
                )
                if not ids:
                    break
                linked += len(_append(model, ids))
    return linked
