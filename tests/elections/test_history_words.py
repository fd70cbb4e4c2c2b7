"""History in the words of the pages for the elections and accounts models (issue 12): every tracked
field named as the pages name it, its values as the pages write them, on the admin's history pages."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db.models import TextChoices
from django.urls import reverse

from accounts import enums as account_enums
from accounts.enums import StaffRole
from accounts.history_words import UNLISTED as ACCOUNTS_UNLISTED
from accounts.history_words import WORDS as ACCOUNTS_WORDS
from accounts.models import StaffMembership
from elections import enums as election_enums
from elections.enums import CertificationScope, DeclaredStatus, ElectionKind, JurisdictionKind, Level
from elections.history_words import UNLISTED, WORDS, change_in_words
from elections.models import Candidate, Certification, Contest, Election, ImportBatch, Jurisdiction, Result
from elections.services import save_with_history
from tests.factories import EASTERN, build_atlanta_runoff, georgia_counties, make_user

pytestmark = pytest.mark.django_db

User = get_user_model()

TEN = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)
TEN_IN_WORDS = "Tuesday, December 12, 2017, 10:00 a.m. Eastern"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TEN, tick=False) as traveller:
        yield traveller


@pytest.fixture
def atlanta_runoff(clock) -> Contest:
    return build_atlanta_runoff()


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser(
        username="root", email="root@example.test", password="root-password-1", first_name="Ada", last_name="Admin"
    )


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_rows(html: str) -> list[list[str]]:
    """The admin history page's table, newest first: each row's cells as text, a cell's items joined by " | "."""
    table = html.split('id="change-history"', 1)[1].split("</table>", 1)[0]
    return [
        [
            " | ".join(
                " ".join(unescape(re.sub(r"<[^>]+>", " ", item)).split())
                for item in (re.findall(r"<li>(.*?)</li>", cell, re.S) or [cell])
            )
            for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    ]


def history_of(client, obj) -> list[list[str]]:
    response = client.get(admin_url(type(obj), "history", obj.pk))
    assert response.status_code == 200
    return admin_rows(response.content.decode())


# Each field's change, as the history hands it over (a choice as its stored text), in words.

FIELDS = [
    (Jurisdiction, "state", "GA", "AL", "State: GA → AL"),
    (Jurisdiction, "kind", JurisdictionKind.MUNICIPALITY, JurisdictionKind.COUNTY, "Kind: Municipality → County"),
    (Jurisdiction, "name", "Atlanta", "Fulton", "Name: Atlanta → Fulton"),
    (Jurisdiction, "fips", None, "13121", "FIPS code: none (a city) → 13121"),
    (Jurisdiction, "superintendent_office", "", "Fulton County Board of Registration and Elections",
     "Superintendent's office: not given → Fulton County Board of Registration and Elections"),
    (Jurisdiction, "contact_email", "", "elections@fulton.example",
     "Contact email: none given → elections@fulton.example"),
    (Jurisdiction, "address", "", "141 Pryor Street", "Address: none given → 141 Pryor Street"),
    (Election, "name", "Atlanta Runoff", "Atlanta Mayoral Runoff", "Name: Atlanta Runoff → Atlanta Mayoral Runoff"),
    (Election, "slug", "atlanta", "atlanta-2017", "Name in the desk's web addresses: atlanta → atlanta-2017"),
    (Election, "date", datetime.date(2017, 12, 5), datetime.date(2017, 12, 6),
     "Election day: Tuesday, December 5, 2017 → Wednesday, December 6, 2017"),
    (Election, "kind", ElectionKind.RUNOFF, ElectionKind.PRIMARY_RUNOFF, "Kind: Runoff → Primary runoff"),
    (Election, "state", "GA", "AL", "State: GA → AL"),
    (Election, "rehearsal", False, True, "Copy: the real election → a rehearsal copy, for practice"),
    (Contest, "office", "Mayor", "Sheriff", "Office: Mayor → Sheriff"),
    (Contest, "district", "", "City of Atlanta", "District: no district → City of Atlanta"),
    (Contest, "level", Level.MUNICIPAL, Level.COUNTY, "Level: Municipal → County"),
    (Contest, "party", "", "Democratic", "Party's primary: not a primary → Democratic"),
    (Contest, "seats", 1, 2, "Seats: 1 → 2"),
    (Contest, "is_question", False, True, "On the ballot: an office → a question put to the voters"),
    (Contest, "home_county", None, "Fulton County",
     "County whose office it is: none: an office voted across counties → Fulton County"),
    (Contest, "superintendent_jurisdiction", None, "Atlanta",
     "Whose superintendent takes local requests: the superintendents of the counties → Atlanta"),
    (Contest, "counties", [], [{"contest": "Mayor", "jurisdiction": "Fulton County"},
                               {"contest": "Mayor", "jurisdiction": "DeKalb County"}],
     "Counties where it is voted: no county → Fulton County, DeKalb County"),
    (Candidate, "name", "Mary Norwood", "Mary Norwood Jr.", "Name: Mary Norwood → Mary Norwood Jr."),
    (Candidate, "party", "", "Independent", "Party: no party → Independent"),
    (Candidate, "ballot_order", 1, 2, "Place on the ballot: 1 → 2"),
    (Candidate, "declared_status", DeclaredStatus.NONE, DeclaredStatus.RUNOFF,
     "Declared: Not declared → In the runoff"),
    (Candidate, "write_in_aggregate", False, True, "Line: one candidate → write-ins, counted together"),
    (Candidate, "email", "", "Mary.Norwood@example.test",
     "Address of record: none on record → Mary.Norwood@example.test"),
    (Result, "votes", 5_167, 15_172, "Votes: 5,167 → 15,172"),
    (Result, "election_day", None, 10_000, "Election day: not given → 10,000"),
    (Result, "advance_in_person", 0, 1, "Advance in person: 0 → 1"),
    (Result, "absentee_by_mail", None, 172, "Absentee by mail: not given → 172"),
    (Result, "provisional", 3, None, "Provisional: 3 → not given"),
    (Result, "military_overseas", None, 2, "Military and overseas: not given → 2"),
    (Result, "unspecified", 5_167, None, "Not broken down by type: 5,167 → not given"),
    (Result, "import_batch", None, ImportBatch(file_name="atlanta.csv", sha256="ab" * 32),
     "Imported from: not imported → atlanta.csv (abababababab…)"),
    (Certification, "scope", CertificationScope.COUNTY, CertificationScope.MUNICIPALITY,
     "Scope: County → Municipality (a city that runs its own election)"),
    (Certification, "jurisdiction", None, "Fulton County", "County or city: none: statewide → Fulton County"),
    (Certification, "version", 1, 2, "Version: 1 → 2"),
    (Certification, "certified_at", datetime.datetime(2017, 12, 11, 17, 0, tzinfo=EASTERN),
     datetime.datetime(2017, 12, 14, 0, 0, tzinfo=EASTERN),
     "Certified at: Monday, December 11, 2017, 5:00 p.m. Eastern → midnight at the end of Wednesday, "
     "December 13, 2017 Eastern"),
    (Certification, "certified_by", None, User(username="sos", first_name="Sam", last_name="State"),
     "Certified by: not recorded → Sam State"),
    (Certification, "note", "", "Recertified after the recount", "Note: no note → Recertified after the recount"),
    (StaffMembership, "title", "", "Elections director", "Title: none given → Elections director"),
    (StaffMembership, "role", StaffRole.CLERK, StaffRole.DESIGNEE, "Role: Staff → Designee"),
]  # fmt: skip


@pytest.mark.parametrize(("model", "field", "old", "new", "words"), FIELDS)
def test_each_field_s_change_reads_in_the_words_of_the_pages(model, field, old, new, words):
    raw = [value.value if isinstance(value, TextChoices) else value for value in (old, new)]
    assert str(change_in_words(model, field, *raw)) == words


def test_every_field_is_worded_or_left_out_for_a_reason():
    words, unlisted = WORDS | ACCOUNTS_WORDS, UNLISTED | ACCOUNTS_UNLISTED
    models = [Jurisdiction, Election, Contest, Candidate, Result, Certification, StaffMembership]
    tracked = {model: {field.name for field in model.history.model.tracked_fields} for model in models}
    tracked[Contest] |= {"counties"}
    assert tracked == {model: set(words[model]) | set(unlisted[model]) for model in models}
    assert all(not set(words[model]) & set(unlisted[model]) for model in models)
    assert {(model, field) for model, field, *_ in FIELDS} == {
        (model, field) for model in models for field in words[model]
    }


# The admin's history pages, after a change.

#: Every stored value of every choice the elections and accounts models keep.
RAW_VALUES = {
    value
    for module in (election_enums, account_enums)
    for enum in vars(module).values()
    if isinstance(enum, type) and issubclass(enum, TextChoices) and enum is not TextChoices
    for value in enum.values
}
#: A Python literal, an ISO 8601 date, an identifier.
LITERALS = re.compile(r"\b(True|False|None)\b|\d{4}-\d{2}-\d{2}|_")


def raw_in(rows: list[list[str]]) -> list[str]:
    """What the rows' changes show that is not in words: a value that is a stored choice, a literal."""
    changes = [change for row in rows for change in row[3].split(" | ")]
    values = [value for change in changes if ": " in change for value in change.split(": ", 1)[1].split(" → ")]
    return [value for value in values if value in RAW_VALUES] + [
        text for row in rows for text in row if LITERALS.search(text)
    ]


def test_a_jurisdiction_s_history_reads_in_words(client, superuser):
    client.force_login(superuser)
    form = {"state": "GA", "kind": JurisdictionKind.MUNICIPALITY, "name": "Atlanta", "fips": ""}
    form |= {"superintendent_office": "", "contact_email": "", "address": ""}
    assert client.post(admin_url(Jurisdiction, "add"), form | {"change_reason": "A city with its own election"})
    atlanta = Jurisdiction.objects.get(name="Atlanta")
    corrected = {"superintendent_office": "Municipal Clerk", "contact_email": "clerk@atlanta.example"}
    assert client.post(admin_url(Jurisdiction, "change", atlanta.pk), form | corrected | {"change_reason": "Office"})

    rows = history_of(client, atlanta)

    assert rows == [
        [TEN_IN_WORDS, "Ada Admin", "Office",
         "Superintendent's office: not given → Municipal Clerk | Contact email: none given → clerk@atlanta.example"],
        [TEN_IN_WORDS, "Ada Admin", "A city with its own election", "Recorded"],
    ]  # fmt: skip
    assert raw_in(rows) == []


def test_an_election_s_history_reads_in_words(client, superuser, atlanta_runoff):
    client.force_login(superuser)
    election = atlanta_runoff.election
    form = {"name": election.name, "slug": election.slug, "date": "2017-12-06", "kind": ElectionKind.SPECIAL}
    form |= {"state": "GA", "rehearsal": "on", "change_reason": "A copy for the rehearsal"}
    assert client.post(admin_url(Election, "change", election.pk), form).status_code == 302

    rows = history_of(client, election)

    assert rows == [
        [TEN_IN_WORDS, "Ada Admin", "A copy for the rehearsal",
         "Election day: Tuesday, December 5, 2017 → Wednesday, December 6, 2017 | Kind: Runoff → Special | "
         "Copy: the real election → a rehearsal copy, for practice"],
        [TEN_IN_WORDS, "Not recorded", "No reason given", "Recorded"],
    ]  # fmt: skip
    assert raw_in(rows) == []


def test_a_contest_s_history_reads_in_words(client, superuser, atlanta_runoff):
    client.force_login(superuser)
    atlanta_runoff.district, atlanta_runoff.seats, atlanta_runoff.is_question = "", 2, True
    save_with_history(atlanta_runoff, by=superuser, reason="Corrected from the ballot")
    atlanta_runoff._change_reason = "Voted in Fulton only"
    atlanta_runoff.counties.set(georgia_counties("Fulton"))

    rows = history_of(client, atlanta_runoff)

    assert rows == [
        [TEN_IN_WORDS, "Ada Admin", "Voted in Fulton only",
         "Counties where it is voted: DeKalb County, Fulton County → Fulton County"],
        [TEN_IN_WORDS, "Ada Admin", "Corrected from the ballot",
         "District: City of Atlanta → no district | Seats: 1 → 2 | "
         "On the ballot: an office → a question put to the voters"],
        [TEN_IN_WORDS, "Not recorded", "No reason given",
         "Counties where it is voted: no county → DeKalb County, Fulton County"],
        [TEN_IN_WORDS, "Not recorded", "No reason given", "Recorded"],
    ]  # fmt: skip
    assert raw_in(rows) == []


def test_a_candidate_s_history_reads_in_words(client, superuser, atlanta_runoff):
    client.force_login(superuser)
    norwood = Candidate.objects.get(name="Mary Norwood")
    form = {"contest": norwood.contest_id, "name": norwood.name, "party": "Independent", "ballot_order": 2}
    form |= {"declared_status": DeclaredStatus.NONE, "email": "mary@norwood.example"}
    assert client.post(admin_url(Candidate, "change", norwood.pk), form | {"change_reason": "Her filing"})
    declared = form | {"declared_status": DeclaredStatus.RUNOFF, "change_reason": "Ordered by the court"}
    assert client.post(admin_url(Candidate, "change", norwood.pk), declared).status_code == 302

    rows = history_of(client, norwood)

    assert rows == [
        [TEN_IN_WORDS, "Ada Admin", "Ordered by the court", "Declared: Not declared → In the runoff"],
        [TEN_IN_WORDS, "Ada Admin", "Her filing",
         "Party: no party → Independent | Address of record: none on record → mary@norwood.example"],
        [TEN_IN_WORDS, "Not recorded", "No reason given", "Recorded"],
    ]  # fmt: skip
    assert raw_in(rows) == []


def test_a_result_s_history_reads_in_words(client, superuser, atlanta_runoff):
    client.force_login(superuser)
    result = Result.objects.get(candidate__name="Mary Norwood", county__name="DeKalb")
    result.votes, result.election_day, result.absentee_by_mail = 5_172, 5_000, 172
    save_with_history(result, by=superuser, reason="Corrected by the recount")

    rows = history_of(client, result)

    assert rows == [
        [TEN_IN_WORDS, "Ada Admin", "Corrected by the recount",
         "Votes: 5,167 → 5,172 | Election day: not given → 5,000 | Absentee by mail: not given → 172"],
        [TEN_IN_WORDS, "Not recorded", "No reason given", "Recorded"],
    ]  # fmt: skip
    assert raw_in(rows) == []


def test_a_certification_s_history_reads_in_words(client, superuser, atlanta_runoff):
    # The desk never changes a certification (a correction is the next version); a row changed all the
    # same (a repair from the shell) still reads in words.
    client.force_login(superuser)
    certification = Certification.objects.get(jurisdiction__name="Fulton")
    certification.note = "Corrected: the time on the certificate"
    certification.certified_at = datetime.datetime(2017, 12, 12, 0, 0, tzinfo=EASTERN)
    save_with_history(certification, by=superuser, reason="Time as on the certificate")

    rows = history_of(client, certification)

    assert rows == [
        [TEN_IN_WORDS, "Ada Admin", "Time as on the certificate",
         "Certified at: Monday, December 11, 2017, 4:00 p.m. Eastern → midnight at the end of Monday, December 11, "
         "2017 Eastern | Note: no note → Corrected: the time on the certificate"],
        [TEN_IN_WORDS, "Not recorded", "Certified", "Recorded"],
    ]  # fmt: skip
    assert raw_in(rows) == []


def test_a_staff_membership_s_history_reads_in_words(client, superuser):
    client.force_login(superuser)
    member = make_user(username="dana", first_name="Dana", last_name="Clerk")
    fulton = georgia_counties("Fulton")[0]
    membership = StaffMembership.objects.create(user=member, jurisdiction=fulton, role=StaffRole.CLERK)
    form = {"title": "Elections director", "role": StaffRole.SUPERINTENDENT, "change_reason": "Appointed"}
    assert client.post(admin_url(StaffMembership, "change", membership.pk), form).status_code == 302

    rows = history_of(client, membership)

    assert rows == [
        [TEN_IN_WORDS, "Ada Admin", "Appointed",
         "Title: none given → Elections director | Role: Staff → Superintendent"],
        [TEN_IN_WORDS, "Not recorded", "No reason given", "Recorded"],
    ]  # fmt: skip
    assert raw_in(rows) == []
