"""The case's life and the scanner test deck, as tables (no database)."""

import pytest

from recounts.enums import CountyRecountStatus, RequestStatus
from recounts.rules import DeckResult, case_move_allowed, county_move_allowed, scanner_deck

S, C = RequestStatus, CountyRecountStatus

ALLOWED_CASE_MOVES = {
    (S.FILED, S.ORDERED),
    (S.FILED, S.DENIED),
    (S.FILED, S.WITHDRAWN),
    (S.ORDERED, S.COUNTING),
    (S.COUNTING, S.COUNTED),
    (S.COUNTED, S.COUNTING),
    (S.COUNTED, S.CONFIRMED),
    (S.COUNTED, S.RECERTIFIED),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("new", list(S))
def test_case_moves_are_exactly_the_diagram(current, new):
    assert case_move_allowed(current, new) is ((current, new) in ALLOWED_CASE_MOVES)


ALLOWED_COUNTY_MOVES = {
    (C.ORDERED, C.SCANNER_TESTING),
    (C.ORDERED, C.COUNTING),
    (C.SCANNER_TESTING, C.COUNTING),
    (C.COUNTING, C.SUBMITTED),
    (C.SUBMITTED, C.APPROVED),
    (C.SUBMITTED, C.COUNTING),
    (C.APPROVED, C.COUNTING),
    (C.APPROVED, C.CONFIRMED),
    (C.APPROVED, C.RECERTIFIED),
}


@pytest.mark.parametrize("current", list(C))
@pytest.mark.parametrize("new", list(C))
def test_county_moves(current, new):
    assert county_move_allowed(current, new) is ((current, new) in ALLOWED_COUNTY_MOVES)


DECK = {"machine_marked": 75, "hand_marked": 25, "precincts": 3, "hand_count": 100, "machine_count": 100}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({}, DeckResult(passed=True, problems=()), id="the-minimum-deck-agreeing"),
        pytest.param(
            {"machine_marked": 200, "hand_marked": 60, "precincts": 9, "hand_count": 260, "machine_count": 260},
            DeckResult(passed=True, problems=()),
            id="a-larger-deck",
        ),
        pytest.param(
            {"machine_marked": 74},
            DeckResult(False, ("the deck has 74 machine-marked ballots; at least 75 are needed",)),
            id="one-machine-marked-short",
        ),
        pytest.param(
            {"hand_marked": 24},
            DeckResult(False, ("the deck has 24 hand-marked ballots; at least 25 are needed",)),
            id="one-hand-marked-short",
        ),
        pytest.param(
            {"precincts": 2},
            DeckResult(False, ("the deck comes from 2 precincts; at least 3 are needed",)),
            id="two-precincts",
        ),
        pytest.param(
            {"machine_count": 99},
            DeckResult(False, ("the machine counted 99, the hand count is 100",)),
            id="counts-disagree-by-one",
        ),
        pytest.param(
            {"hand_marked": 0, "precincts": 1, "machine_count": 101},
            DeckResult(
                False,
                (
                    "the deck has 0 hand-marked ballots; at least 25 are needed",
                    "the deck comes from 1 precincts; at least 3 are needed",
                    "the machine counted 101, the hand count is 100",
                ),
            ),
            id="everything-wrong-at-once",
        ),
    ],
)
def test_scanner_deck(changes, expected):
    assert scanner_deck(**(DECK | changes)) == expected


def test_scanner_deck_refuses_negative_figures():
    with pytest.raises(ValueError, match="the hand count cannot be negative"):
        scanner_deck(**(DECK | {"hand_count": -1}))
