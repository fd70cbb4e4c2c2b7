"""Plain, stable shapes of what the desk knows, for JSON output (the `eligibility --json` command)."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from elections.models import Election
from recounts.queries import ContestStanding


def _number(value: Decimal | None) -> float | None:
    # A Decimal with a few places prints exactly as a JSON number (0.899, 0.5).
    return None if value is None else float(value)


def _instant(value: datetime.datetime | None, zone: str) -> str | None:
    return None if value is None else value.astimezone(ZoneInfo(zone)).isoformat()


def standing_json(standing: ContestStanding) -> dict:
    contest = standing.contest
    zone = standing.rule.time_zone if standing.rule else settings.TIME_ZONE
    return {
        "id": contest.pk,
        "office": contest.office,
        "district": contest.district,
        "party": contest.party,
        "home_county": contest.home_county.name if contest.home_county else None,
        "level": contest.level,
        "question": contest.is_question,
        "seats": contest.seats,
        "counties": [county.name for county in standing.counties],
        "total_votes": standing.total_votes,
        "margin": standing.margin,
        "rule": (
            {"name": standing.rule.name, "threshold_percent": _number(standing.rule.threshold_percent)}
            if standing.rule
            else None
        ),
        "certified_at": _instant(standing.certified_at, zone),
        "filing_deadline": _instant(standing.filing_deadline, zone),
        "route": standing.route.value if standing.route else None,
        "candidates": [
            {
                "name": row.candidate.name,
                "party": row.candidate.party,
                "votes": row.votes,
                "declared": row.eligibility.declared,
                "declared_status": row.candidate.declared_status,
                "write_in_aggregate": row.candidate.write_in_aggregate,
                "eligible": row.eligible,
                "gap": row.eligibility.gap,
                "gap_percent": _number(row.eligibility.gap_percent),
                "against": row.against.name if row.against else None,
            }
            for row in standing.candidates
        ],
    }


def election_json(election: Election, standings: list[ContestStanding]) -> dict:
    return {
        "election": {
            "name": election.name,
            "slug": election.slug,
            "date": election.date.isoformat(),
            "kind": election.kind,
            "state": election.state,
        },
        "contests": [standing_json(standing) for standing in standings],
    }
