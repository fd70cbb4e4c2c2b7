"""Who gets what: every URL the project routes, requested as every role, against a table of answers.

The URLs are read from the resolver (through every `include`), so a new page appears here on its
own; a URL name with no row in `EXPECTED` fails `test_every_routed_url_has_a_row`. The admin
(`admin/`) is left out: it is Django's, guarded by `is_staff` and its own permissions, and covered
by Django's own tests. Static files are not routed by the project (served by WhiteNoise / the web
server), so none appear.

The world: Atlanta's 2017 mayoral runoff (Fulton and DeKalb); Mary Norwood (candidate A) has filed a
written request with a signed letter, and both superintendents have ordered their county's recount
(place and time set, so the notices of the count exist), and Fulton's staff have tested a scanner.
Another contest, in Cobb, where Ben Baker (candidate B) has filed his own request. Every request is a
GET: a POST-only view answers 405 to everyone (`require_POST` runs before `login_required`, so an
anonymous visitor gets 405 too, not a redirect: nothing is revealed either way).

Each cell is a status code, or the name of the URL a 302 leads to (`LOGIN`: the login page with
`?next=`). Roles, in the order of each row's tuple:
    anon  – not logged in
    a     – candidate A (Norwood, Atlanta)
    b     – candidate B (Baker, another contest in Cobb)
    fult  – Fulton superintendent's staff
    dekb  – DeKalb superintendent's staff
    sos   – Secretary of State's staff
    admin – a superuser with no role in the recount desk
Staff and the admin must sign in with a second factor: their clients are signed in with it
(`force_login`, tests/conftest.py). `test_a_session_without_its_second_factor_reaches_only_the_pages_that_pass_it`
asks every URL again of sessions that gave only their password.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from elections.enums import Level, VoteType
from elections.importers.returns import ElectionDetails
from elections.models import Candidate
from recounts.models import CountyRecount, ImportJob, PartyChair, RecountRequest, ScannerTest
from recounts.services.decisions import recount_order
from recounts.services.imports import import_job_preview, import_job_start, upload_check
from recounts.services.requests import Signature, letter_check, request_file
from recounts.services.worksheets import scanner_test_record
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    build_race,
    county,
    georgia_counties,
    make_authenticator,
    make_candidate_account,
    make_pdf_bytes,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    make_user,
)

ROLES = ("anon", "a", "b", "fult", "dekb", "sos", "admin")
LOGIN = "login"  # a 302 to the login page, with ?next=

#: The day after Atlanta's certification: the filing window is open.
NOW = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)

#: (URL name, target) → the answer for each role, in the order of `ROLES`. The target names the
#: objects the URL is built with (`World.kwargs`): "atlanta" (Norwood's case, Fulton's county
#: recount), or another object to show who else gets in.
# fmt: off
EXPECTED: dict[tuple[str, str], tuple[int | str, ...]] = {
    #                                           anon   a    b    fult dekb sos  admin
    ("login", "-"):                            (200,  200, 200, 200, 200, 200, 200),
    ("security_txt", "-"):                     (200,  200, 200, 200, 200, 200, 200),  # open to every session
    ("logout", "-"):                           (405,  405, 405, 405, 405, 405, 405),  # POST only (Django)
    # The invitation link with a token that is not valid: the "link is no longer valid" page.
    ("password_set", "-"):                     (200,  200, 200, 200, 200, 200, 200),
    ("password_set_done", "-"):                (200,  200, 200, 200, 200, 200, 200),
    ("password_change", "-"):                  (LOGIN, 200, 200, 200, 200, 200, 200),
    ("password_change_done", "-"):             (LOGIN, 200, 200, 200, 200, 200, 200),
    # Where a login lands: staff on the elections, candidates on their contests, the admin on the admin.
    ("recounts:start", "-"):                   (LOGIN, "recounts:mine", "recounts:mine", "recounts:elections",
                                                "recounts:elections", "recounts:elections", "admin:index"),
    ("recounts:mine", "-"):                    (LOGIN, 200, 200, 403, 403, 403, 403),
    ("recounts:file", "atlanta"):              (LOGIN, 200, 404, 404, 404, 404, 404),
    ("recounts:file", "cobb"):                 (LOGIN, 404, 200, 404, 404, 404, 404),
    ("recounts:link", "atlanta"):            (405,  405, 405, 405, 405, 405, 405),
    ("recounts:record", "-"):                  (LOGIN, 403, 403, 200, 200, 200, 403),
    ("recounts:request", "atlanta"):           (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:request", "cobb"):              (LOGIN, 404, 200, 404, 404, 200, 404),
    ("recounts:receipt", "atlanta"):           (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:receipt", "cobb"):              (LOGIN, 404, 200, 404, 404, 200, 404),
    ("recounts:letter", "atlanta"):            (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:withdraw", "atlanta"):          (405,  405, 405, 405, 405, 405, 405),
    ("recounts:order", "atlanta"):             (405,  405, 405, 405, 405, 405, 405),
    ("recounts:direct", "atlanta"):            (405,  405, 405, 405, 405, 405, 405),
    ("recounts:deny", "atlanta"):              (405,  405, 405, 405, 405, 405, 405),
    ("recounts:finish", "atlanta"):            (405,  405, 405, 405, 405, 405, 405),
    ("recounts:discrepancies", "atlanta"):     (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:discrepancies", "cobb"):        (LOGIN, 404, 200, 404, 404, 200, 404),
    ("recounts:discrepancies_csv", "atlanta"): (LOGIN, 200, 404, 200, 200, 200, 404),
    # Atlanta's case is on the superintendents' route: no directive, for anyone who may see the case.
    ("recounts:directive_pdf", "atlanta"):     (LOGIN, 404, 404, 404, 404, 404, 404),
    # Not finished yet: no outcome document.
    ("recounts:recertification_pdf", "atlanta"): (LOGIN, 404, 404, 404, 404, 404, 404),
    # Fulton's worksheet: its staff work on it, DeKalb's do not see it, the candidates and the
    # Secretary of State read it.
    ("recounts:worksheet", "atlanta"):         (LOGIN, 200, 404, 200, 404, 200, 404),
    ("recounts:worksheet", "dekalb"):          (LOGIN, 200, 404, 404, 200, 200, 404),
    # Its steps: each page shows its form to Fulton's staff, its figures read only to the worksheet's readers;
    # correcting a scanner test is the county's staff's only.
    ("recounts:scanner_test", "atlanta"):      (LOGIN, 200, 404, 200, 404, 200, 404),
    ("recounts:scanner_test_change", "atlanta"): (LOGIN, 403, 404, 200, 404, 403, 404),
    ("recounts:tallies", "atlanta"):           (LOGIN, 200, 404, 200, 404, 200, 404),
    ("recounts:late_ballots", "atlanta"):      (LOGIN, 200, 404, 200, 404, 200, 404),
    ("recounts:tapes", "atlanta"):             (LOGIN, 200, 404, 200, 404, 200, 404),
    ("recounts:submit", "atlanta"):            (LOGIN, 200, 404, 200, 404, 200, 404),
    ("recounts:sign_off", "atlanta"):          (405,  405, 405, 405, 405, 405, 405),
    ("recounts:reopen", "atlanta"):            (405,  405, 405, 405, 405, 405, 405),
    ("recounts:schedule", "atlanta"):          (405,  405, 405, 405, 405, 405, 405),
    # The county recount's documents: whoever may see the case (both counties' staff see the case,
    # addressed to both superintendents).
    ("recounts:order_pdf", "atlanta"):         (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:count_notice", "atlanta"):      (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:count_notice_chair", "atlanta"): (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:certify", "atlanta"):           (405,  405, 405, 405, 405, 405, 405),
    ("recounts:recertify", "atlanta"):         (405,  405, 405, 405, 405, 405, 405),
    ("recounts:designee", "-"):                (405,  405, 405, 405, 405, 405, 405),
    # One's own office: for those who work in a county's (or city's) office.
    ("recounts:office", "-"):                  (LOGIN, 403, 403, 200, 200, 403, 403),
    ("recounts:cases", "-"):                   (LOGIN, 403, 403, 200, 200, 200, 403),
    ("recounts:dashboard", "-"):               (LOGIN, 403, 403, 403, 403, 200, 403),
    ("recounts:dashboard_csv", "-"):           (LOGIN, 403, 403, 403, 403, 200, 403),  # the board's table
    ("recounts:inbox", "-"):                   (LOGIN, 403, 403, 200, 200, 200, 403),
    # Importing returns: the Secretary of State's staff and administrators (the job: one read for its preview).
    ("recounts:returns_import", "-"):          (LOGIN, 403, 403, 403, 403, 200, 200),
    ("recounts:returns_import_job", "-"):      (LOGIN, 403, 403, 403, 403, 200, 200),
    ("recounts:returns_import_confirm", "-"):  (405,  405, 405, 405, 405, 405, 405),
    ("recounts:returns_import_progress", "-"): (LOGIN, 403, 403, 403, 403, 200, 200),  # the job page's JSON
    ("recounts:notices", "-"):                 (LOGIN, 200, 200, 200, 200, 200, 200),  # one's own notices
    ("recounts:elections", "-"):                   (LOGIN, "recounts:mine", "recounts:mine", 200, 200, 200, 403),
    ("recounts:election", "atlanta"):           (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:election", "cobb"):              (LOGIN, 404, 200, 404, 404, 200, 404),
    ("recounts:contest", "atlanta"):          (LOGIN, 200, 404, 200, 200, 200, 404),
    ("recounts:contest", "cobb"):             (LOGIN, 404, 200, 404, 404, 200, 404),
    # Two-factor sign-in: one's own. Staff have an authenticator (signed in with it): the setup page
    # sends them to their settings, and the code page on to where a login lands; the candidates have
    # none: they may set one up, and have no code to enter.
    ("accounts:two_factor", "-"):              (LOGIN, 200, 200, 200, 200, 200, 200),
    ("accounts:two_factor_setup", "-"):        (LOGIN, 200, 200, "accounts:two_factor", "accounts:two_factor",
                                                "accounts:two_factor", "accounts:two_factor"),
    ("accounts:two_factor_verify", "-"):       (LOGIN, *["recounts:start"] * 6),
    # The emailed enrolment link, with a token that is not valid: back to the setup page.
    ("accounts:two_factor_enrol", "-"):        (LOGIN, *["accounts:two_factor_setup"] * 6),
    ("accounts:two_factor_link", "-"):         (405,  405, 405, 405, 405, 405, 405),
    ("accounts:authenticator_replace", "-"):   (405,  405, 405, 405, 405, 405, 405),
    ("accounts:recovery_codes", "-"):          (405,  405, 405, 405, 405, 405, 405),
    ("accounts:two_factor_off", "-"):          (405,  405, 405, 405, 405, 405, 405),
}
# fmt: on


def routed_names() -> dict[str, str]:
    """Every named URL the project routes, namespaced ("recounts:request"), with its route; the
    admin's left out (see the module's docstring)."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route.startswith("admin/"):
                    continue  # Django's admin: its own tests cover it.
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern):
                assert entry.name, f"the URL {route!r} has no name: name it, and give it a row here"
                found[namespace + entry.name] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def test_every_routed_url_has_a_row():
    covered = {name for name, _ in EXPECTED}
    missing = sorted(set(routed_names()) - covered)
    assert missing == [], "".join(f"\nadd a row for {name}" for name in missing)
    stale = sorted(covered - set(routed_names()))
    assert stale == [], f"rows for URLs no longer routed: {stale}"


