"""Read a Clarity (Scytl ENR) ``detail.xml`` file, as Georgia's results site publishes it, into rows.

The file
    ``<ElectionResult>`` holds ``<Region>`` (``GA`` in the statewide file, the county's name in a
    county file), turnout sections, and one ``<Contest text=… isQuestion=…>`` per race. A contest
    holds ``<Choice text=… party=…>`` elements (candidates, or Yes/No on a question), each with one
    ``<VoteType name=… votes=…>`` per way of voting, which in turn lists the areas: ``<County
    name=… votes=…/>`` in the statewide file, ``<Precinct name=… votes=…/>`` in a county file.
    ``<VoteType>`` elements directly under a ``<Contest>`` are its overvotes and undervotes, not a
    candidate's votes, and are skipped; so are the turnout sections and ``<ParticipatingCounties>``.

The rows
    One ``ClarityRow`` per choice and area, in the order the areas first appear under the choice,
    with all that choice's vote types for the area gathered in ``votes``. A choice whose vote types
    name no area at all gives one row for the file's ``<Region>`` from the vote types' own totals.
    Names, parties, vote types and figures are passed on exactly as written: the importer
    normalises and checks them.

Safety and memory
    The bytes are read once, in order, only through the parser (so a stream that hashes as it is
    read sees every byte once). The parser is defusedxml's: a file that declares a DTD or an entity
    is refused before anything in it is expanded or fetched. Elements are removed from the tree as
    soon as they are read, so memory is bounded by the largest single ``<Choice>``, not the file.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final

# Only the tree's classes come from the standard library: the parsing is defusedxml's.
from xml.etree.ElementTree import Element, TreeBuilder  # nosec B405
from xml.parsers.expat import ErrorString, errors

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser, ParseError, iterparse

ROOT: Final = "ElectionResult"
AREAS: Final = ("County", "Precinct")  # the area elements under a choice's vote type

#: expat's errors that only come at the end of the bytes: the file stops inside an element, a tag or a character.
_ENDS_EARLY: Final = frozenset(
    errors.codes[message]
    for message in (
        errors.XML_ERROR_NO_ELEMENTS,
        errors.XML_ERROR_UNCLOSED_TOKEN,
        errors.XML_ERROR_PARTIAL_CHAR,
        errors.XML_ERROR_UNCLOSED_CDATA_SECTION,
    )
)
_BOMS: Final = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


@dataclass(frozen=True, slots=True)
class ClarityRow:
    line: int  # the line of the element the figures come from: the first County/Precinct, or the Choice
    county: str  # the County's name (statewide file), or the file's <Region> (county file)
    precinct: str  # the Precinct's name; "" in a statewide (county-level) file
    office: str  # the Contest's text, as written
    party: str  # the Choice's party attribute as written ("" when absent)
    candidate: str  # the Choice's text as written
    votes: dict[str, str]  # vote-type name as written -> its votes attribute as written
    question: bool  # the Contest's isQuestion attribute is "true" (any case)


class ClarityError(Exception):
    """The file cannot be read as a Clarity ``detail.xml``; the message says what is wrong and on which line."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(f"line {line}: {problem}")
        self.line = line
        self.problem = problem


def looks_like_clarity(head: bytes) -> bool:
    """Whether ``head`` (the first few KiB of a file) is XML whose root element is ``<ElectionResult>``.

    Before the root may come a byte-order mark, the XML declaration, comments, processing
    instructions and white space; anything else (a DOCTYPE included) means no.
    """
    text = _head_text(head)
    position = 0
    while True:
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if text.startswith("<?", position):
            end = text.find("?>", position + 2)
            closing = 2
        elif text.startswith("<!--", position):
            end = text.find("-->", position + 4)
            closing = 3
        else:
            break
        if end == -1:
            return False
        position = end + closing
    after = position + 1 + len(ROOT)
    return text.startswith(f"<{ROOT}", position) and (after == len(text) or text[after] in " \t\r\n/>")


def read_clarity(stream: BinaryIO) -> Iterator[ClarityRow]:
    """The rows of the ``detail.xml`` read from ``stream`` (bytes), as they are read.

    Raises ``ClarityError`` (while iterating) for a file that is not well-formed XML, declares a
    DTD or entities, does not have ``<ElectionResult>`` as its root, or lacks a name the rows need.
    """
    parser = _parser()
    events = iter(iterparse(stream, events=("start", "end"), parser=parser))
    elements: list[_Element] = []  # the open elements, the root first
    region = ""
    contest: _Element | None = None
    while True:
        try:
            event, element = next(events)
        except StopIteration:
            return
        except (DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden) as error:
            raise ClarityError(
                parser.parser.CurrentLineNumber,
                "the file declares a DTD or entities, which election returns never need; it was not read",
            ) from error
        except ParseError as error:
            raise ClarityError(error.position[0], _not_well_formed(error.code, started=bool(elements))) from error
        except (ValueError, LookupError) as error:  # pyexpat: a declared encoding it cannot use
            raise ClarityError(
                parser.parser.CurrentLineNumber,
                "the file declares a character encoding that cannot be read; Clarity files are UTF-8",
            ) from error

        if event == "start":
            _check_start(element, elements)
            elements.append(element)
            if len(elements) == 2 and element.tag == "Contest":
                contest = element
                if not element.get("text"):
                    raise ClarityError(element.line, "a <Contest> has no name (its text attribute is missing or empty)")
            continue

        elements.pop()
        parent = elements[-1] if elements else None
        if parent is None:
            continue  # the root has ended: the file is done
        if len(elements) == 1 and element.tag == "Region":
            region = (element.text or "").strip()
        elif contest is not None and parent is contest and element.tag == "Choice":
            rows = list(_choice_rows(element, contest, region))
            parent.remove(element)
            yield from rows
            continue
        elif element is contest:
            contest = None
        if not _inside_choice(elements):
            parent.remove(element)  # read and done with: keep memory bounded


