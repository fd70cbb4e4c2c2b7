"""Pages on elections and contests: read through the queries, render. Nothing here decides the statute.

Who sees what is decided in `recounts.queries`: staff see their jurisdictions' contests (the
Secretary of State's, all), a candidate their own; a candidate's home is their own page.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_safe

from elections import queries
from elections.models import Election
from recounts import roles
from recounts.queries import (
    certification_missing,
    contest_certifications,
    contests_visible_to,
    elections_visible_to,
    has_candidacies,
    may_invite,
    receives_requests,
    standings_for,
    superintendents_of,
)


@require_safe
@login_required
def election_list(request: HttpRequest) -> HttpResponse:
    if not roles.is_staff_of_an_authority(request.user):
        if has_candidacies(request.user):
            return redirect("recounts:mine")
        raise PermissionDenied("This account has no role in the recount desk yet.")
    elections = elections_visible_to(request.user)
    return render(request, "elections/election_list.html", {"elections": elections})


@require_safe
@login_required
def election_detail(request: HttpRequest, slug: str) -> HttpResponse:
    election = get_object_or_404(Election, slug=slug)
    visible = contests_visible_to(request.user).values("pk")
    standings = standings_for(queries.contests_of_election(election).filter(pk__in=visible))
    if not standings:
        raise Http404("No contest of this election is open to this account.")
    contests = [(standing, superintendents_of(standing)) for standing in standings]
    return render(request, "elections/election_detail.html", {"election": election, "contests": contests})


@require_safe
@login_required
def contest_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    visible = contests_visible_to(request.user).values("pk")
    standings = standings_for(queries.contest_of_election(slug=slug, pk=pk).filter(pk__in=visible))
    if not standings:
        raise Http404("No such contest in this election.")
    (standing,) = standings
    contest = standing.contest
    certifications = contest_certifications(standing)
    candidates = [candidate_standing.candidate for candidate_standing in standing.candidates]
    return render(
        request,
        "elections/contest_detail.html",
        {
            "election": contest.election,
            "contest": contest,
            "standing": standing,
            "superintendents": superintendents_of(standing),
            "certifications": certifications,
            "missing": certification_missing(standing, certifications),
            "candidates": candidates,
            "vote_rows": queries.votes_by_county_and_type(
                contest_id=contest.pk, candidate_ids=[candidate.pk for candidate in candidates]
            ),
            "may_invite": may_invite(request.user, contest),
            "receives_requests": receives_requests(request.user, standing),
        },
    )
