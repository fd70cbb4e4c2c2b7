"""The database's own guard on returns: one row per line, and a line's types adding up."""

import pytest
from django.db import IntegrityError, transaction

from elections.enums import VoteType
from elections.models import Result
from tests.factories import county, make_candidate, make_result

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("figures", "stored"),
    [
        pytest.param({"votes": 12}, True, id="not-broken-down"),
        pytest.param({"votes": 12, "election_day": 10, "provisional": 2}, True, id="types-add-up"),
        pytest.param({"votes": 0, "election_day": 0}, True, id="all-zero"),
        pytest.param({"votes": 12, "election_day": 10}, False, id="types-short"),
        pytest.param({"votes": 12, "election_day": 10, "absentee_by_mail": 3}, False, id="types-over"),
        pytest.param({"votes": 0, "military_overseas": 1}, False, id="total-zero-type-not"),
        pytest.param({"votes": 12, "unspecified": 10, "provisional": 2}, True, id="part-not-broken-down-adds-up"),
        pytest.param({"votes": 12, "unspecified": 12, "provisional": 2}, False, id="part-not-broken-down-over"),
    ],
)
def test_a_line_s_types_add_up_to_its_votes(figures, stored):
    line = Result(candidate=make_candidate(), county=county("Fulton"), **figures)
    if stored:
        line.save()
        assert Result.objects.filter(pk=line.pk).exists()
    else:
        with pytest.raises(IntegrityError), transaction.atomic():
            line.save()
        assert not Result.objects.exists()


def test_one_row_per_candidate_county_and_precinct():
    line = make_result(precinct="P1", election_day=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_result(candidate=line.candidate, precinct="P1", votes=3)


@pytest.mark.parametrize(
    ("figures", "by_type"),
    [
        ({"votes": 9}, {VoteType.UNSPECIFIED: 9}),
        ({"election_day": 7, "provisional": 0}, {VoteType.ELECTION_DAY: 7, VoteType.PROVISIONAL: 0}),
    ],
)
def test_by_type_gives_the_types_given_or_the_whole_line(figures, by_type):
    assert make_result(**figures).by_type() == by_type


def test_by_type_gives_the_part_not_broken_down_beside_the_types_given():
    line = Result(votes=5_173, provisional=5, military_overseas=1, unspecified=5_167)
    assert line.by_type() == {
        VoteType.PROVISIONAL: 5,
        VoteType.MILITARY_OVERSEAS: 1,
        VoteType.UNSPECIFIED: 5_167,
    }
