"""How returns are written, reduced to what they mean: the vocabulary's pure functions, by table."""

import pytest

from elections.enums import Level, VoteType
from elections.importers.vocabulary import (
    IGNORED,
    TOTAL,
    candidate_display,
    candidate_key,
    candidate_party,
    choice_display,
    looks_damaged,
    party_code,
    precinct_name,
    read_column,
)
from elections.offices import office_level, office_name


@pytest.mark.parametrize(
    ("header", "meaning"),
    [
        ("votes", (TOTAL, None)),
        ("total_votes", (TOTAL, None)),
        ("Total Votes", (TOTAL, None)),
        ("election_day_votes", (VoteType.ELECTION_DAY, None)),
        ("Election Day Votes", (VoteType.ELECTION_DAY, None)),
        ("election_day", (VoteType.ELECTION_DAY, None)),
        ("advance_voting_votes", (VoteType.ADVANCE_IN_PERSON, None)),
        ("Advanced Voting Votes", (VoteType.ADVANCE_IN_PERSON, None)),
        ("advanced_votes", (VoteType.ADVANCE_IN_PERSON, None)),
        ("advance_in_person", (VoteType.ADVANCE_IN_PERSON, None)),
        ("advance_in_person_2", (VoteType.ADVANCE_IN_PERSON, 2)),
        ("early_voting", (VoteType.ADVANCE_IN_PERSON, None)),
        ("absentee_by_mail_votes", (VoteType.ABSENTEE_BY_MAIL, None)),
        ("Absentee by Mail Votes", (VoteType.ABSENTEE_BY_MAIL, None)),
        ("mail", (VoteType.ABSENTEE_BY_MAIL, None)),
        ("provisional_votes", (VoteType.PROVISIONAL, None)),
        ("Provisional Votes", (VoteType.PROVISIONAL, None)),
        ("uocava", (VoteType.MILITARY_OVERSEAS, None)),
        (" County ", ("county", None)),
        ("PRECINCT", ("precinct", None)),
        ("candidate_name", ("candidate", None)),
        ("fips", (IGNORED, None)),
        ("precinct_id", (IGNORED, None)),
        ("notes", (IGNORED, None)),
        ("undervotes", None),
        ("early_mail_ballots", None),
        ("xyzzy", None),
        ("", None),
    ],
)
def test_a_header_name_is_read_through_the_vocabulary(header, meaning):
    assert read_column(header) == meaning


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("01A", "01A"),
        ("  Adams   Park ", "Adams Park"),
        ("", ""),
        ("   ", ""),
        ("not available", ""),
        ("Not Available", ""),
        ("N/A", ""),
        ("n/a", ""),
        ("NA", ""),
        ("-", ""),
        ("—", ""),
        ("unknown", ""),
        ("County Total", ""),
        ("Countywide", ""),
        ("Total", ""),
        ("Total Precinct", "Total Precinct"),
        ("North Atlanta", "North Atlanta"),
        ("Nashville", "Nashville"),
    ],
)
def test_a_placeholder_precinct_is_a_county_level_line(cell, stored):
    assert precinct_name(cell) == stored


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("R", "REP"),
        ("Rep", "REP"),
        ("REP", "REP"),
        ("Republican", "REP"),
        ("(Republican", "REP"),
        ("Jay L. Dixon (Rep", "REP"),
        ("D", "DEM"),
        ("Dem", "DEM"),
        ("(Dem", "DEM"),
        ("Democrat", "DEM"),
        ("Democratic", "DEM"),
        ("L", "LIB"),
        ("Lib", "LIB"),
        ("Libertarian", "LIB"),
        ("Ind", "IND"),
        ("(Ind", "IND"),
        ("Independent", "IND"),
        ("Green", "GRN"),
        ("NP", ""),
        ("Nonpartisan", ""),
        ("Non-Partisan", ""),
        ("", ""),
        ("  ", ""),
        ("Working Families", "WORKING FAMILIES"),
    ],
)
def test_a_party_label_is_one_code_per_party(cell, code):
    assert party_code(cell) == code


