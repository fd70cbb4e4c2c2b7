"""Named reads of elections data for the pages: each is one query, whatever the size of the election."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from elections.enums import VoteType
from elections.models import Contest, Election, Result


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

    One grouped query; precinct lines add up to their county. Lines not broken down by type, and
    the part not broken down of lines that are (beside late ballots a recount counted on their own
    types), are summed as ``VoteType.UNSPECIFIED``. Rows run by county name, then vote type in the
    order of `VoteType`; a type no line of the county gives is left out, and a candidate with no
    votes of a type shown has 0.
    """
    not_broken_down = Q(**{f"{name}__isnull": True for name in Result.TYPE_FIELDS})
    sums = (
        Result.objects.filter(candidate__contest_id=contest_id)
        .values("county__name", "candidate_id")
        .annotate(
            **{f"sum_{name}": Sum(name) for name in Result.TYPE_FIELDS},
            whole_lines=Sum("votes", filter=not_broken_down),
        )
        .order_by()
    )
    position = {candidate_id: index for index, candidate_id in enumerate(candidate_ids)}
    table: dict[tuple[str, VoteType], list[int]] = {}
    for line in sums:
        for vote_type in VoteType:
            figure = line[f"sum_{vote_type.value}"]
            if vote_type == VoteType.UNSPECIFIED and line["whole_lines"] is not None:
                figure = (figure or 0) + line["whole_lines"]
            if figure is not None:
                figures = table.setdefault((line["county__name"], vote_type), [0] * len(candidate_ids))
                figures[position[line["candidate_id"]]] = figure
    order = {vote_type: index for index, vote_type in enumerate(VoteType)}
    return [
        CountyVoteRow(county=county, vote_type=vote_type.label, votes=tuple(table[county, vote_type]))
        for county, vote_type in sorted(table, key=lambda key: (key[0], order[key[1]]))
    ]