@dataclass
class World:
    atlanta_request: RecountRequest
    cobb_request: RecountRequest
    fulton_part: CountyRecount
    dekalb_part: CountyRecount
    norwood: Candidate
    baker: Candidate
    chair: PartyChair
    import_job: ImportJob
    scanner_test: ScannerTest
    users: dict[str, object]

    def kwargs(self, name: str, target: str) -> dict[str, object]:
        request = {"atlanta": self.atlanta_request, "cobb": self.cobb_request}.get(target)
        candidate = {"atlanta": self.norwood, "cobb": self.baker}.get(target)
        part = {"atlanta": self.fulton_part, "dekalb": self.dekalb_part}.get(target)
        contest = candidate.contest if candidate else None
        by_name = {
            "password_set": lambda: {"uidb64": "Mg", "token": "not-a-valid-token"},
            "accounts:two_factor_enrol": lambda: {"token": "not-a-valid-token"},
            "recounts:file": lambda: {"pk": candidate.pk},
            "recounts:certify": lambda: {"slug": contest.election.slug},
            "recounts:designee": lambda: {"pk": 1},
            "recounts:link": lambda: {"pk": candidate.pk},
            "recounts:order": lambda: {"pk": request.pk, "county": county("Fulton").pk},
            "recounts:count_notice": lambda: {"pk": part.pk, "candidate": self.norwood.pk},
            "recounts:count_notice_chair": lambda: {"pk": part.pk, "chair": self.chair.pk},
            "recounts:scanner_test_change": lambda: {"pk": part.pk, "test": self.scanner_test.pk},
            "recounts:election": lambda: {"slug": contest.election.slug},
            "recounts:contest": lambda: {"slug": contest.election.slug, "pk": contest.pk},
            "recounts:returns_import_job": lambda: {"pk": self.import_job.pk},
            "recounts:returns_import_confirm": lambda: {"pk": self.import_job.pk},
            "recounts:returns_import_progress": lambda: {"pk": self.import_job.pk},
        }
        if name in by_name:
            return by_name[name]()
        route = routed_names()[name]
        if "<int:pk>" not in route:
            return {}
        if route.startswith("county-recounts/"):
            return {"pk": part.pk}
        return {"pk": request.pk}


