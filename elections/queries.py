"""Named reads of elections data for the pages: each is one query, whatever the size of the election."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from elections.enums import VoteType
from elections.models import Contest, Election, Result

_VOTE_TYPE_ORDER = {value: position for position, value in enumerate(VoteType.values)}


def elections_newest_first() -> QuerySet[Election]:
    """Every election, newest first, each with `contest_count`."""
    return Election.objects.annotate(contest_count=Count("contests")).order_by("-date", "name")


def contests_of_election(election: Election) -> QuerySet[Contest]:
    """The election's contests by office (a county office county by county); `standings_for` adds
    what their pages read."""
    return Contest.objects.filter(election=election).order_by("office", "district", "party", "home_county__name")


def contest_of_election(*, slug: str, pk: int) -> QuerySet[Contest]:
    """The contest `pk` if it belongs to the election `slug` (empty otherwise)."""
    return Contest.objects.filter(election__slug=slug, pk=pk)


@dataclass(frozen=True, slots=True)
class CountyVoteRow:
    """Votes of one vote type in one county, one figure per candidate (in the order asked for)."""

    county: str
    vote_type: str
    votes: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.votes)


def votes_by_county_and_type(*, contest_id: int, candidate_ids: Sequence[int]) -> list[CountyVoteRow]:
    """The contest's returns summed in the database by county, vote type and candidate.

    One grouped query; precinct rows add up to their county. Rows run by county name, then vote
    type in the order of `VoteType`; a candidate with no votes of that type in that county has 0.
    """
    sums = (
        Result.objects.filter(candidate__contest_id=contest_id)
        .values("county__name", "vote_type", "candidate_id")
        .annotate(votes=Sum("votes"))
        .order_by()
    )
    position = {candidate_id: index for index, candidate_id in enumerate(candidate_ids)}
    table: dict[tuple[str, str], list[int]] = {}
    for line in sums:
        figures = table.setdefault((line["county__name"], line["vote_type"]), [0] * len(candidate_ids))
        figures[position[line["candidate_id"]]] = line["votes"]
    keys = sorted(table, key=lambda key: (key[0], _VOTE_TYPE_ORDER.get(key[1], len(_VOTE_TYPE_ORDER))))
    return [
        CountyVoteRow(county=county, vote_type=VoteType(vote_type).label, votes=tuple(table[county, vote_type]))
        for county, vote_type in keys
    ]
