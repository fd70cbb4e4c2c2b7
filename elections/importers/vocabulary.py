"""How published returns write things, reduced to what they mean: pure functions, no database.

Every file of returns is read with its own header, through the rules here, so that a new year's
spelling of a known thing is understood and an unknown thing is refused by name, never guessed:

Columns
    A header name is reduced to a plain form (lower case, every run of other characters one space,
    a trailing "votes"/"vote"/"ballots" word dropped), then looked up in ``COLUMN_SPELLINGS``: the
    place and candidate columns, the total, each vote type, and a few columns known not to hold
    votes (identifiers, notes), which are ignored. A trailing number is a numbered split
    (``advance_in_person_2``): every column of one vote type, split or spelled twice, adds into it.
    Anything else is unknown, and the file is refused naming the column.

Precincts
    A placeholder (empty, "not available", "N/A", "-", "county total", …) is a county-level line.

Parties
    A label is reduced to one code per party (``R``, ``Rep``, ``(Republican`` → ``REP``); an
    unknown label keeps its own letters in capitals. A cell holding a name and a bracketed party
    (``Jay L. Dixon (Rep``) is read by its bracket.

Names
    A candidate's name that differs only by case, spacing, an incumbent mark ``(I)``, or a party in
    brackets (closed or not) is the same candidate; ``candidate_key`` gives what they share, and
    ``candidate_display`` the name as it is shown. ``looks_damaged`` names the spellings to show the
    importing official (an unclosed bracket or quote).

Ballot questions
    A choice such as Yes, No, For, Against (also "Yes / Sí": a translation after a slash) marks a
    ballot question; ``choice_display`` gives its plain word.
"""

import re
from typing import Final

from elections.enums import VoteType

TOTAL: Final = "total"
IGNORED: Final = "ignored"

#: Plain header names (see ``plain_column``) → what the column holds: a place or candidate column
#: (by its canonical name), ``TOTAL``, a ``VoteType``, or ``IGNORED`` (known not to hold votes).
COLUMN_SPELLINGS: Final[dict[str, str]] = {
    **dict.fromkeys(("county", "county name", "parish"), "county"),
    **dict.fromkeys(("precinct", "precinct name", "precincts", "ward precinct"), "precinct"),
    **dict.fromkeys(("office", "office name", "race", "contest", "contest name"), "office"),
    **dict.fromkeys(("district", "district name", "dist"), "district"),
    **dict.fromkeys(("party", "party name", "party affiliation", "party code"), "party"),
    **dict.fromkeys(("candidate", "candidate name", "choice", "choice name", "name"), "candidate"),
    **dict.fromkeys(("votes", "total", "total votes", "vote total", "votes total", "total vote"), TOTAL),
    **dict.fromkeys(
        (
            "election day",
            "electionday",
            "eday",
            "polls",
            "polling place",
            "at polls",
            "in person election day",
            "election day in person",
        ),
        VoteType.ELECTION_DAY,
    ),
    **dict.fromkeys(
        (
            "advance in person",
            "advance",
            "advanced",
            "advance voting",
            "advanced voting",
            "advance in person voting",
            "early",
            "early voting",
            "early vote",
            "early in person",
            "in person early",
            "in person absentee",
            "absentee in person",
            "one stop",
        ),
        VoteType.ADVANCE_IN_PERSON,
    ),
    **dict.fromkeys(
        (
            "absentee by mail",
            "absentee",
            "absentee mail",
            "mail",
            "by mail",
            "mail in",
            "mail ballots",
            "vote by mail",
            "mailed",
        ),
        VoteType.ABSENTEE_BY_MAIL,
    ),
    **dict.fromkeys(("provisional", "provisionals", "provisional ballots"), VoteType.PROVISIONAL),
    **dict.fromkeys(
        ("military overseas", "military and overseas", "uocava", "military", "overseas"),
        VoteType.MILITARY_OVERSEAS,
    ),
    **dict.fromkeys(
        (
            "id",
            "fips",
            "county fips",
            "county id",
            "county code",
            "geoid",
            "ocd id",
            "precinct id",
            "precinct code",
            "vtd",
            "office id",
            "candidate id",
            "party id",
            "notes",
            "note",
            "comments",
            "winner",
            "incumbent",
            "write in",
            "state",
            "election",
            "election name",
            "election date",
            "date",
        ),
        IGNORED,
    ),
}

