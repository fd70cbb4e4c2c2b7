"""Load the article's race (Atlanta's 2017 mayoral runoff), a rehearsal copy of it, and one demo login per role.

The article's race closed in 2017. So that a newcomer can file a request by hand, the demo also
holds a rehearsal copy of the race, clearly labelled, certified when the demo is loaded: its filing
window is open that day and the next business days. A later run on a day when that window has
closed adds a fresh copy dated that day (earlier copies and anything filed in them stay).

The returns go through the real OpenElections import and the certifications through
`certification_record`, so the demo exercises the same path as production data. Running it again
creates nothing new, and leaves the demo logins it made before as they are. It never takes over an
account it did not make: a username already used by an account without the demo address stops it.
The password is for demonstrations only; the command refuses to run in production unless forced.

Staff logins must pass two-factor sign-in: each run prints three unused recovery codes for each
(making a new set when fewer are left), so that a newcomer needs no phone; signed in, one can add an
authenticator app or make new codes under "Account security". Candidates sign in with the password.
"""

import datetime
import io
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.enums import StaffRole
from accounts.models import StaffMembership
from accounts.roles import SECRETARY_OF_STATE_GROUP
from accounts.two_factor import demo_recovery_codes, recovery_code_shown
from elections.enums import ElectionKind
from elections.importers.returns import import_openelections_csv
from elections.instants import in_words
from elections.models import Candidate, Certification, Contest, Election
from elections.services import certification_record, county_by_name, save_with_history
from recounts.queries import contest_standing

# Demo only: printed at the end, never used outside a demonstration.
DEMO_PASSWORD = "recount-demo-2017"  # noqa: S105
# Recovery codes printed for each staff login (each signs in once).
DEMO_RECOVERY_CODES_SHOWN = 3
# Shown instead of the password for a demo login made by an earlier run with another password.
UNCHANGED_NOTE = "(unchanged)"

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

REHEARSAL_SLUG = f"{ELECTION_SLUG}-rehearsal"
REHEARSAL_NAME = "REHEARSAL COPY (practice only) of the Atlanta Mayoral Runoff 2017, certified {day:%B %-d, %Y}"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    username: str
    first_name: str
    last_name: str
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def email(self) -> str:
        """The address that marks an account as this demo login (`.invalid`: it never receives mail)."""
        return f"{self.username}@demo.recount-desk.invalid"