@pytest.mark.parametrize(
    ("cell", "display", "party"),
    [
        ("Raphael Warnock", "Raphael Warnock", ""),
        ("Raphael Warnock ", "Raphael Warnock", ""),
        ("Raphael  Warnock", "Raphael Warnock", ""),
        ("Raphael Warnock (I) (Dem)", "Raphael Warnock", "DEM"),
        ("Raphael Warnock (I)", "Raphael Warnock", ""),
        ("Herschel Walker (Rep)", "Herschel Walker", "REP"),
        ("David A. Perdue (I) (Rep)", "David A. Perdue", "REP"),
        ("KAREN HANDEL (REP", "KAREN HANDEL", "REP"),
        ("Robert (Bobby) Brooks", "Robert (Bobby) Brooks", ""),
        ('Marquavious "Quay" Boddie', 'Marquavious "Quay" Boddie', ""),
        ("(I)", "(I)", ""),
    ],
)
def test_a_candidates_name_without_its_marks(cell, display, party):
    assert (candidate_display(cell), candidate_party(cell)) == (display, party)


def test_spellings_that_differ_by_case_spacing_or_marks_share_a_key():
    spellings = ["Raphael Warnock", "RAPHAEL WARNOCK ", "Raphael  Warnock (I) (Dem)", "raphael warnock (Dem"]

    assert {candidate_key(spelling) for spelling in spellings} == {"raphael warnock"}
    assert candidate_key("Raphael Warnock Jr.") != candidate_key("Raphael Warnock")


@pytest.mark.parametrize(
    ("cell", "why"),
    [
        ("KAREN HANDEL (REP", "an unclosed bracket"),
        ("Ada Able)", "an unclosed bracket"),
        ('Henrietta "Nell Browne', "an unmatched quotation mark"),
        ("Raphael Warnock (I) (Dem)", None),
        ("Ada Able", None),
    ],
)
def test_a_damaged_name_is_named(cell, why):
    assert looks_damaged(cell) == why


@pytest.mark.parametrize(
    ("cell", "choice"),
    [
        ("Yes", "Yes"),
        ("YES", "Yes"),
        ("Yes / Sí", "Yes"),
        ("No", "No"),
        ("For", "For"),
        ("Against", "Against"),
        ("Bonds - Yes", "Bonds - Yes"),
        ("Ada Able", None),
        ("Noah Yes", None),
    ],
)
def test_a_ballot_questions_choice(cell, choice):
    assert choice_display(cell) == choice


@pytest.mark.parametrize(
    ("office", "name", "level"),
    [
        ("Governor/Gobernador", "Governor", Level.STATE),
        ("Secretary of State/ Secretario de Estado", "Secretary of State", Level.STATE),
        ("Commissioner Of Labor", "Commissioner Of Labor", Level.STATE),
        ("Constitutional Amendment #1", "Constitutional Amendment 1", Level.STATE),
        ("Proposed Constitutional Amendment 2", "Constitutional Amendment 2", Level.STATE),
        (
            "Proposed Constitutional Amendment 1/ Enmiendas Constitucionales Propuestas 1",
            "Constitutional Amendment 1",
            Level.STATE,
        ),
        ("Statewide Referendum A", "Statewide Referendum A", Level.STATE),
        ("Statewide Referendum Question 1", "Statewide Referendum A", Level.STATE),
        ("Statewide Referendum Question B", "Statewide Referendum B", Level.STATE),
        ("Proposed Statewide Referendum 2/ Referéndum estatal propuesto 2", "Statewide Referendum B", Level.STATE),
        (
            "Solicitor General/ Para Procurador General del Condado de Gwinnett",
            "Solicitor General/ Para Procurador General del Condado de Gwinnett",
            Level.COUNTY,
        ),
        ("TSPLOST", "TSPLOST", Level.COUNTY),
        ("Fulton County School Homestead Exemption", "Fulton County School Homestead Exemption", Level.COUNTY),
    ],
)
def test_an_office_or_questions_one_name_and_level(office, name, level):
    assert (office_name(office), office_level(office, municipal=False)) == (name, level)
