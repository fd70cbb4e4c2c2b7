"""The Clarity ``detail.xml`` reader: rows, lines, refusals and sniffing. No database."""

import io
import tracemalloc
from pathlib import Path

import pytest
from defusedxml.ElementTree import fromstring
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elections.importers.clarity import ClarityError, ClarityRow, looks_like_clarity, read_clarity

DATA = Path(__file__).parent / "data" / "clarity"
STATEWIDE = DATA / "ga-statewide-detail.xml"
FULTON = DATA / "fulton-detail.xml"
TYPES = ("Election Day Votes", "Advanced Voting Votes", "Absentee by Mail Votes", "Provisional Votes")
SENATE, AMENDMENT = "US Senate", "Constitutional Amendment #1"
WALKER, WARNOCK, OLIVER = "Herschel Walker (Rep)", "Raphael Warnock (I) (Dem)", "Chase Oliver (Lib)"


def read(data: bytes | str) -> list[ClarityRow]:
    return list(read_clarity(io.BytesIO(data.encode() if isinstance(data, str) else data)))


def table(rows: list[ClarityRow]) -> list[tuple]:
    """Each row without its line, the four Georgia vote types as four columns (in the file's order)."""
    assert {tuple(row.votes) for row in rows} == {TYPES}
    return [
        (row.county, row.precinct, row.office, row.party, row.candidate, row.question, *row.votes.values())
        for row in rows
    ]


def refusal(data: bytes | str) -> ClarityError:
    with pytest.raises(ClarityError) as caught:
        read(data)
    return caught.value


# -- Rows ---------------------------------------------------------------------------------------------


def test_statewide_file_gives_one_row_per_choice_and_county():
    assert table(read(STATEWIDE.read_bytes())) == [
        ("Appling", "", SENATE, "REP", WALKER, False, "2900", "2400", "310", "3"),
        ("Bibb", "", SENATE, "REP", WALKER, False, "9800", "13200", "1900", "20"),
        ("Fulton", "", SENATE, "REP", WALKER, False, "115", "211", "37", "2"),
        ("Appling", "", SENATE, "DEM", WARNOCK, False, "700", "610", "150", "2"),
        ("Bibb", "", SENATE, "DEM", WARNOCK, False, "11500", "17800", "3100", "31"),
        ("Fulton", "", SENATE, "DEM", WARNOCK, False, "338", "644", "143", "3"),
        ("Appling", "", SENATE, "LIB", OLIVER, False, "40", "30", "5", "0"),
        ("Bibb", "", SENATE, "LIB", OLIVER, False, "210", "290", "40", "1"),
        ("Fulton", "", SENATE, "LIB", OLIVER, False, "9", "13", "3", "0"),
        ("Appling", "", AMENDMENT, "", "Yes", True, "2500", "2100", "300", "3"),
        ("Bibb", "", AMENDMENT, "", "Yes", True, "14000", "20000", "3500", "30"),
        ("Fulton", "", AMENDMENT, "", "Yes", True, "345", "650", "136", "3"),
        ("Appling", "", AMENDMENT, "", "No", True, "1000", "850", "140", "2"),
        ("Bibb", "", AMENDMENT, "", "No", True, "6000", "9800", "1300", "19"),
        ("Fulton", "", AMENDMENT, "", "No", True, "98", "190", "39", "2"),
    ]


def test_county_file_gives_one_row_per_choice_and_precinct_in_the_region():
    assert table(read(FULTON.read_bytes())) == [
        ("Fulton", "01A", SENATE, "REP", WALKER, False, "12", "30", "5", "0"),
        ("Fulton", "01B", SENATE, "REP", WALKER, False, "8", "21", "4", "1"),
        ("Fulton", "AP01A", SENATE, "REP", WALKER, False, "95", "160", "28", "1"),
        ("Fulton", "01A", SENATE, "DEM", WARNOCK, False, "140", "260", "61", "2"),
        ("Fulton", "01B", SENATE, "DEM", WARNOCK, False, "118", "233", "47", "1"),
        ("Fulton", "AP01A", SENATE, "DEM", WARNOCK, False, "80", "151", "35", "0"),
        ("Fulton", "01A", SENATE, "LIB", OLIVER, False, "3", "4", "1", "0"),
        ("Fulton", "01B", SENATE, "LIB", OLIVER, False, "2", "3", "0", "0"),
        ("Fulton", "AP01A", SENATE, "LIB", OLIVER, False, "4", "6", "2", "0"),
        ("Fulton", "01A", AMENDMENT, "", "Yes", True, "110", "220", "48", "1"),
        ("Fulton", "01B", AMENDMENT, "", "Yes", True, "95", "190", "38", "1"),
        ("Fulton", "AP01A", AMENDMENT, "", "Yes", True, "140", "240", "50", "1"),
        ("Fulton", "01A", AMENDMENT, "", "No", True, "40", "60", "15", "1"),
        ("Fulton", "01B", AMENDMENT, "", "No", True, "28", "60", "12", "1"),
        ("Fulton", "AP01A", AMENDMENT, "", "No", True, "30", "70", "12", "0"),
    ]