ADMIN = DemoLogin("Administrator (superuser)", "admin", "Demo", "Administrator", is_staff=True, is_superuser=True)
SECRETARY_OF_STATE = DemoLogin("Secretary of State staff", "sos", "Sam", "State", is_staff=True)
SUPERINTENDENTS = {
    "Fulton": DemoLogin("Fulton County superintendent", "fulton", "Fran", "Fulton"),
    "DeKalb": DemoLogin("DeKalb County superintendent", "dekalb", "Dee", "Kalb"),
}
#: The rest of the offices, so that each duty can be tried by hand: a DeKalb clerk enters figures (and
#: cannot sign them off), a Fulton designee signs off what Fulton's staff entered.
OFFICE_STAFF = {
    DemoLogin("DeKalb County clerk (enters figures)", "dekalb-clerk", "Cal", "Clerk"): ("DeKalb", StaffRole.CLERK),
    DemoLogin("Fulton County designee (signs off)", "fulton-designee", "Dana", "Designee"): (
        "Fulton",
        StaffRole.DESIGNEE,
    ),
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
            existing = self._existing_demo_users()
            users = {login: existing.get(login.username) or self._user(login, password) for login in self._logins()}
            users[SECRETARY_OF_STATE].groups.add(Group.objects.get(name=SECRETARY_OF_STATE_GROUP))
            contest = self._race(by=users[SECRETARY_OF_STATE])
            for county_name, login in SUPERINTENDENTS.items():
                county = county_by_name(county_name)
                StaffMembership.objects.get_or_create(
                    user=users[login], jurisdiction=county, defaults={"role": StaffRole.SUPERINTENDENT}
                )
                self._certify(contest.election, county, by=users[login], at=CERTIFIED_AT)
            for login, (county_name, role) in OFFICE_STAFF.items():
                StaffMembership.objects.get_or_create(
                    user=users[login], jurisdiction=county_by_name(county_name), defaults={"role": role}
                )
            rehearsal = self._rehearsal(by=users[SECRETARY_OF_STATE], now=timezone.now())
            for county_name, login in SUPERINTENDENTS.items():
                self._certify(rehearsal.election, county_by_name(county_name), by=users[login], at=self.rehearsal_at)
            for candidate in Candidate.objects.filter(contest__in=[contest, rehearsal], name__in=CANDIDATES):
                # Demo only: the candidate's login is their address of record, linked without an invitation.
                login = CANDIDATES[candidate.name]
                if candidate.email != login.email:
                    candidate.email = login.email
                    candidate._change_reason = "Address of record of the demo login"
                    candidate.save()
                candidate.accounts.add(users[login])
            codes = {
                login: demo_recovery_codes(user=user, shown=DEMO_RECOVERY_CODES_SHOWN)
                for login, user in users.items()
                if roles.needs_second_factor(get_user_model().objects.get(pk=user.pk))
            }
        # A login from an earlier run keeps its password, which may not be this one.
        kept = {
            login
            for login in users
            if login.username in existing and not check_password(password, users[login].password)
        }
        self._print_logins(password, contest, rehearsal, kept=kept, codes=codes)

    @staticmethod
    def _logins() -> list[DemoLogin]:
        return [ADMIN, SECRETARY_OF_STATE, *SUPERINTENDENTS.values(), *OFFICE_STAFF, *CANDIDATES.values()]

    def _existing_demo_users(self) -> dict:
        """The demo logins made by an earlier run, by username; refuses if another account holds
        one of the usernames (nothing is written)."""
        logins = {login.username: login for login in self._logins()}
        existing = {user.username: user for user in get_user_model().objects.filter(username__in=logins)}
        taken = [name for name, user in existing.items() if user.email.lower() != logins[name].email]
        if len(taken) == 1:
            (name,) = taken
            raise CommandError(
                f"The demo was not loaded: the username “{name}” belongs to an account that is not a demo "
                f"login (its email is not {logins[name].email}). Rename that account, or load the demo into "
                "another database."
            )
        if taken:
            names = ", ".join(f"“{name}”" for name in sorted(taken, key=list(logins).index))
            raise CommandError(
                f"The demo was not loaded: the usernames {names} belong to accounts that are not demo logins "
                "(their email is not <username>@demo.recount-desk.invalid). Rename those accounts, or load the "
                "demo into another database."
            )
        return existing

    @staticmethod
    def _user(login: DemoLogin, password: str):
        return get_user_model().objects.create_user(
            username=login.username,
            email=login.email,
            password=password,
            first_name=login.first_name,
            last_name=login.last_name,
            is_staff=login.is_staff,
            is_superuser=login.is_superuser,
        )

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

    def _rehearsal(self, *, by, now: datetime.datetime) -> Contest:
        """Today's open rehearsal copy: the newest one if its window is still open, else a new one."""
        for election in Election.objects.filter(slug__startswith=f"{REHEARSAL_SLUG}-").order_by("-slug"):
            contest = Contest.objects.select_related("election").get(election=election, office="Mayor")
            standing = contest_standing(contest)
            if standing.filing_deadline is None or standing.filing_deadline > now:
                self._mark_rehearsal(election, by=by)
                self.rehearsal_at = standing.certified_at or now
                self.stdout.write(f"The rehearsal copy “{election.name}” is already loaded.")
                return contest
            break
        day = timezone.localdate(now)
        # Certified a minute ago: the window opens now and runs to the rule's deadline.
        self.rehearsal_at = now.replace(second=0, microsecond=0) - datetime.timedelta(minutes=1)
        summary = import_openelections_csv(
            source=io.BytesIO(RETURNS_CSV.encode()),
            file_name=f"rehearsal-{day:%Y-%m-%d}-{RETURNS_FILE_NAME}",
            election_name=REHEARSAL_NAME.format(day=day),
            date=ELECTION_DATE,
            kind=ElectionKind.RUNOFF,
            slug=f"{REHEARSAL_SLUG}-{day:%Y-%m-%d}",
            seats=1,
            municipal=True,
            by=by,
        )
        self._mark_rehearsal(summary.election, by=by)
        self.stdout.write(f"Imported the rehearsal copy “{summary.election.name}”.")
        return Contest.objects.select_related("election").get(election=summary.election, office="Mayor")

    @staticmethod
    def _mark_rehearsal(election: Election, *, by) -> None:
        """Marked as a rehearsal copy: its pages, documents and receipt numbers say so (a copy loaded
        before the mark existed gets it now)."""
        if not election.rehearsal:
            election.rehearsal = True
            save_with_history(election, by=by, reason="A rehearsal copy, for practice only")

    def _certify(self, election: Election, county, *, by, at: datetime.datetime) -> None:
        if Certification.objects.filter(election=election, jurisdiction=county).exists():
            return
        certification_record(
            election=election, jurisdiction=county, certified_at=at, by=by, note="Certified county returns (demo)"
        )
        self.stdout.write(f"Certified {county} for {election.name} on {timezone.localtime(at):%Y-%m-%d %H:%M %Z}.")

    def _print_logins(
        self,
        password: str,
        contest: Contest,
        rehearsal: Contest,
        *,
        kept: set[DemoLogin],
        codes: dict[DemoLogin, list[str]],
    ) -> None:
        logins = self._logins()
        standing = contest_standing(rehearsal)
        deadline = in_words(standing.filing_deadline, standing.rule.time_zone) if standing.filing_deadline else "—"
        shown = {login: UNCHANGED_NOTE if login in kept else password for login in logins}
        role_width = max(len(login.role) for login in logins)
        user_width = max(len("Username"), *(len(login.username) for login in logins))
        password_width = max(len("Password"), *(len(text) for text in shown.values()))
        lines = [
            "",
            "Demo logins (demo only: never use this password on a real server):",
            f"  {'Role':<{role_width}}  {'Username':<{user_width}}  {'Password':<{password_width}}  Second factor",
            f"  {'-' * role_width}  {'-' * user_width}  {'-' * password_width}  {'-' * 13}",
            *(
                f"  {login.role:<{role_width}}  {login.username:<{user_width}}  {shown[login]:<{password_width}}  "
                + (", ".join(recovery_code_shown(code) for code in codes[login]) if login in codes else "—")
                for login in logins
            ),
            "",
            "Staff logins then ask for a second factor: enter one of the recovery codes shown (each works once;",
            "running load_demo again shows unused ones). Signed in, “Account security” adds an authenticator app.",
            "",
            f"The race: {reverse('recounts:contest', args=[contest.election.slug, contest.pk])}",
            f"Rehearsal copy (filing window open until {deadline}): "
            f"{reverse('recounts:contest', args=[rehearsal.election.slug, rehearsal.pk])}",
        ]
        self.stdout.write("\n".join(lines))
