import datetime
import re

import pytest
from django.urls import reverse

from accounts.models import StaffMembership
from elections.enums import JurisdictionKind, Level, VoteType
from elections.models import Candidate, Contest, Election, Jurisdiction
from elections.services import certification_record
from tests.factories import (
    ATLANTA_CERTIFIED_AT,
    build_atlanta_runoff,
    build_race,
    build_spread_race,
    county,
    georgia_counties,
    make_superintendent_staff,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(clerk, sos_group):
    """The pages' reader: a clerk of the Secretary of State's office, who sees every election."""
    clerk.groups.add(sos_group)
    return clerk


# A fixed number of queries per page, whatever the number of counties, candidates and contests:
# session + user + the device that passed the second factor, the reader's role (Secretary of State
# group) and offices (the menu's "Your office"), then the page's own reads, then the navbar's question
# (is the account a candidate's?).
PAGE_QUERIES = 3 + 3 + 1 + 1 + 1  # 3: the session renewed (savepoint, update, release)
LIST_QUERIES = PAGE_QUERIES + 1  # elections with contest counts
# election, contests (+ election, home county, superintendent jurisdiction), counties, candidates with totals, rules,
# closed days, certifications, the statewide certification the reader may record again
DETAIL_QUERIES = PAGE_QUERIES + 8
# contest (+ election, home county, superintendent jurisdiction), counties, candidates with totals, rules,
# closed days, certifications for the clock, certifications shown, votes by county and type, the candidates'
# requests (whose request may be recorded), the accounts linked to them
CONTEST_QUERIES = PAGE_QUERIES + 10


def text_of(response) -> str:
    """The page's text with tags dropped and white space collapsed, for whole-phrase assertions."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def contest_url(contest: Contest) -> str:
    return reverse("recounts:contest", args=[contest.election.slug, contest.pk])


def detail_url(contest: Contest) -> str:
    return reverse("recounts:election", args=[contest.election.slug])


# recounts:elections


def test_list_shows_elections_newest_first_with_contest_counts(clerk_client, atlanta_runoff):
    older = Election.objects.create(
        name="Atlanta Mayoral Runoff 2009", slug="atl-2009", date="2009-12-01", kind="runoff"
    )
    Contest.objects.create(election=older, office="Mayor", level=Level.MUNICIPAL)
    Contest.objects.create(election=older, office="Council President", level=Level.MUNICIPAL)

    response = clerk_client.get(reverse("recounts:elections"))

    assert response.status_code == 200
    assert [(e.name, e.contest_count) for e in response.context["elections"]] == [
        ("Atlanta Mayoral Runoff 2017", 1),
        ("Atlanta Mayoral Runoff 2009", 2),
    ]
    assert 'href="/elections/atlanta-mayor-runoff-2017/"' in response.content.decode()


def test_list_query_count_is_fixed(clerk_client, django_assert_num_queries):
    for index in range(5):
        build_spread_race(slug=f"race-{index}", county_count=index + 1)
    with django_assert_num_queries(LIST_QUERIES):
        assert clerk_client.get(reverse("recounts:elections")).status_code == 200


# recounts:election


def test_detail_shows_each_contest_standing(clerk_client, atlanta_runoff):
    response = clerk_client.get(detail_url(atlanta_runoff))

    assert response.status_code == 200
    text = text_of(response)
    assert "Mayor, City of Atlanta Municipal" in text
    assert "Counties DeKalb County, Fulton County" in text
    assert "Total votes 92,502" in text
    assert "Rule in force Georgia, O.C.G.A. § 21-2-495(c), 1 percent (threshold 1%)" in text
    assert "Certified Monday, December 11, 2017, 4:00 p.m. EST (2017-12-11 16:00 EST)" in text
    assert "Filing deadline Wednesday, December 13, 2017, 5:00 p.m. EST (2017-12-13 17:00 EST)" in text
    assert "Request goes to Superintendent: DeKalb County, Fulton County" in text
    assert "Margin 832 votes, 0.899% of 92,502 (Mary Norwood behind Keisha Lance Bottoms)" in text
    assert "May ask for a recount Mary Norwood" in text


@pytest.mark.parametrize(("county_count", "extra_contests"), [(2, 0), (20, 4)])
def test_detail_query_count_is_fixed(clerk_client, django_assert_num_queries, county_count, extra_contests):
    contest = build_spread_race(slug="spread", county_count=county_count)
    counties = georgia_counties()[:county_count]
    city = Jurisdiction.objects.create(kind=JurisdictionKind.MUNICIPALITY, name="City of Testville")
    for index in range(extra_contests):
        extra = Contest.objects.create(
            election=contest.election,
            office=f"Council {index}",
            level=Level.MUNICIPAL,
            superintendent_jurisdiction=city,
        )
        extra.counties.set(counties)
        Candidate.objects.create(contest=extra, name="Only Candidate")
    # A county office in each county, in the Republican primary: named by party and home county.
    for home in counties:
        sheriff = Contest.objects.create(
            election=contest.election, office="Sheriff", level=Level.COUNTY, party="REP", home_county=home
        )
        sheriff.counties.set([home])
        Candidate.objects.create(contest=sheriff, name="Only Candidate")
    with django_assert_num_queries(DETAIL_QUERIES):
        response = clerk_client.get(detail_url(contest))
    assert response.status_code == 200
    assert len(response.context["contests"]) == 1 + extra_contests + county_count
    headings = re.findall(r'<h2 class="h5 mb-0"><a [^>]+>(.*?)</a></h2>', response.content.decode())
    assert headings == [
        *(f"Council {index}" for index in range(extra_contests)),
        "Mayor",
        *(f"Sheriff (REP primary, {home.name} County)" for home in counties),
    ]
    if extra_contests:
        assert "Request goes to Superintendent: City of Testville" in text_of(response)


def test_detail_unknown_slug_is_404(clerk_client):
    assert clerk_client.get(reverse("recounts:election", args=["no-such-election"])).status_code == 404


# recounts:contest


def test_contest_shows_margin_eligibility_deadline_and_route(clerk_client, atlanta_runoff):
    response = clerk_client.get(contest_url(atlanta_runoff))

    assert response.status_code == 200
    text = text_of(response)
    assert "Margin 832 votes, 0.899% of 92,502" in text
    assert (
        "Rule in force Georgia, O.C.G.A. § 21-2-495(c), 1 percent — threshold 1% of the total votes cast, "
        "within 2 business days after certification"
    ) in text
    assert "Certified Monday, December 11, 2017, 4:00 p.m. EST (2017-12-11 16:00 EST)" in text
    assert "Filing deadline Wednesday, December 13, 2017, 5:00 p.m. EST (2017-12-13 17:00 EST)" in text
    assert "Request goes to Superintendent: DeKalb County, Fulton County" in text
    # Each candidate: votes, gap, percent, against whom, eligible.
    assert "Keisha Lance Bottoms — Elected 46,667 — — — declared" in text
    assert "Mary Norwood — Not declared 45,835 832 0.899% Keisha Lance Bottoms eligible" in text
    assert "Total votes cast for the office 92,502" in text
    # Certifications: which county, when, which version.
    assert "DeKalb County 1 Monday, December 11, 2017, 4:00 p.m. EST (2017-12-11 16:00 EST)" in text
    assert "Fulton County 1 Monday, December 11, 2017, 4:00 p.m. EST (2017-12-11 16:00 EST)" in text


def test_a_ballot_question_says_it_has_no_recount_and_marks_its_choices(clerk_client, db):
    contest = build_race(
        slug="sunday-sales",
        counties=georgia_counties("Fulton"),
        votes={"Yes": [{VoteType.ELECTION_DAY: 1_000}], "No": [{VoteType.ELECTION_DAY: 999}]},
        office="Sunday Sales",
        level=Level.COUNTY,
        declare=False,
    )
    contest.is_question = True
    contest.save()

    contest_text = text_of(clerk_client.get(contest_url(contest)))
    election_text = text_of(clerk_client.get(detail_url(contest)))

    assert "County ballot question · Runoff election" in contest_text
    assert "it gives no one a recount of a question’s result" in contest_text
    assert "Yes — Not declared 1,000 — — — a question’s choice" in contest_text
    assert "No — Not declared 999 — — — a question’s choice" in contest_text
    assert "eligible" not in contest_text
    assert "Sunday Sales County ballot question" in election_text


def test_contest_votes_by_county_and_vote_type_are_summed_in_the_database(clerk_client, db):
    contest = build_spread_race(slug="spread", county_count=2)

    response = clerk_client.get(contest_url(contest))

    rows = [(row.county, row.vote_type, row.votes, row.total) for row in response.context["vote_rows"]]
    assert rows == [
        ("Appling", "Election day", (1000, 990, 5), 1995),
        ("Appling", "Absentee by mail", (100, 99, 0), 199),
        ("Atkinson", "Election day", (1001, 991, 6), 1998),
        ("Atkinson", "Absentee by mail", (101, 100, 1), 202),
    ]
    assert "Appling County Election day 1,000 990 5 1,995" in text_of(response)


def test_contest_shows_late_ballots_beside_the_votes_not_broken_down_by_type(clerk_client, atlanta_runoff):
    """DeKalb's returns as a recount corrected them: late ballots on their own types, beside the rest."""
    for name, figures in [
        ("Keisha Lance Bottoms", {"votes": 3_784, "provisional": 2, "military_overseas": 3, "unspecified": 3_779}),
        ("Mary Norwood", {"votes": 5_173, "provisional": 5, "military_overseas": 1, "unspecified": 5_167}),
    ]:
        atlanta_runoff.candidates.get(name=name).results.filter(county__name="DeKalb").update(**figures)

    response = clerk_client.get(contest_url(atlanta_runoff))

    rows = [(row.county, row.vote_type, row.votes, row.total) for row in response.context["vote_rows"]]
    assert rows == [
        ("DeKalb", "Provisional", (2, 5), 7),
        ("DeKalb", "Military and overseas", (3, 1), 4),
        ("DeKalb", "Not broken down by type", (3_779, 5_167), 8_946),
        ("Fulton", "Not broken down by type", (42_887, 40_668), 83_555),
    ]
    assert (
        "DeKalb County Provisional 2 5 7 DeKalb County Military and overseas 3 1 4 "
        "DeKalb County Not broken down by type 3,779 5,167 8,946"
    ) in text_of(response)


def test_contest_shows_recertification_version(clerk_client, atlanta_runoff):
    fulton = georgia_counties("Fulton")[0]
    certification_record(
        election=atlanta_runoff.election,
        jurisdiction=fulton,
        certified_at=ATLANTA_CERTIFIED_AT + datetime.timedelta(days=10),
        by=None,
    )

    text = text_of(clerk_client.get(contest_url(atlanta_runoff)))

    assert "Fulton County 2 (recertification) Thursday, December 21, 2017, 4:00 p.m. EST" in text
    # The clock still runs from the original certification.
    assert "Filing deadline Wednesday, December 13, 2017, 5:00 p.m. EST" in text


def test_contest_not_certified_names_the_missing_county(clerk_client, db):
    contest = build_atlanta_runoff(certified_at=None)
    certification_record(
        election=contest.election,
        jurisdiction=georgia_counties("Fulton")[0],
        certified_at=ATLANTA_CERTIFIED_AT,
        by=None,
    )

    text = text_of(clerk_client.get(contest_url(contest)))

    assert "Certified Not certified yet: still missing the certification of DeKalb County." in text
    assert "Filing deadline Set when the results are certified." in text
    assert "Mary Norwood — Not declared 45,835 832 0.899% Keisha Lance Bottoms eligible" in text


def test_contest_statewide_office_waits_for_the_secretary_of_state(clerk_client, db):
    contest = build_atlanta_runoff(slug="state-house", office="State Senate", district="39", level=Level.STATE)

    text = text_of(clerk_client.get(contest_url(contest)))

    assert "Not certified yet: the Secretary of State’s statewide certification is still missing." in text
    assert "Request goes to Secretary of State" in text


def test_contest_without_a_rule_in_force_says_why(clerk_client, db):
    contest = build_atlanta_runoff(date=datetime.date(1960, 11, 8))

    text = text_of(clerk_client.get(contest_url(contest)))

    assert "Rule in force No recount rule is in force on 1960-11-08." in text
    assert "Filing deadline None: no rule in force." in text
    assert "Mary Norwood — Not declared 45,835 832 0.899% Keisha Lance Bottoms not eligible" in text


@pytest.mark.parametrize("county_count", [2, 20])
def test_contest_query_count_is_fixed(clerk_client, django_assert_num_queries, county_count):
    contest = build_spread_race(slug="spread", county_count=county_count)
    contest.party, contest.home_county = "DEM", georgia_counties("Appling")[0]
    contest.save()
    with django_assert_num_queries(CONTEST_QUERIES):
        response = clerk_client.get(contest_url(contest))
    assert response.status_code == 200
    assert re.findall(r"<h1[^>]*>(.*?)</h1>", response.content.decode()) == ["Mayor (DEM primary, Appling County)"]
    assert len(response.context["vote_rows"]) == 2 * county_count
    assert len(response.context["certifications"]) == county_count


def test_contest_of_another_election_is_404(clerk_client, atlanta_runoff):
    other = build_spread_race(slug="other", county_count=1)
    url = reverse("recounts:contest", args=[other.election.slug, atlanta_runoff.pk])
    assert clerk_client.get(url).status_code == 404


def test_contest_unknown_pk_is_404(clerk_client, atlanta_runoff):
    url = reverse("recounts:contest", args=[atlanta_runoff.election.slug, atlanta_runoff.pk + 1000])
    assert clerk_client.get(url).status_code == 404


# Every page: login required, GET/HEAD only.


@pytest.fixture
def page_urls(atlanta_runoff) -> list[str]:
    return [reverse("recounts:elections"), detail_url(atlanta_runoff), contest_url(atlanta_runoff)]


def test_anonymous_is_sent_to_login(client, page_urls):
    for url in page_urls:
        response = client.get(url)
        assert (response.status_code, response.url) == (302, f"/login/?next={url}")


def test_post_is_405(clerk_client, page_urls):
    for url in page_urls:
        assert clerk_client.post(url).status_code == 405


def test_head_is_allowed(clerk_client, page_urls):
    for url in page_urls:
        assert clerk_client.head(url).status_code == 200


def test_login_page_renders_with_crispy_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="div_id_username"' in html
    assert "bootstrap/css/bootstrap.min.css" in html
    assert "<script>" not in html
    assert "style=" not in html


def test_logout_is_a_post_form_in_the_navbar(clerk_client):
    html = clerk_client.get(reverse("recounts:elections")).content.decode()
    assert '<form method="post" action="/logout/"' in html
    assert clerk_client.post(reverse("logout")).status_code == 302
    assert clerk_client.get(reverse("recounts:elections")).status_code == 302


# Who sees what: Secretary of State staff everything, a superintendent's staff their counties'
# contests, a candidate their own; anyone else nothing.


@pytest.fixture
def fulton_client(client):
    user = make_user(username="fulton")
    StaffMembership.objects.create(user=user, jurisdiction=county("Fulton"), title="Superintendent")
    client.force_login(user)
    return client


@pytest.fixture
def cobb_race(db) -> Contest:
    return build_race(
        slug="cobb-chair-2017",
        name="Cobb Commission Runoff 2017",
        office="Commission Chair",
        level=Level.COUNTY,
        counties=georgia_counties("Cobb"),
        votes={"Ada Able": [{VoteType.UNSPECIFIED: 100}], "Ben Baker": [{VoteType.UNSPECIFIED: 99}]},
    )


def test_no_role_user_sees_no_election_or_contest(client, atlanta_runoff):
    client.force_login(make_user(username="nobody"))

    assert client.get(reverse("recounts:elections")).status_code == 403
    assert client.get(detail_url(atlanta_runoff)).status_code == 404
    assert client.get(contest_url(atlanta_runoff)).status_code == 404


def test_superintendent_sees_only_the_contests_voted_in_their_county(fulton_client, atlanta_runoff, cobb_race):
    response = fulton_client.get(reverse("recounts:elections"))

    assert [(e.name, e.contest_count) for e in response.context["elections"]] == [("Atlanta Mayoral Runoff 2017", 1)]
    assert fulton_client.get(contest_url(atlanta_runoff)).status_code == 200
    assert fulton_client.get(detail_url(cobb_race)).status_code == 404
    assert fulton_client.get(contest_url(cobb_race)).status_code == 404


def test_superintendent_sees_only_their_contests_of_an_election(fulton_client, atlanta_runoff):
    council = Contest.objects.create(election=atlanta_runoff.election, office="Council", level=Level.COUNTY)
    council.counties.set(georgia_counties("Cobb"))

    response = fulton_client.get(detail_url(atlanta_runoff))

    assert [standing.contest.office for standing, _ in response.context["contests"]] == ["Mayor"]


def test_contest_page_offers_the_paper_entry_to_staff_and_linking_to_the_superintendent(
    client, fulton_client, atlanta_runoff
):
    html = fulton_client.get(contest_url(atlanta_runoff)).content.decode()
    norwood = atlanta_runoff.candidates.get(name="Mary Norwood")
    assert f'action="/candidates/{norwood.pk}/link/"' not in html  # a clerk does not link accounts
    assert f'href="/requests/record/?contest={atlanta_runoff.pk}"' in html

    client.force_login(make_superintendent_staff(username="fulton-sup", county_name="Fulton", superintendent=True))
    html = client.get(contest_url(atlanta_runoff)).content.decode()
    assert f'action="/candidates/{norwood.pk}/link/"' in html


def test_candidate_is_sent_to_their_own_page_and_sees_only_their_contest(client, atlanta_runoff, cobb_race):
    user = make_user(username="norwood")
    atlanta_runoff.candidates.get(name="Mary Norwood").accounts.add(user)
    client.force_login(user)

    response = client.get(reverse("recounts:elections"))

    assert (response.status_code, response.url) == (302, reverse("recounts:mine"))
    html = client.get(contest_url(atlanta_runoff)).content.decode()
    assert "/link/" not in html
    assert "/requests/record/" not in html
    assert client.get(contest_url(cobb_race)).status_code == 404
    assert client.get(detail_url(cobb_race)).status_code == 404