@pytest.fixture
def world(db, time_machine, settings) -> World:
    return build_world(time_machine, settings)


#: Returns of a small special election, read for the preview of an import.
COBB_RETURNS = (
    b"county,precinct,office,district,party,candidate,votes\n"
    b"Cobb,Marietta 1A,Cobb County Commission,District 2,,Cara Cole,1200\n"
    b"Cobb,Marietta 1A,Cobb County Commission,District 2,,Dan Dunn,1100\n"
)


def build_world(time_machine, settings) -> World:
    """The world of the table (see the module's docstring), on the pinned clock."""
    time_machine.move_to(NOW, tick=False)
    settings.SECURITY_CONTACT = "mailto:security@example.org"
    atlanta = build_atlanta_runoff()
    norwood = atlanta.candidates.get(name="Mary Norwood")
    norwood.party = "Nonpartisan"
    norwood.save()
    chair = PartyChair.objects.create(state="GA", party="Nonpartisan", chair_name="Pat Chair")
    cobb = build_race(
        slug="cobb-commission-2017",
        name="Cobb Special 2017",
        office="Cobb County Commission",
        district="District 1",
        level=Level.COUNTY,
        counties=georgia_counties("Cobb"),
        votes={"Ada Able": [{VoteType.UNSPECIFIED: 5_000}], "Ben Baker": [{VoteType.UNSPECIFIED: 4_990}]},
    )
    baker = cobb.candidates.get(name="Ben Baker")
    users = {
        "a": make_candidate_account(norwood, username="norwood"),
        "b": make_candidate_account(baker, username="baker"),
        "fult": make_superintendent_staff(username="fulton", county_name="Fulton"),
        "dekb": make_superintendent_staff(username="dekalb", county_name="DeKalb"),
        "sos": make_secretary_of_state_staff(username="sos"),
        "admin": make_user(username="admin", is_staff=True, is_superuser=True),
    }
    letter = letter_check(SimpleUploadedFile("letter.pdf", make_pdf_bytes(), content_type="application/pdf"))
    atlanta_request = request_file(
        candidate=norwood, by=users["a"], signature=Signature(name="Mary Norwood"), letter=letter
    )
    cobb_request = request_file(candidate=baker, by=users["b"], signature=Signature(name="Ben Baker"))
    parts = {}
    for name in ("Fulton", "DeKalb"):
        superintendent = make_superintendent_staff(
            username=f"{name.lower()}-superintendent", county_name=name, superintendent=True
        )
        parts[name] = recount_order(
            request=atlanta_request,
            county=county(name),
            by=superintendent,
            count_place=f"{name} County Elections Hub",
            count_starts_at=datetime.datetime(2017, 12, 12, 14, 0, tzinfo=EASTERN),
        )
    import_job = import_job_start(
        upload=upload_check(SimpleUploadedFile("cobb.csv", COBB_RETURNS, content_type="text/csv")),
        details=ElectionDetails(name="Cobb Special 2018", date=datetime.date(2018, 3, 20), kind="special"),
        replace=False,
        by=users["sos"],
    )
    import_job_preview(job=import_job)  # what the task does once the upload commits
    scanner_test = scanner_test_record(
        county_recount=parts["Fulton"], by=users["fult"], version=parts["Fulton"].version, scanner="ICP-1",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    return World(
        import_job=import_job,
        scanner_test=scanner_test,
        atlanta_request=atlanta_request,
        cobb_request=cobb_request,
        fulton_part=parts["Fulton"],
        dekalb_part=parts["DeKalb"],
        norwood=norwood,
        baker=baker,
        chair=chair,
        users=users,
    )


def answer(client: Client, url: str) -> int | str:
    """The status code, or for a redirect the URL name it leads to (`LOGIN` with ?next=)."""
    response = client.get(url)
    if response.status_code != 302:
        return response.status_code
    if response.url == f"{reverse('login')}?next={url}":
        return LOGIN
    names = (
        "recounts:mine",
        "recounts:start",
        "accounts:two_factor",
        "accounts:two_factor_setup",
        "recounts:elections",
    )
    for name in (*names, "admin:index"):
        if response.url == reverse(name):
            return name
    return f"302 to {response.url}"


def test_each_role_gets_the_answer_in_the_table(world):
    clients = {"anon": Client()}
    for role, user in world.users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    wrong = []
    for (name, target), expected in EXPECTED.items():
        assert len(expected) == len(ROLES), f"the row for {name} ({target}) needs {len(ROLES)} answers"
        url = reverse(name, kwargs=world.kwargs(name, target))
        for role, want in zip(ROLES, expected, strict=True):
            got = answer(clients[role], url)
            if got != want:
                wrong.append(f"{name} ({target}) {url} as {role}: expected {want}, got {got}")
    assert wrong == []


#: Besides the setup page, what a session without a second factor may reach on the way to one: the
#: button that emails the enrolment link (POST only) and the link (not valid here: back to setup).
SET_UP_STEPS = {"accounts:two_factor_link": 405, "accounts:two_factor_enrol": reverse("accounts:two_factor_setup")}


def test_a_session_without_its_second_factor_reaches_only_the_pages_that_pass_it(world):
    """Signed in with a password only: staff without a second factor are sent to set one up, accounts
    with one (a candidate who opted in, staff who set one up) to enter a code, from every page (the
    admin's too) but that one and sign-out. Candidate B, with none and no duty, is the table's."""
    make_authenticator(world.users["a"])
    make_authenticator(world.users["fult"])
    gates = {
        "a": "accounts:two_factor_verify",
        "fult": "accounts:two_factor_verify",
        "dekb": "accounts:two_factor_setup",
        "sos": "accounts:two_factor_setup",
        "admin": "accounts:two_factor_setup",
    }
    wrong = []
    for role, gate in gates.items():
        client = Client()
        client.password_only_login(world.users[role])
        urls = [(name, reverse(name, kwargs=world.kwargs(name, target))) for name, target in EXPECTED]
        for name, url in [*urls, ("admin:index", reverse("admin:index"))]:
            response = client.get(url)
            want = {gate: 200, "logout": 405, "security_txt": 200}.get(name, f"{reverse(gate)}?next={url}")
            if gate == "accounts:two_factor_setup" and name in SET_UP_STEPS:
                want = SET_UP_STEPS[name]
            got = response.status_code if response.status_code != 302 else response.url
            if got != want:
                wrong.append(f"{url} as {role}: expected {want}, got {got}")
    assert wrong == []