PLACE_COLUMNS: Final = ("county", "precinct", "office", "district", "party", "candidate")
#: The place and candidate columns a file must have; the others are empty when absent.
REQUIRED_COLUMNS: Final = ("county", "office", "candidate")

_NOT_WORD = re.compile(r"[^0-9a-z]+")
_SPLIT = re.compile(r"(?P<base>.*?)\s*(?P<number>\d+)")
_COUNT_WORD = re.compile(r"(.+?)\s+(votes?|ballots)$")


def plain_column(name: str) -> str:
    """``" Advance_Voting Votes"`` → ``"advance voting votes"``."""
    return " ".join(_NOT_WORD.split(name.casefold())).strip()


def read_column(name: str) -> tuple[str, int | None] | None:
    """What a header name holds, and its split number (or None): ``("votes_by_type", 2)``…

    Returns ``(meaning, number)`` where ``meaning`` is a key of ``PLACE_COLUMNS``, ``TOTAL``, a
    ``VoteType`` value or ``IGNORED``; None when the name is not in the vocabulary.
    """
    plain = plain_column(name)
    number = None
    split = _SPLIT.fullmatch(plain)
    if split and split["base"]:
        plain, number = split["base"], int(split["number"])
    for candidate in (plain, _without_count_word(plain)):
        if candidate in COLUMN_SPELLINGS:
            return COLUMN_SPELLINGS[candidate], number
    return None


def _without_count_word(plain: str) -> str:
    stripped = _COUNT_WORD.fullmatch(plain)
    return stripped[1] if stripped else plain


def vocabulary_text() -> str:
    """The known header names by meaning, for the message that refuses an unknown column."""
    by_meaning: dict[str, list[str]] = {}
    for spelling, meaning in COLUMN_SPELLINGS.items():
        by_meaning.setdefault(meaning, []).append(spelling.replace(" ", "_"))
    labels = {TOTAL: "total", IGNORED: "ignored (not votes)"} | {
        vote_type.value: vote_type.label.lower() for vote_type in VoteType
    }
    parts = [f"{labels.get(meaning, meaning)}: {', '.join(names)}" for meaning, names in by_meaning.items()]
    return "; ".join(parts) + (
        ". Any of these may end in _votes, and a vote type may be split over numbered columns (name_1, name_2…)"
    )


# -- Precincts ------------------------------------------------------------------------------------

_PLACEHOLDER_PRECINCT = re.compile(
    r"|[-–—.*?/]+|n\s*/?\s*a|none|null|unknown|not available|not applicable|unavailable"
    r"|(county|countywide|county wide)(\s+(total|level|totals))?|totals?|all( precincts)?|-?\s*total\s*-?"
)


def precinct_name(cell: str) -> str:
    """The precinct as stored: its name with spaces collapsed; "" (county level) for a placeholder."""
    plain = " ".join(cell.split())
    return "" if _PLACEHOLDER_PRECINCT.fullmatch(plain.casefold()) else plain


# -- Parties --------------------------------------------------------------------------------------

#: Plain labels (lower case, letters only) → one code per party.
PARTY_CODES: Final[dict[str, str]] = {
    **dict.fromkeys(("r", "rep", "repub", "republican", "gop", "republican party"), "REP"),
    **dict.fromkeys(("d", "dem", "demo", "democrat", "democratic", "democratic party"), "DEM"),
    **dict.fromkeys(("l", "lib", "libertarian", "libertarian party"), "LIB"),
    **dict.fromkeys(("i", "ind", "indep", "independent", "independent party"), "IND"),
    **dict.fromkeys(("g", "grn", "gre", "green", "green party"), "GRN"),
    **dict.fromkeys(("c", "cst", "con", "constitution", "constitution party"), "CST"),
    **dict.fromkeys(("wi", "write in", "writein", "write ins"), "WRITE-IN"),
    **dict.fromkeys(("np", "nop", "nonpartisan", "non partisan", "no party", "none", "npa"), ""),
}

_BRACKETED = re.compile(r"[(\[]\s*([^()\[\]]*?)\s*[)\]]?\s*$")
_LETTERS = re.compile(r"[^a-z ]+")


