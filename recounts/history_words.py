"""History in the words of the pages: what the case's timeline and the admin's history pages say of a
change. Each tracked field of a case, of a county's recount, of a scanner's test and of a worksheet's
line is named as the pages name it (`WORDS`), and its values are written as the pages write them: a
status by its label, a yes or no in words that fit the field, an instant in words, a person by name,
the declarations as a sentence, nothing as a phrase. A field that is bookkeeping, or that the entry
itself names (who did it, and to what), is not listed (`UNLISTED`, each with why). The desk's other
models (rules, closed days, party chairs, imports) are worded by their fields' kinds and names.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils.text import capfirst
from simple_history.models import DeletedObject, ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper

from elections.instants import in_words
from recounts.models import (
    CountyRecount,
    ImportJob,
    RecountRequest,
    RecountTally,
    ScannerTest,
    declared_in_words,
)


@dataclass(frozen=True, slots=True)
class Wording:
    """How the pages name a field (`label`) and write its values: `empty` for nothing, `yes` and
    `no` for a yes-or-no field, `structured` for a structured (JSON) value."""

    label: str
    empty: str = "not set"
    yes: str = "yes"
    no: str = "no"
    structured: Callable[[object], str] | None = None


#: The declarations a finished case keeps (`RecountRequest.finish_declarations`), in the order told.
DECLARATION_PARTS = {
    "in_force_before": "declared before the recount",
    "returns_before": "the certified returns declare",
    "returns_after": "the corrected returns declare",
    "in_force": "declared at the finish",
}


def declarations_in_words(declarations: object) -> str:
    """“Declared before the recount: Keisha Lance Bottoms (elected); the certified returns declare:
    Keisha Lance Bottoms (elected)”."""
    if not isinstance(declarations, dict):
        return str(declarations)
    parts = [
        f"{phrase}: {declared_in_words(declarations[key])}"
        for key, phrase in DECLARATION_PARTS.items()
        if key in declarations
    ]
    return capfirst("; ".join(parts))


WORDS: dict[type[models.Model], dict[str, Wording]] = {
    RecountRequest: {
        "channel": Wording("Made"),
        "filed_at": Wording("Filed"),
        "recorded_at": Wording("Recorded"),
        "statement": Wording("Statement", empty="no statement"),
        "signature": Wording("Signed", empty="not signed"),
        "signatory": Wording("Signed by", empty="no one"),
        "agent_name": Wording("Agent", empty="no agent"),
        "letter_name": Wording("Signed letter or scan", empty="no letter"),
        "letter_sha256": Wording("Letter's SHA-256", empty="no letter"),
        "receipt_number": Wording("Receipt number"),
        "route": Wording("Route"),
        "eligible": Wording("Eligible on the certified returns"),
        "late": Wording("Deadline", yes="missed: the request was late", no="met"),
        "status": Wording("Status"),
        "withdrawal_reason": Wording("Reason for the withdrawal", empty="none given"),
        "withdrawn_at": Wording("Withdrawn", empty="not withdrawn"),
        "withdrawal_signature": Wording("Withdrawal signed", empty="not signed"),
        "withdrawal_signatory": Wording("Withdrawal signed by", empty="no one"),
        "withdrawal_agent_name": Wording("Agent who signed the withdrawal", empty="no agent"),
        "decided_at": Wording("Decided", empty="not decided"),
        "denial_reason": Wording("Statutory reason for the denial", empty="not denied"),
        "ruling": Wording("Ruling", empty="no ruling"),
        "window_starts_at": Wording("Statewide window starts"),
        "finish_by": Wording("Every county finishes by"),
        "outcome_changed": Wording("Outcome", yes="changed by the recount", no="as certified"),
        "declarations_kept": Wording("Declarations", yes="need an official", no="follow the returns"),
        "finish_declarations": Wording("Who is declared", empty="not recorded yet", structured=declarations_in_words),
        "finished_at": Wording("Finished", empty="not finished"),
    },
    CountyRecount: {
        "status": Wording("Status"),
        "ordered_at": Wording("Ordered"),
        "count_place": Wording("Place of the count"),
        "count_starts_at": Wording("The count starts"),
        "finish_by": Wording("Finish by"),
        "hand_count": Wording("Count", yes="by hand", no="by scanner"),
        "submitted_at": Wording("Submitted", empty="not submitted"),
        "signed_off_at": Wording("Signed off", empty="not signed off"),
        "official_name": Wording("Signed off by", empty="no one"),
        "official_title": Wording("Signed off as", empty="not signed off"),
    },
    ScannerTest: {
        "scanner": Wording("Scanner"),
        "machine_marked": Wording("Machine-marked ballots"),
        "hand_marked": Wording("Hand-marked ballots"),
        "precincts": Wording("Precincts"),
        "hand_count": Wording("The deck counted by hand"),
        "machine_count": Wording("The deck as the scanner counted it"),
        "passed": Wording("Result", yes="passed", no="failed"),
        "tested_at": Wording("Tested"),
    },
    RecountTally: {
        "vote_type": Wording("Vote type"),
        "line": Wording("Line"),
        "original": Wording("Certified figure"),
        "recounted": Wording("Recounted figure", empty="not entered"),
        "reason": Wording("Reason for the difference", empty="none given"),
        "note": Wording("Note", empty="no note"),
    },
}

_NAMED_BY_THE_ENTRY = "named by the entry: who did it, or what it is of"

#: Fields never listed, with why.
UNLISTED: dict[type[models.Model], dict[str, str]] = {
    RecountRequest: {
        "id": "bookkeeping",
        "contest": _NAMED_BY_THE_ENTRY,
        "candidate": _NAMED_BY_THE_ENTRY,
        "filed_by": _NAMED_BY_THE_ENTRY,
        "withdrawn_by": _NAMED_BY_THE_ENTRY,
        "decided_by": _NAMED_BY_THE_ENTRY,
        "letter": "the stored file's own name (the letter's name and SHA-256 are listed)",
        "snapshot": "the returns as they stood at filing, shown on their own and never changed",
    },
    CountyRecount: {
        "id": "bookkeeping",
        "request": _NAMED_BY_THE_ENTRY,
        "county": _NAMED_BY_THE_ENTRY,
        "ordered_by": _NAMED_BY_THE_ENTRY,
        "submitted_by": _NAMED_BY_THE_ENTRY,
        "signed_off_by": _NAMED_BY_THE_ENTRY,
        "tabulator_tapes": "the worksheet's figures, shown on the worksheet",
        "tally_draft": "the worksheet's unsaved typing, kept until it is saved",
        "version": "bookkeeping: the worksheet's save counter",
    },
    ScannerTest: {"id": "bookkeeping", "county_recount": _NAMED_BY_THE_ENTRY},
    RecountTally: {"id": "bookkeeping", "county_recount": _NAMED_BY_THE_ENTRY, "candidate": _NAMED_BY_THE_ENTRY},
    ImportJob: {
        "id": "bookkeeping",
        "upload": "the stored file's own name (its name as uploaded and SHA-256 are listed)",
        "report": "what the import read, shown on the import's page",
    },
}


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field's change in words: “Status: Submitted → Signed off”."""

    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old} → {self.new}"


