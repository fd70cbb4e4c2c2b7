"""Load the article's race (Atlanta's 2017 mayoral runoff) and one demo login per role.

The returns go through the real OpenElections import and the certifications through
`certification_record`, so the demo exercises the same path as production data. Running it again
creates nothing new. The password is for demonstrations only; the command refuses to run in
production unless forced.
"""

import datetime
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse

from elections.enums import ElectionKind
from elections.importers.openelections import import_openelections_csv
from elections.models import SECRETARY_OF_STATE_GROUP, Candidate, Certification, Contest, Election, StaffMembership
from elections.services import certification_record, county_by_name

# Demo only: printed at the end, never used outside a demonstration.
DEMO_PASSWORD = "recount-demo-2017"  # noqa: S105

ELECTION_SLUG = "atlanta-mayor-runoff-2017"
ELECTION_NAME = "Atlanta Mayoral Runoff 2017"
ELECTION_DATE = datetime.date(2017, 12, 5)
CERTIFIED_AT = datetime.datetime(2017, 12, 11, 16, 0, tzinfo=ZoneInfo("America/New_York"))

# County-level returns as the counties reported them (OpenElections layout, no precincts).
RETURNS_CSV = """\
county,precinct,office,district,party,candidate,votes
Fulton,,Mayor,City of Atlanta,,Keisha Lance Bottoms,42887
Fulton,,Mayor,City of Atlanta,,Mary Norwood,40668
DeKalb,,Mayor,City of Atlanta,,Keisha Lance Bottoms,3780
DeKalb,,Mayor,City of Atlanta,,Mary Norwood,5167
"""
RETURNS_FILE_NAME = "atlanta-mayor-runoff-2017-demo.csv"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    first_name: str
    last_name: str
    is_staff: bool = False
    is_superuser: bool = False


ADMIN = DemoLogin("Administrator (superuser)", "admin", "Demo", "Administrator", is_staff=True, is_superuser=True)
SECRETARY_OF_STATE = DemoLogin("Secretary of State staff", "sos", "Sam", "State", is_staff=True)
SUPERINTENDENTS = {
    "Fulton": DemoLogin("Fulton County superintendent", "fulton", "Fran", "Fulton"),
    "DeKalb": DemoLogin("DeKalb County superintendent", "dekalb", "Dee", "Kalb"),
}
CANDIDATES = {
    "Keisha Lance Bottoms": DemoLogin("Candidate: Keisha Lance Bottoms", "bottoms", "Keisha Lance", "Bottoms"),
    "Mary Norwood": DemoLogin("Candidate: Mary Norwood", "norwood", "Mary", "Norwood"),
}


class Command(BaseCommand):
    help = "Load the 2017 Atlanta mayoral runoff and one demo login per role (demo data; idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help="Password for every demo login (default: a fixed demo-only password, printed at the end).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when DJANGO_ENV is 'production' (you almost never want this).",
        )

    def handle(self, *args, password: str, force: bool, **options) -> None:
        if settings.PRODUCTION and not force:
            raise CommandError(
                "load_demo creates demo logins with a known password; it does not run when DJANGO_ENV is "
                "'production'. Use --force if this really is a throwaway production-like server."
            )
        if not password:
            raise CommandError("--password cannot be empty.")
        with transaction.atomic():
            users = {login: self._user(login, password) for login in self._logins()}
            users[SECRETARY_OF_STATE].groups.add(Group.objects.get(name=SECRETARY_OF_STATE_GROUP))
            contest = self._race(by=users[SECRETARY_OF_STATE])
            for county_name, login in SUPERINTENDENTS.items():
                county = county_by_name(county_name)
                StaffMembership.objects.get_or_create(
                    user=users[login], jurisdiction=county, defaults={"title": "Superintendent"}
                )
                self._certify(contest.election, county, by=users[login])
            for candidate in Candidate.objects.filter(contest=contest, name__in=CANDIDATES):
                candidate.accounts.add(users[CANDIDATES[candidate.name]])
        self._print_logins(password, contest)

    @staticmethod
    def _logins() -> list[DemoLogin]:
        return [ADMIN, SECRETARY_OF_STATE, *SUPERINTENDENTS.values(), *CANDIDATES.values()]

    @staticmethod
    def _user(login: DemoLogin, password: str):
        user, _ = get_user_model().objects.get_or_create(username=login.username)
        user.first_name, user.last_name = login.first_name, login.last_name
        user.email = f"{login.username}@demo.recount-desk.invalid"
        user.is_staff, user.is_superuser, user.is_active = login.is_staff, login.is_superuser, True
        if not user.check_password(password):
            user.set_password(password)
        user.save()
        return user

    def _race(self, *, by) -> Contest:
        election = Election.objects.filter(slug=ELECTION_SLUG).first()
        if election is None:
            summary = import_openelections_csv(
                source=io.BytesIO(RETURNS_CSV.encode()),
                file_name=RETURNS_FILE_NAME,
                election_name=ELECTION_NAME,
                date=ELECTION_DATE,
                kind=ElectionKind.RUNOFF,
                slug=ELECTION_SLUG,
                seats=1,
                municipal=True,
                by=by,
            )
            election = summary.election
            self.stdout.write(f"Imported {ELECTION_NAME} from {RETURNS_FILE_NAME}.")
        else:
            self.stdout.write(f"{ELECTION_NAME} is already loaded.")
        return Contest.objects.select_related("election").get(election=election, office="Mayor")

    def _certify(self, election: Election, county, *, by) -> None:
        if Certification.objects.filter(election=election, jurisdiction=county).exists():
            return
        certification_record(
            election=election,
            county=county,
            certified_at=CERTIFIED_AT,
            by=by,
            note="Certified county returns (demo)",
        )
        self.stdout.write(f"Certified {county} on {CERTIFIED_AT:%Y-%m-%d %H:%M %Z}.")

    def _print_logins(self, password: str, contest: Contest) -> None:
        logins = self._logins()
        role_width = max(len(login.role) for login in logins)
        user_width = max(len("Username"), *(len(login.username) for login in logins))
        lines = [
            "",
            "Demo logins (demo only: never use this password on a real server):",
            f"  {'Role':<{role_width}}  {'Username':<{user_width}}  Password",
            f"  {'-' * role_width}  {'-' * user_width}  {'-' * max(len('Password'), len(password))}",
            *(f"  {login.role:<{role_width}}  {login.username:<{user_width}}  {password}" for login in logins),
            "",
            f"The race: {reverse('elections:contest', args=[contest.election.slug, contest.pk])}",
        ]
        self.stdout.write("\n".join(lines))
