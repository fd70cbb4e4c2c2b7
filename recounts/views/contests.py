"""Elections and contests as the recount statute sees them: each contest's standing (margin, rule,
who may ask, the filing window, where requests go), its returns and certifications; the staff's
steps from there (certifying the returns, linking a candidate's account, recording a paper request).

Who sees what is decided in `recounts.queries`: staff see their jurisdictions' contests (the
Secretary of State's, all), a candidate their own; what each may do, in `recounts.permissions`.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from accounts import roles
from elections import queries as election_queries
from elections.instants import in_words
from elections.models import Candidate, Election, Jurisdiction
from recounts import permissions, queries
from recounts.forms import CertifyForm, LinkForm
from recounts.permissions import Returns
from recounts.services.cases import RecountError
from recounts.services.certifications import returns_certify
from recounts.views.checking import changing, check_page, confirmed


@require_safe
@login_required
def election_list(request: HttpRequest) -> HttpResponse:
    if not permissions.decide(request.user, "office_pages", None):
        if roles.has_candidacies(request.user):
            return redirect("recounts:mine")
        raise PermissionDenied("This account has no role in the recount desk yet.")
    return render(request, "recounts/election_list.html", {"elections": queries.elections_visible_to(request.user)})


def _certifiable(request: HttpRequest, election: Election) -> list[Returns]:
    """The returns of the election the user may certify: their own county's or city's, or statewide."""
    places = Jurisdiction.objects.filter(pk__in=roles.superintendent_jurisdiction_ids(request.user)).filter(
        pk__in=queries.jurisdictions_of(election)
    )
    scopes = [Returns(election=election, jurisdiction=place) for place in places.order_by("name")]
    scopes.append(Returns(election=election, jurisdiction=None))
    return [scope for scope in scopes if permissions.decide(request.user, "certify", scope)]


def _election_page(request: HttpRequest, election: Election, *, bound: CertifyForm | None = None) -> HttpResponse:
    visible = queries.contests_visible_to(request.user).values("pk")
    standings = queries.standings_for(election_queries.contests_of_election(election).filter(pk__in=visible))
    if not standings:
        raise Http404("No contest of this election is open to this account.")
    contests = [(standing, queries.superintendents_of(standing)) for standing in standings]
    scopes = _certifiable(request, election)
    certify_form = bound or (CertifyForm(scopes=scopes) if scopes else None)
    return render(
        request,
        "recounts/election_detail.html",
        {
            "election": election,
            "contests": contests,
            "certify_form": certify_form,
            "certifications": queries.election_certifications(election, scopes),
        },
    )


@require_safe
@login_required
def election_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return _election_page(request, get_object_or_404(Election, slug=slug))


@require_POST
@login_required
def certify(request: HttpRequest, slug: str) -> HttpResponse:
    """The superintendent certifies their county's (or city's) returns of the election; the Secretary of
    State's staff the statewide returns. Certifying again records the next version."""
    election = get_object_or_404(Election, slug=slug)
    scopes = _certifiable(request, election)
    if not scopes:
        raise PermissionDenied(
            "Only a superintendent of a county in this election, or the Secretary of State's staff, certify."
        )
    form = CertifyForm(request.POST, scopes=scopes)
    if not form.is_valid() or changing(request):
        return _election_page(request, election, bound=form)
    if not confirmed(request):
        return _check_certification(request, election, form)
    try:
        certification = returns_certify(
            returns=form.cleaned_data["scope"],
            by=request.user,
            certified_at=form.cleaned_data["certified_at"],
            note=form.cleaned_data["note"],
        )
    except RecountError as error:
        form.add_error("certified_at", str(error))
        return _election_page(request, election, bound=form)
    messages.success(request, f"Recorded: {certification}.")
    return redirect("recounts:election", slug=slug)


def _check_certification(request: HttpRequest, election: Election, form: CertifyForm) -> HttpResponse:
    """What a certification records: the returns, when, its version, and what it starts."""
    returns = form.cleaned_data["scope"]
    latest = next(iter(queries.election_certifications(election, [returns])), None)
    if latest is None:
        version = "The first: the time to ask for a recount of these returns' contests runs from it"
    else:
        version = (
            f"Version {latest.version + 1}: version {latest.version} was certified {in_words(latest.certified_at)}"
        )
    where = str(returns.jurisdiction) if returns.jurisdiction else "the State of Georgia (statewide)"
    return check_page(
        request,
        heading=f"Check before you certify the returns of {where}",
        lead="A certification is a legal record: once made it stays in the returns' history, and a mistake is "
        "corrected only by certifying again.",
        answers=[
            ("Election", election.name),
            ("Returns of", where),
            ("Certified at", in_words(form.cleaned_data["certified_at"])),
            ("Version", version),
            ("Note", form.cleaned_data["note"].strip() or "None"),
        ],
        button="Confirm and certify",
        back=f"{reverse('recounts:election', args=[election.slug])}#certify",
        context={"election": election},
    )


@require_safe
@login_required
def contest_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return contest_page(request, slug=slug, pk=pk)


def link_form_id(candidate: Candidate) -> str:
    """The ids of a candidate's link form on the contest page: one form per candidate, each its own."""
    return f"link-{candidate.pk}-%s"


def contest_page(request: HttpRequest, *, slug: str, pk: int, link_form: LinkForm | None = None) -> HttpResponse:
    """The contest page; `link_form`, sent back with its problems, is shown as typed, the problems on top."""
    visible = queries.contests_visible_to(request.user).values("pk")
    standings = queries.standings_for(election_queries.contest_of_election(slug=slug, pk=pk).filter(pk__in=visible))
    if not standings:
        raise Http404("No such contest in this election.")
    (standing,) = standings
    contest = standing.contest
    certifications = queries.contest_certifications(standing)
    candidates = [candidate_standing.candidate for candidate_standing in standing.candidates]
    accounts = queries.linked_accounts(candidates, seen_by=request.user)
    linking = [
        (
            candidate,
            link_form
            if link_form is not None and link_form.candidate.pk == candidate.pk
            else LinkForm(candidate=candidate, auto_id=link_form_id(candidate)),
            accounts.get(candidate.pk, []),
        )
        for candidate in candidates
        if permissions.decide(request.user, "link", candidate)
    ]
    recordable = [
        candidate
        for candidate in queries.with_candidates_standing(standing)
        if permissions.decide(request.user, "record", candidate)
    ]
    return render(
        request,
        "recounts/contest_detail.html",
        {
            "election": contest.election,
            "contest": contest,
            "standing": standing,
            "superintendents": queries.superintendents_of(standing),
            "certifications": certifications,
            "missing": queries.certification_missing(standing, certifications),
            "candidates": candidates,
            "accounts": accounts,
            "lines": [(line, accounts.get(line.candidate.pk, [])) for line in standing.candidates],
            "vote_rows": election_queries.votes_by_county_and_type(
                contest_id=contest.pk, candidate_ids=[candidate.pk for candidate in candidates]
            ),
            "linking": linking,
            "link_form": link_form,
            "may_record": bool(recordable),
        },
    )