def wording(model: type[models.Model], name: str) -> Wording:
    """The field's wording; a field without one is named as its model names it."""
    listed = WORDS.get(model, {}).get(name)
    return listed or Wording(capfirst(str(model._meta.get_field(name).verbose_name)))


def unlisted(model: type[models.Model]) -> list[str]:
    """The fields of `model` never listed."""
    return list(UNLISTED.get(model, {}))


def _name_of(value: object) -> str:
    if isinstance(value, AbstractBaseUser):
        return value.get_full_name() or value.get_username()
    if isinstance(value, DeletedObject):
        return f"a {value.model._meta.verbose_name} since deleted"
    return str(value)


def _time_in_words(value: datetime.time) -> str:
    """“5:00 p.m.”; “midnight” and “noon” as people say them."""
    special = {(0, 0): "midnight", (12, 0): "noon"}
    if (value.hour, value.minute) in special:
        return special[(value.hour, value.minute)]
    return f"{value.hour % 12 or 12}:{value:%M} {'a.m.' if value.hour < 12 else 'p.m.'}"


def value_in_words(model: type[models.Model], name: str, value: object) -> str:
    """The value of the model's field `name` as the pages write it."""
    field = model._meta.get_field(name)
    words = wording(model, name)
    if isinstance(field, models.BooleanField):
        return words.yes if value else words.no
    if isinstance(value, DeletedObject) and value.pk is None:
        value = None
    if value is None or value == "" or value == {} or value == []:
        return words.empty
    if words.structured is not None:
        return words.structured(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, datetime.datetime):
        return in_words(value)
    if isinstance(value, datetime.date):
        return f"{value:%A, %B} {value.day}, {value.year}"
    if isinstance(value, datetime.time):
        return _time_in_words(value)
    if isinstance(field, models.ForeignKey):
        return _name_of(value)
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def change_in_words(model: type[models.Model], name: str, old: object, new: object) -> FieldChange:
    return FieldChange(
        field=wording(model, name).label, old=value_in_words(model, name, old), new=value_in_words(model, name, new)
    )


def changes_in_words(model: type[models.Model], changes: Iterable[ModelChange]) -> list[FieldChange]:
    """The listed fields' changes in words, in the model's field order."""
    position = {field.name: index for index, field in enumerate(model._meta.fields)}
    hidden = UNLISTED.get(model, {})
    return [
        change_in_words(model, change.field, change.old, change.new)
        for change in sorted(changes, key=lambda change: position.get(change.field, len(position)))
        if change.field not in hidden
    ]


class HistoryInWords(HistoricalRecordContextHelper):
    """The admin's history pages (simple-history's), their changes in the words of the pages."""

    def context_for_delta_changes(self, delta: ModelDelta) -> list[dict[str, str]]:
        return [
            {"field": change.field, "old": change.old, "new": change.new}
            for change in changes_in_words(self.model, delta.changes)
        ]