def test_fixtures_add_up_as_published_files_do():
    """Each choice's totalVotes is the sum of its vote types, each vote type's votes the sum of its areas."""
    for path in (STATEWIDE, FULTON):
        for choice in fromstring(path.read_bytes()).iter("Choice"):
            vote_types = choice.findall("VoteType")
            assert int(choice.get("totalVotes")) == sum(int(vote_type.get("votes")) for vote_type in vote_types)
            for vote_type in vote_types:
                assert int(vote_type.get("votes")) == sum(int(area.get("votes")) for area in vote_type)


def test_statewide_fulton_is_the_county_file_added_up():
    county = {(row.office, row.candidate): row.votes for row in read(STATEWIDE.read_bytes()) if row.county == "Fulton"}
    added: dict[tuple[str, str], dict[str, int]] = {}
    for row in read(FULTON.read_bytes()):
        sums = added.setdefault((row.office, row.candidate), dict.fromkeys(TYPES, 0))
        for name, votes in row.votes.items():
            sums[name] += int(votes)
    assert {key: {name: int(votes) for name, votes in votes.items()} for key, votes in county.items()} == added


def test_questions_are_marked_in_any_case():
    rows = read(
        """<ElectionResult><Region>Fulton</Region>
        <Contest text="Referendum A" isQuestion="TRUE"><Choice text="Yes"><VoteType name="Election Day Votes">
        <Precinct name="01A" votes="7"/></VoteType></Choice></Contest>
        <Contest text="Referendum B"><Choice text="No"><VoteType name="Election Day Votes">
        <Precinct name="01A" votes="3"/></VoteType></Choice></Contest>
        </ElectionResult>"""
    )
    assert [(row.office, row.question) for row in rows] == [("Referendum A", True), ("Referendum B", False)]


def test_contest_level_vote_types_and_turnout_sections_are_not_rows():
    rows = read(
        """<ElectionResult><Region>GA</Region>
        <ElectionVoterTurnout><Counties><County name="Appling" ballotsCast="9"/></Counties></ElectionVoterTurnout>
        <Contest text="US Senate">
          <ParticipatingCounties><County name="Appling" precinctsReported="9"/></ParticipatingCounties>
          <VoteType name="Undervotes" votes="4"><County name="Appling" votes="4"/></VoteType>
          <VoteType name="Overvotes" votes="1"><County name="Appling" votes="1"/></VoteType>
          <Choice text="Chase Oliver (Lib)" party="LIB">
            <VoteType name="Election Day Votes" votes="5"><County name="Appling" votes="5"/></VoteType>
          </Choice>
        </Contest></ElectionResult>"""
    )
    assert rows == [
        ClarityRow(
            line=8,
            county="Appling",
            precinct="",
            office="US Senate",
            party="LIB",
            candidate="Chase Oliver (Lib)",
            votes={"Election Day Votes": "5"},
            question=False,
        )
    ]


def test_names_parties_vote_types_and_figures_are_passed_on_as_written():
    rows = read(
        """<ElectionResult><Region> Fulton </Region><Contest text=" U.S. Senate - Rep ">
        <Choice text="Walker, Herschel " party="NP">
          <VoteType name="Advance Voting Votes"><Precinct name=" 01a" votes=" 1,200"/></VoteType>
          <VoteType name="Military"><Precinct name=" 01a" votes="-3"/></VoteType>
        </Choice></Contest></ElectionResult>"""
    )
    assert rows == [
        ClarityRow(
            line=3,
            county="Fulton",
            precinct=" 01a",
            office=" U.S. Senate - Rep ",
            party="NP",
            candidate="Walker, Herschel ",
            votes={"Advance Voting Votes": " 1,200", "Military": "-3"},
            question=False,
        )
    ]