# -- The parser and the elements -------------------------------------------------------------------


class _Element(Element):
    """An element that knows the line its start tag begins on."""

    __slots__ = ("line",)
    line: int


def _parser() -> DefusedXMLParser:
    """A defused parser (no DTD, no entities, nothing external) building ``_Element``s with their lines."""
    parser: DefusedXMLParser

    def element(tag: str, attributes: dict[str, str]) -> _Element:
        made = _Element(tag, attributes)
        made.line = parser.parser.CurrentLineNumber  # called while expat reports this start tag
        return made

    parser = DefusedXMLParser(
        target=TreeBuilder(element_factory=element), forbid_dtd=True, forbid_entities=True, forbid_external=True
    )
    return parser


def _check_start(element: _Element, elements: list[_Element]) -> None:
    """Refuse a root other than ``<ElectionResult>``, and a contest or choice out of its place."""
    if not elements:
        if element.tag != ROOT:
            raise ClarityError(
                element.line,
                f"this is not a Clarity detail.xml file: it starts with <{element.tag}>, not <{ROOT}>",
            )
        return
    parent = elements[-1]
    if element.tag == "Contest" and parent is not elements[0]:
        raise ClarityError(element.line, f"a <Contest> inside <{parent.tag}>; contests belong directly in <{ROOT}>")
    if element.tag == "Choice" and not (len(elements) == 2 and parent.tag == "Contest"):
        raise ClarityError(element.line, f"a <Choice> inside <{parent.tag}>; choices belong directly in a <Contest>")


def _inside_choice(elements: list[_Element]) -> bool:
    """Whether the open elements are a choice or inside one (kept until the choice ends)."""
    return len(elements) >= 3 and elements[1].tag == "Contest" and elements[2].tag == "Choice"


def _head_text(head: bytes) -> str:
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return head[len(bom) :].decode(encoding, errors="replace")
    return head.decode("latin-1")  # the markup before the root is ASCII; this never fails


def _not_well_formed(code: int, *, started: bool) -> str:
    if code == errors.codes[errors.XML_ERROR_NO_ELEMENTS] and not started:
        return "the file is empty or has no XML in it"
    if code in _ENDS_EARLY:
        return "the file ends before it is complete; it may have been cut short, so download it again"
    return f"the file is not well-formed XML ({ErrorString(code)}); it may be damaged, or not a Clarity detail.xml file"


# -- A choice's rows --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Area:
    line: int
    county: str
    precinct: str
    votes: dict[str, str]


def _choice_rows(choice: _Element, contest: _Element, region: str) -> Iterator[ClarityRow]:
    office = contest.get("text", "")
    candidate = choice.get("text")
    if not candidate:
        raise ClarityError(
            choice.line, f"a <Choice> in “{office}” has no name (its text attribute is missing or empty)"
        )
    where = f"for “{candidate}” in “{office}”"
    areas: dict[tuple[str, str], _Area] = {}
    totals: dict[str, str | None] = {}  # each vote type's own votes attribute (None: not given)
    for vote_type in choice:
        if vote_type.tag != "VoteType":
            continue
        name = vote_type.get("name")
        if not name:
            raise ClarityError(vote_type.line, f"a <VoteType> {where} has no name")
        if name in totals:
            raise ClarityError(vote_type.line, f"the vote type “{name}” appears twice {where}")
        totals[name] = vote_type.get("votes")
        for area in vote_type:
            key = (area.tag, area.get("name", ""))
            entry = areas.get(key) or _area(area, region, where)
            if name in entry.votes:
                raise ClarityError(area.line, f"{area.tag} “{key[1]}” appears twice under “{name}” {where}")
            votes = area.get("votes")
            if votes is None:
                raise ClarityError(area.line, f"{area.tag} “{key[1]}” has no votes figure under “{name}” {where}")
            entry.votes[name] = votes
            areas[key] = entry
    if not areas and totals:
        if not region:
            raise ClarityError(
                choice.line, f"the votes {where} name no county or precinct, and the file has no <Region>"
            )
        given = {name: votes for name, votes in totals.items() if votes is not None}
        if len(given) < len(totals):
            raise ClarityError(choice.line, f"a <VoteType> {where} has no votes figure")
        areas[("", region)] = _Area(line=choice.line, county=region, precinct="", votes=given)
    question = contest.get("isQuestion", "").strip().lower() == "true"
    party = choice.get("party", "")
    for entry in areas.values():
        yield ClarityRow(
            line=entry.line,
            county=entry.county,
            precinct=entry.precinct,
            office=office,
            party=party,
            candidate=candidate,
            votes=entry.votes,
            question=question,
        )


def _area(area: _Element, region: str, where: str) -> _Area:
    """A new area for ``area``, a County or Precinct element under one of a choice's vote types."""
    if area.tag not in AREAS:
        raise ClarityError(area.line, f"a <{area.tag}> under a vote type {where}; expected <County> or <Precinct>")
    name = area.get("name")
    if not name:
        raise ClarityError(area.line, f"a <{area.tag}> {where} has no name")
    if area.tag == "County":
        return _Area(line=area.line, county=name, precinct="", votes={})
    if not region:
        raise ClarityError(
            area.line, f"precinct “{name}” {where} has no county: the file has no <Region> before its results"
        )
    return _Area(line=area.line, county=region, precinct=name, votes={})
