"""Which level of government an office on a Georgia ballot belongs to, from its name as published.

OpenElections and the counties spell offices many ways ("U.S. House", "US House", "United States
Representative", "State Senate District 12", "U.S. Senate (Special)"). A name is first reduced to a
plain form (lower case, no full stops, "United States" → "us", a leading "Georgia" dropped, and a
trailing qualifier such as ", District 5", " - Special", " (Loeffler)" or " Post 3" cut off), then
looked up in the table below. Offices not in the table are local: county offices, or municipal ones
when the whole import is of a municipal election. A federal or state office stays federal or state
in a municipal import (it is on the same ballot, but the Secretary of State still handles it).

The table is the Georgia offices the recount statute routes to the Secretary of State:

| level   | offices (and the other names they are published under)                                   |
|---------|-------------------------------------------------------------------------------------------|
| federal | President of the United States; U.S. Senate; U.S. House (Representative in Congress)       |
| state   | Governor; Lieutenant Governor; Secretary of State; Attorney General; Commissioner of       |
|         | Agriculture; Commissioner of Insurance; Commissioner of Labor; State School                |
|         | Superintendent; Public Service Commission; State Senate; State House (State                |
|         | Representative); Supreme Court; Court of Appeals; Superior Court and District Attorney     |
|         | (state officers elected by judicial circuit, which may span several counties)              |
| state   | a statewide ballot question: a proposed constitutional amendment or statewide referendum  |

An office's name as shown (``office_name``) drops a translation after a slash when the part
before it is a known office ("Governor/Gobernador" is Governor), and gives a statewide question
one name however it is written: "Constitutional Amendment #1", "Proposed Constitutional Amendment
1/ Enmiendas…" → "Constitutional Amendment 1"; "Statewide Referendum Question 1", "Proposed
Statewide Referendum A" → "Statewide Referendum A" (Georgia letters its statewide referendums, and
files that number them count A as 1).
"""

import re

from elections.enums import Level

PRESIDENTIAL_OFFICES = frozenset(
    {
        "president",
        "president of the us",
        "us president",
        "president and vice president",
        "president and vice president of the us",
    }
)

FEDERAL_OFFICES = PRESIDENTIAL_OFFICES | frozenset(
    {
        "us senate",
        "us senator",
        "senator in congress",
        "us house",
        "us house of representatives",
        "us representative",
        "us representative in congress",
        "representative in congress",
        "us congress",
        "congress",
    }
)

STATE_OFFICES = frozenset(
    {
        "governor",
        "lieutenant governor",
        "lt governor",
        "secretary of state",
        "attorney general",
        "commissioner of agriculture",
        "agriculture commissioner",
        "commissioner of insurance",
        "insurance commissioner",
        "commissioner of labor",
        "labor commissioner",
        "state school superintendent",
        "state superintendent of schools",
        "public service commission",
        "public service commissioner",
        "psc",
        "state senate",
        "state senator",
        "state house",
        "state house of representatives",
        "state representative",
        "supreme court",
        "supreme court justice",
        "justice of the supreme court",
        "court of appeals",
        "court of appeals judge",
        "judge of the court of appeals",
        # Superior court judges and district attorneys are state officers elected by judicial
        # circuit; a circuit of several counties is a multi-county state office (SoS route).
        "superior court",
        "superior court judge",
        "judge of superior court",
        "judge of the superior court",
        "judge superior court",
        "district attorney",
    }
)

_UNITED_STATES = re.compile(r"\b(united states|u s)\b")
_QUALIFIER = re.compile(
    r"(\s*[(,:;/–—-].*"  # "(Special)", ", District 5", " - Loeffler", ": Post 2"
    r"|\s+(district|dist|post|seat|position|no|number|#)\s*\S*.*"  # " District 12", " Post 3"
    r"|\s+(special|unexpired( term)?|special election)"  # " Special"
    r"|\s+\d+\w*)$"  # " 12", " 3rd"
)


_AMENDMENT = re.compile(
    r"(?:proposed\s+)?(?:state\s+)?constitutional\s+amendments?\s*(?:no\.?|number|question|#)?\s*(?P<id>[0-9]+|[a-z])\b.*"
)
_REFERENDUM = re.compile(
    r"(?:proposed\s+)?statewide\s+referendums?\s*(?:question)?\s*(?:no\.?|number|#)?\s*(?P<id>[0-9]+|[a-z])\b.*"
)


def statewide_question(office: str) -> str | None:
    """The one name of a statewide ballot question however written, or None for anything else."""
    text = " ".join(office.casefold().replace("#", " # ").split())
    text = text.removeprefix("georgia ").removeprefix("ga ")
    if found := _AMENDMENT.fullmatch(text):
        return f"Constitutional Amendment {found['id'].upper()}"
    if found := _REFERENDUM.fullmatch(text):
        mark = found["id"]
        letter = chr(ord("A") + int(mark) - 1) if mark.isdigit() and 1 <= int(mark) <= 26 else mark.upper()
        return f"Statewide Referendum {letter}"
    return None


def office_name(office: str) -> str:
    """The office as shown and matched: spaces collapsed, a translation after a known office's name
    dropped, a statewide question's one name (see the module's docstring)."""
    office = " ".join(office.split())
    question = statewide_question(office)
    if question:
        return question
    first, slash, _ = office.partition("/")
    first = first.strip()
    if slash and first and any(name in FEDERAL_OFFICES | STATE_OFFICES for name in _names(first)):
        return first
    return office


def _plain(office: str) -> str:
    """Lower case, no full stops or apostrophes, single spaces, "United States" → "us"."""
    text = office.casefold().replace(".", " ").replace("'", "").replace("’", "")
    text = " ".join(text.split())
    text = _UNITED_STATES.sub("us", text)
    return text.removeprefix("georgia ").removeprefix("ga ")


def _names(office: str) -> tuple[str, str]:
    """The office's plain name, and the same without a trailing qualifier."""
    plain = _plain(office)
    return plain, _QUALIFIER.sub("", plain)


def is_presidential(office: str) -> bool:
    """Whether the office is President (its electors are chosen by plurality: no runoff)."""
    return any(name in PRESIDENTIAL_OFFICES for name in _names(office))


def office_level(office: str, *, municipal: bool) -> Level:
    """The level of an office as published: federal or state by the table above, else local.

    Local means ``Level.MUNICIPAL`` when ``municipal`` (a city's own election), else
    ``Level.COUNTY``. Matching ignores case, full stops and a trailing qualifier.
    """
    if statewide_question(office):
        return Level.STATE
    for name in _names(office):
        if name in FEDERAL_OFFICES:
            return Level.FEDERAL
        if name in STATE_OFFICES:
            return Level.STATE
    return Level.MUNICIPAL if municipal else Level.COUNTY