def test_areas_come_in_the_order_they_first_appear_and_may_miss_a_vote_type():
    rows = read(
        """<ElectionResult><Region>Fulton</Region><Contest text="Mayor"><Choice text="A">
        <VoteType name="Election Day Votes"><Precinct name="02" votes="1"/><Precinct name="01" votes="2"/></VoteType>
        <VoteType name="Provisional Votes"><Precinct name="03" votes="3"/><Precinct name="01" votes="4"/></VoteType>
        </Choice></Contest></ElectionResult>"""
    )
    assert [(row.precinct, row.votes, row.line) for row in rows] == [
        ("02", {"Election Day Votes": "1"}, 2),
        ("01", {"Election Day Votes": "2", "Provisional Votes": "4"}, 2),
        ("03", {"Provisional Votes": "3"}, 3),
    ]


def test_a_choice_whose_votes_name_no_area_is_one_row_for_the_region_on_the_choice_line():
    rows = read(
        """<ElectionResult>
        <Region>Fulton</Region>
        <Contest text="Mayor">
          <Choice text="A" totalVotes="9">
            <VoteType name="Election Day Votes" votes="5"/>
            <VoteType name="Provisional Votes" votes="4"/>
          </Choice>
          <Choice text="B" totalVotes="0"/>
        </Contest></ElectionResult>"""
    )
    assert rows == [
        ClarityRow(
            line=4,
            county="Fulton",
            precinct="",
            office="Mayor",
            party="",
            candidate="A",
            votes={"Election Day Votes": "5", "Provisional Votes": "4"},
            question=False,
        )
    ]


def test_a_file_without_contests_has_no_rows():
    assert read('<?xml version="1.0"?><ElectionResult><Region>GA</Region></ElectionResult>') == []


def test_utf8_names_and_a_byte_order_mark():
    rows = read(
        '\ufeff<ElectionResult><Region>DeKalb</Region><Contest text="Juez – Distrito 1"><Choice text="José Núñez">'
        '<VoteType name="Election Day Votes"><Precinct name="Avondale" votes="1"/></VoteType></Choice></Contest>'
        "</ElectionResult>"
    )
    assert [(row.county, row.precinct, row.office, row.candidate) for row in rows] == [
        ("DeKalb", "Avondale", "Juez – Distrito 1", "José Núñez")
    ]


# -- Lines --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "area"), [(STATEWIDE, "County"), (FULTON, "Precinct")])
def test_each_row_points_at_its_area_in_the_choices_first_vote_type(path: Path, area: str):
    lines = path.read_text().splitlines()
    rows = read(path.read_bytes())
    for row in rows:
        name = row.county if area == "County" else row.precinct
        assert lines[row.line - 1].strip() == f'<{area} name="{name}" votes="{row.votes[TYPES[0]]}" />'
        choice_line = next(n for n in range(row.line - 1, 0, -1) if "<Choice " in lines[n - 1])
        assert f'text="{row.candidate}"' in lines[choice_line - 1]
        assert lines[choice_line].strip().startswith(f'<VoteType name="{TYPES[0]}"')
    assert [row.line for row in rows[:4]] == ([34, 35, 36, 56] if area == "County" else [29, 30, 31, 51])


def test_lines_count_from_the_start_of_the_file_whatever_the_line_endings():
    crlf = FULTON.read_bytes().replace(b"\n", b"\r\n")
    assert [row.line for row in read(crlf)] == [row.line for row in read(FULTON.read_bytes())]


# -- Refusals -----------------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE ElectionResult [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<ElectionResult><Region>&lol9;</Region></ElectionResult>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE ElectionResult [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<ElectionResult><Region>&secret;</Region></ElectionResult>"""

ENDS_EARLY = "the file ends before it is complete; it may have been cut short, so download it again"
DTD_REFUSED = "the file declares a DTD or entities, which election returns never need; it was not read"
NOT_WELL_FORMED = "the file is not well-formed XML ({}); it may be damaged, or not a Clarity detail.xml file"