def party_code(cell: str) -> str:
    """One code per party: ``"(Dem"``, ``"Democrat"``, ``"D"`` → ``"DEM"``; "" for none or nonpartisan.

    A cell with a bracket is read by what is in the bracket (a name was written before it). An
    unknown label is kept in capitals, spaces collapsed.
    """
    text = " ".join(cell.split())
    if not text:
        return ""
    bracketed = _BRACKETED.search(text)
    if bracketed and bracketed[1]:
        text = bracketed[1]
    plain = " ".join(_LETTERS.sub(" ", text.casefold().replace("-", " ")).split())
    if plain in PARTY_CODES:
        return PARTY_CODES[plain]
    return text.strip("()[] ").upper()


def is_party_label(text: str) -> bool:
    """Whether ``text`` is a party label the vocabulary knows (for a bracket after a name)."""
    plain = " ".join(_LETTERS.sub(" ", text.casefold().replace("-", " ")).split())
    return plain in PARTY_CODES and bool(PARTY_CODES[plain])


# -- Candidates' names ----------------------------------------------------------------------------

_INCUMBENT = r"i|inc|incumbent"
_TRAILING_MARK = re.compile(r"\s*[(\[]\s*([^()\[\]]*?)\s*[)\]]?\s*$")


def candidate_display(cell: str) -> str:
    """The name without trailing marks: ``"Raphael Warnock (I) (Dem)"`` → ``"Raphael Warnock"``.

    Trailing brackets are removed while they hold an incumbent mark or a party label (a last,
    unclosed one too: ``"KAREN HANDEL (REP"``). Other brackets are part of the name.
    """
    name = " ".join(cell.split())
    while True:
        mark = _TRAILING_MARK.search(name)
        if not mark or mark.start() == 0:
            return name
        inside = mark[1].casefold().rstrip(".")
        if not (re.fullmatch(_INCUMBENT, inside) or is_party_label(inside)):
            return name
        name = name[: mark.start()].rstrip()


def candidate_key(cell: str) -> str:
    """What spellings of one candidate share: the display name, case-folded."""
    return candidate_display(cell).casefold()


def candidate_party(cell: str) -> str:
    """The party written in brackets after a name (``"… (Dem)"`` → ``"DEM"``), or ""."""
    name = " ".join(cell.split())
    while True:
        mark = _TRAILING_MARK.search(name)
        if not mark or mark.start() == 0:
            return ""
        inside = mark[1]
        if not re.fullmatch(_INCUMBENT, inside.casefold().rstrip(".")):  # "(I)" marks the incumbent, not a party
            return party_code(inside) if is_party_label(inside) else ""
        name = name[: mark.start()].rstrip()


def looks_damaged(cell: str) -> str | None:
    """Why a name as written looks damaged (to be shown, never silently kept), or None."""
    name = " ".join(cell.split())
    if name.count("(") != name.count(")") or name.count("[") != name.count("]"):
        return "an unclosed bracket"
    if name.count('"') % 2:
        return "an unmatched quotation mark"
    return None


# -- Ballot questions -----------------------------------------------------------------------------

#: Choices on a ballot question, by their plain word.
CHOICES: Final[dict[str, str]] = {
    **dict.fromkeys(("yes", "si", "sí", "yes si", "yes sí"), "Yes"),
    **dict.fromkeys(("no", "no no"), "No"),
    "for": "For",
    "against": "Against",
    **dict.fromkeys(("approve", "approved", "approval"), "Approve"),
    **dict.fromkeys(("reject", "rejected", "disapprove", "disapproved"), "Reject"),
    **dict.fromkeys(("bonds yes", "yes bonds", "for the bonds"), "Bonds - Yes"),
    **dict.fromkeys(("bonds no", "no bonds", "against the bonds"), "Bonds - No"),
    **dict.fromkeys(("retain", "yes retain"), "Retain"),
    **dict.fromkeys(("do not retain", "not retain", "no retain"), "Do not retain"),
}


def choice_display(cell: str) -> str | None:
    """The plain word of a ballot question's choice (``"Yes / Sí"`` → ``"Yes"``), or None."""
    text = " ".join(cell.split()).casefold()
    for candidate in (text, text.split("/")[0].strip()):
        plain = " ".join(re.sub(r"[^\w]+", " ", candidate).split())
        if plain in CHOICES:
            return CHOICES[plain]
    return None
