"""History in the words of the pages: what the admin's history pages (and the case's timeline) say of a
change. Each app words its own models here (`register`): each tracked field named as the pages name it
(`Wording`), and its values written as the pages write them: a choice by its label, a yes or no in words
that fit the field, an instant in words, a person by name, nothing as a phrase. A field that is
bookkeeping, or that the entry itself names (who did it, and to what), is not listed (with why). A
model or a field no app words is worded by its fields' kinds and names.

The lowest app owns it, so every app's admin can use it; the elections models' own words are below.
"""

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.utils.text import capfirst
from simple_history.models import DeletedObject, ModelChange, ModelDelta
from simple_history.template_utils import HistoricalRecordContextHelper

from elections.enums import VoteType
from elections.instants import in_words
from elections.models import Candidate, Certification, Contest, Election, Jurisdiction, Result


@dataclass(frozen=True, slots=True)
class Wording:
    """How the pages name a field (`label`) and write its values: `empty` for nothing, `yes` and
    `no` for a yes-or-no field, `structured` for a structured (JSON) value."""

    label: str
    empty: str = "not set"
    yes: str = "yes"
    no: str = "no"
    structured: Callable[[object], str] | None = None


#: Every registered model's fields as the pages word them, and the fields it never lists, with why.
_WORDS: dict[type[models.Model], dict[str, Wording]] = {}
_UNLISTED: dict[type[models.Model], dict[str, str]] = {}


def register(
    words: Mapping[type[models.Model], dict[str, Wording]], unlisted: Mapping[type[models.Model], dict[str, str]]
) -> None:
    """Word an app's models: `words` names fields and their values, `unlisted` the fields never listed
    (each with why). Each app calls it once, from its own `history_words` module."""
    _WORDS.update(words)
    _UNLISTED.update(unlisted)


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
    listed = _WORDS.get(model, {}).get(name)
    return listed or Wording(capfirst(str(model._meta.get_field(name).verbose_name)))


def unlisted(model: type[models.Model]) -> list[str]:
    """The fields of `model` never listed."""
    return list(_UNLISTED.get(model, {}))


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
    if isinstance(field, models.ManyToManyField):
        # The history's rows of the through table, each naming the related object.
        related = field.m2m_reverse_field_name()
        return ", ".join(_name_of(row[related]) for row in value)
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
    """The listed fields' changes in words, in the model's field order (its many-to-many fields last)."""
    fields = [*model._meta.fields, *model._meta.many_to_many]
    position = {field.name: index for index, field in enumerate(fields)}
    hidden = _UNLISTED.get(model, {})
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


# The elections models' own words.

BOOKKEEPING = "bookkeeping"
NAMED_BY_THE_ENTRY = "named by the entry: who did it, or what it is of"

WORDS: dict[type[models.Model], dict[str, Wording]] = {
    Jurisdiction: {
        "state": Wording("State"),
        "kind": Wording("Kind"),
        "name": Wording("Name"),
        "fips": Wording("FIPS code", empty="none (a city)"),
        "superintendent_office": Wording("Superintendent's office", empty="not given"),
        "contact_email": Wording("Contact email", empty="none given"),
        "address": Wording("Address", empty="none given"),
    },
    Election: {
        "name": Wording("Name"),
        "slug": Wording("Name in the desk's web addresses"),
        "date": Wording("Election day"),
        "kind": Wording("Kind"),
        "state": Wording("State"),
        "rehearsal": Wording("Copy", yes="a rehearsal copy, for practice", no="the real election"),
    },
    Contest: {
        "office": Wording("Office"),
        "district": Wording("District", empty="no district"),
        "level": Wording("Level"),
        "party": Wording("Party's primary", empty="not a primary"),
        "seats": Wording("Seats"),
        "is_question": Wording("On the ballot", yes="a question put to the voters", no="an office"),
        "home_county": Wording("County whose office it is", empty="none: an office voted across counties"),
        "superintendent_jurisdiction": Wording(
            "Whose superintendent takes local requests", empty="the superintendents of the counties"
        ),
        "counties": Wording("Counties where it is voted", empty="no county"),
    },
    Candidate: {
        "name": Wording("Name"),
        "party": Wording("Party", empty="no party"),
        "ballot_order": Wording("Place on the ballot"),
        "declared_status": Wording("Declared"),
        "write_in_aggregate": Wording("Line", yes="write-ins, counted together", no="one candidate"),
        "email": Wording("Address of record", empty="none on record"),
    },
    Result: {
        "votes": Wording("Votes"),
        **{vote_type.value: Wording(vote_type.label, empty="not given") for vote_type in VoteType},
        "import_batch": Wording("Imported from", empty="not imported"),
    },
    Certification: {
        "scope": Wording("Scope"),
        "jurisdiction": Wording("County or city", empty="none: statewide"),
        "version": Wording("Version"),
        "certified_at": Wording("Certified at"),
        "certified_by": Wording("Certified by", empty="not recorded"),
        "note": Wording("Note", empty="no note"),
    },
}

UNLISTED: dict[type[models.Model], dict[str, str]] = {
    Jurisdiction: {"id": BOOKKEEPING},
    Election: {"id": BOOKKEEPING},
    Contest: {"id": BOOKKEEPING, "election": NAMED_BY_THE_ENTRY},
    Candidate: {"id": BOOKKEEPING, "contest": NAMED_BY_THE_ENTRY},
    Result: {
        "id": BOOKKEEPING,
        "candidate": NAMED_BY_THE_ENTRY,
        "county": NAMED_BY_THE_ENTRY,
        "precinct": NAMED_BY_THE_ENTRY,
    },
    Certification: {"id": BOOKKEEPING, "election": NAMED_BY_THE_ENTRY},
}

register(WORDS, UNLISTED)