def fulton_with(old: str, new: str) -> str:
    text = FULTON.read_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("data", "line", "problem"),
    [
        pytest.param(BILLION_LAUGHS, 2, DTD_REFUSED, id="billion-laughs"),
        pytest.param(EXTERNAL_ENTITY, 2, DTD_REFUSED, id="external-entity"),
        pytest.param("\n<!DOCTYPE ElectionResult>\n<ElectionResult/>", 2, DTD_REFUSED, id="bare-doctype"),
        pytest.param(b"", 1, "the file is empty or has no XML in it", id="empty"),
        pytest.param(
            FULTON.read_bytes()[:3000],
            FULTON.read_bytes()[:3000].count(b"\n") + 1,
            ENDS_EARLY,
            id="cut-inside-a-tag",
        ),
        pytest.param(b"\n".join(FULTON.read_bytes().split(b"\n")[:48]), 48, ENDS_EARLY, id="cut-between-elements"),
        pytest.param("<ElectionResult><Region>Peach ü".encode()[:-1], 1, ENDS_EARLY, id="cut-inside-a-character"),
        pytest.param(b"<", 1, ENDS_EARLY, id="cut-at-once"),
        pytest.param(
            fulton_with("</Choice>", "</VoteType>"), 48, NOT_WELL_FORMED.format("mismatched tag"), id="mismatched-tag"
        ),
        pytest.param(
            "county,precinct,office\nFulton,01A,Mayor\n", 1, NOT_WELL_FORMED.format("syntax error"), id="a-csv-file"
        ),
        pytest.param(
            "<ElectionResult/>\n<ElectionResult/>", 2, NOT_WELL_FORMED.format("junk after document element"), id="two"
        ),
        pytest.param(
            "<ElectionResult>&nbsp;</ElectionResult>", 1, NOT_WELL_FORMED.format("undefined entity"), id="nbsp"
        ),
        pytest.param(
            '<?xml version="1.0" encoding="shift_jis"?>\n<ElectionResult/>',
            1,
            "the file declares a character encoding that cannot be read; Clarity files are UTF-8",
            id="multi-byte-encoding",
        ),
        pytest.param(
            '<?xml version="1.0" encoding="rot13"?>\n<ElectionResult/>',
            1,
            "the file declares a character encoding that cannot be read; Clarity files are UTF-8",
            id="not-an-encoding",
        ),
        pytest.param(
            '<?xml version="1.0"?>\n<html><body/></html>',
            2,
            "this is not a Clarity detail.xml file: it starts with <html>, not <ElectionResult>",
            id="not-election-result",
        ),
        pytest.param(
            fulton_with("<Region>Fulton</Region>", ""),
            29,
            "precinct “01A” for “Herschel Walker (Rep)” in “US Senate” has no county: "
            "the file has no <Region> before its results",
            id="county-file-without-region",
        ),
        pytest.param(
            fulton_with("<Region>Fulton</Region>", "<Region> </Region>"),
            29,
            "precinct “01A” for “Herschel Walker (Rep)” in “US Senate” has no county: "
            "the file has no <Region> before its results",
            id="county-file-with-empty-region",
        ),
        pytest.param(
            fulton_with('text="Chase Oliver (Lib)" ', ""),
            71,
            "a <Choice> in “US Senate” has no name (its text attribute is missing or empty)",
            id="choice-without-name",
        ),
        pytest.param(
            fulton_with('text="US Senate" ', 'text="" '),
            16,
            "a <Contest> has no name (its text attribute is missing or empty)",
            id="contest-without-name",
        ),
        pytest.param(
            fulton_with('<Precinct name="01B" votes="21" />', '<Precinct votes="21" />'),
            35,
            "a <Precinct> for “Herschel Walker (Rep)” in “US Senate” has no name",
            id="precinct-without-name",
        ),
        pytest.param(
            STATEWIDE.read_text().replace('<County name="Bibb" votes="290" />', '<County name="" votes="290" />'),
            84,
            "a <County> for “Chase Oliver (Lib)” in “US Senate” has no name",
            id="county-without-name",
        ),
        pytest.param(
            fulton_with('<VoteType name="Provisional Votes" votes="3">', '<VoteType votes="3">'),
            65,
            "a <VoteType> for “Raphael Warnock (I) (Dem)” in “US Senate” has no name",
            id="vote-type-without-name",
        ),
        pytest.param(
            fulton_with('<Precinct name="01B" votes="21" />', '<Precinct name="01B" />'),
            35,
            "Precinct “01B” has no votes figure under “Advanced Voting Votes” "
            "for “Herschel Walker (Rep)” in “US Senate”",
            id="precinct-without-votes",
        ),
        pytest.param(
            fulton_with('<Precinct name="01B" votes="21" />', '<Precinct name="01A" votes="21" />'),
            35,
            "Precinct “01A” appears twice under “Advanced Voting Votes” for “Herschel Walker (Rep)” in “US Senate”",
            id="precinct-twice",
        ),
        pytest.param(
            fulton_with('<VoteType name="Provisional Votes" votes="3">', '<VoteType name="Election Day Votes">'),
            65,
            "the vote type “Election Day Votes” appears twice for “Raphael Warnock (I) (Dem)” in “US Senate”",
            id="vote-type-twice",
        ),
        pytest.param(
            fulton_with('<Precinct name="01B" votes="21" />', '<District name="01B" votes="21" />'),
            35,
            "a <District> under a vote type for “Herschel Walker (Rep)” in “US Senate”; "
            "expected <County> or <Precinct>",
            id="unknown-area",
        ),
        pytest.param(
            '<ElectionResult><Region>GA</Region>\n<Choice text="A"/></ElectionResult>',
            2,
            "a <Choice> inside <ElectionResult>; choices belong directly in a <Contest>",
            id="choice-outside-contest",
        ),
        pytest.param(
            '<ElectionResult>\n<Contests>\n<Contest text="A"/></Contests></ElectionResult>',
            3,
            "a <Contest> inside <Contests>; contests belong directly in <ElectionResult>",
            id="contest-out-of-place",
        ),
        pytest.param(
            '<ElectionResult><Contest text="Mayor">\n<Choice text="A"><VoteType name="Election Day Votes" votes="5"/>'
            "</Choice></Contest></ElectionResult>",
            2,
            "the votes for “A” in “Mayor” name no county or precinct, and the file has no <Region>",
            id="choice-total-without-region",
        ),
        pytest.param(
            '<ElectionResult><Region>Fulton</Region><Contest text="Mayor">\n<Choice text="A">'
            '<VoteType name="Election Day Votes"/></Choice></Contest></ElectionResult>',
            2,
            "a <VoteType> for “A” in “Mayor” has no votes figure",
            id="choice-total-without-votes",
        ),
    ],
)
def test_refused_files_say_what_is_wrong_and_where(data: bytes | str, line: int, problem: str):
    error = refusal(data)
    assert (error.line, error.problem, str(error)) == (line, problem, f"line {line}: {problem}")


def test_rows_before_a_fault_are_given_and_then_the_fault_is_raised():
    rows = read_clarity(io.BytesIO(fulton_with('text="Chase Oliver (Lib)" ', "").encode()))
    assert [next(rows).candidate for _ in range(6)] == [WALKER] * 3 + [WARNOCK] * 3
    with pytest.raises(ClarityError, match=r"^line 71: "):
        next(rows)


# -- Streaming ---------------------------------------------------------------------------------------


class ReadOnce(io.RawIOBase):
    """A stream that can only be read forward (like one hashing what it reads), recording every read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)
        self.chunks: list[bytes] = []

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self._data.read(size)
        self.chunks.append(chunk)
        return chunk


def big_county_file(contests: int, precincts: int = 300) -> bytes:
    parts = ['<?xml version="1.0"?>\n<ElectionResult>\n<Region>Fulton</Region>\n']
    for contest in range(contests):
        parts.append(f'<Contest key="{contest}" text="Contest {contest}" isQuestion="false">\n')
        for choice in range(4):
            parts.append(f'<Choice key="{choice}" text="Candidate {choice}">\n')
            for vote_type in TYPES:
                parts.append(f'<VoteType name="{vote_type}">\n')
                parts.extend(
                    f'<Precinct name="P{number:04d}" votes="{number % 97}" />\n' for number in range(precincts)
                )
                parts.append("</VoteType>\n")
            parts.append("</Choice>\n")
        parts.append("</Contest>\n")
    parts.append("</ElectionResult>\n")
    return "".join(parts).encode()


def test_rows_come_while_the_file_is_read_once_in_order():
    data = big_county_file(contests=4)
    stream = ReadOnce(data)
    rows = read_clarity(stream)
    first = next(rows)
    assert (first.precinct, first.line, sum(map(len, stream.chunks)) < len(data) / 4) == ("P0000", 7, True)
    assert sum(1 for _ in rows) == 4 * 4 * 300 - 1
    assert b"".join(stream.chunks) == data


def test_memory_stays_bounded_by_one_choice_not_the_file():
    data = big_county_file(contests=20)
    assert len(data) > 3 << 20
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_clarity(io.BytesIO(data)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (count, peak < 2 << 20) == (20 * 4 * 300, True)


# -- Sniffing -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(STATEWIDE.read_bytes()[:4096], True, id="statewide-fixture"),
        pytest.param(FULTON.read_bytes()[:4096], True, id="county-fixture"),
        pytest.param(b"<ElectionResult>", True, id="bare"),
        pytest.param(b"<ElectionResult", True, id="cut-after-the-name"),
        pytest.param(b"<ElectionResult/>", True, id="empty-element"),
        pytest.param(b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?>\r\n<ElectionResult>', True, id="bom"),
        pytest.param("\ufeff<ElectionResult>".encode("utf-16-le"), True, id="utf-16"),
        pytest.param(b"\n  <!-- a -->\n<?pi x?><!--b--><ElectionResult\n>", True, id="comments-and-pi"),
        pytest.param(b"<!-- caf\xe9 --><ElectionResult>", True, id="latin-1-comment"),
        pytest.param(b"", False, id="empty"),
        pytest.param(b"county,precinct,office,district,party,candidate,votes\n", False, id="csv"),
        pytest.param(b"<html><body>", False, id="html"),
        pytest.param(b"<ElectionResults>", False, id="another-name"),
        pytest.param(b"<electionresult>", False, id="another-case"),
        pytest.param(b"<?xml version='1.0'?><Report><ElectionResult>", False, id="not-the-root"),
        pytest.param(b"<!DOCTYPE ElectionResult><ElectionResult>", False, id="doctype"),
        pytest.param(b"<!-- never closed <ElectionResult>", False, id="unclosed-comment"),
        pytest.param(b"<?xml version='1.0'", False, id="cut-in-declaration"),
        pytest.param(b"%PDF-1.7\n", False, id="pdf"),
        pytest.param(b"PK\x03\x04", False, id="zip"),
    ],
)
def test_looks_like_clarity(head: bytes, expected: bool):
    assert looks_like_clarity(head) is expected


# -- Anything in, rows or ClarityError out ------------------------------------------------------------

FIXTURES = (STATEWIDE.read_bytes(), FULTON.read_bytes())
FRAGMENTS = (
    b"<",
    b">",
    b"/>",
    b"</Choice>",
    b'<Choice text="X">',
    b"<Contest>",
    b'<Precinct name="" votes="1"/>',
    b'<County votes="2"/>',
    b"<VoteType>",
    b"<!DOCTYPE x>",
    b'<!ENTITY a "b">',
    b"&a;",
    b"&#0;",
    b"\x00",
    b"\xff\xfe",
    b"]]>",
    b"<![CDATA[",
    b'"',
    b'<?xml version="1.0" encoding="utf-16"?>',
    b"\xc3",
)


def refused_or_rows(data: bytes) -> None:
    try:
        rows = read(data)
    except ClarityError as error:
        refused = error
    else:
        assert all(isinstance(row, ClarityRow) for row in rows)
        return
    assert refused.line >= 1
    assert str(refused) == f"line {refused.line}: {refused.problem}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_give_rows_or_a_clarity_error(data: bytes):
    refused_or_rows(data)


@st.composite
def mutated_fixtures(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, len(data)))
        end = draw(st.integers(start, min(len(data), start + 40)))
        change = draw(st.sampled_from(("delete", "insert", "replace", "cut")))
        if change == "cut":
            del data[start:]
        elif change == "delete":
            del data[start:end]
        else:
            new = draw(st.one_of(st.sampled_from(FRAGMENTS), st.binary(min_size=1, max_size=8)))
            data[start : end if change == "replace" else start] = new
    return bytes(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_fixtures())
def test_mutated_fixtures_give_rows_or_a_clarity_error(data: bytes):
    refused_or_rows(data)
