import datetime

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from elections.models import Election
from elections.services import ElectionsError, certification_record, county_by_name, municipality_by_name


def parse_instant(value: str) -> datetime.datetime:
    """An ISO 8601 instant; without an offset it is read in the project's time zone (Eastern)."""
    try:
        instant = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--at “{value}” is not an ISO 8601 date and time (e.g. 2017-12-11T16:00-05:00).") from None
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant)
    return instant


class Command(BaseCommand):
    help = (
        "Record a county's, a city's (one that runs its own election) or the statewide certification of an "
        "election's returns; again for the same scope: a recertification."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="The election's slug.")
        scope = parser.add_mutually_exclusive_group(required=True)
        scope.add_argument("--county", help="County name as in the import file, e.g. “Fulton” or “DeKalb County”.")
        scope.add_argument("--municipality", help="A city that runs its own election, by name (e.g. “Milton”).")
        scope.add_argument("--statewide", action="store_true", help="The Secretary of State's certification.")
        parser.add_argument("--at", help="When it was certified (ISO 8601; default now; no offset = Eastern time).")
        parser.add_argument("--by", help="Username of the official who certified.")
        parser.add_argument("--note", default="", help="Kept with the certification and in its history.")

    def handle(self, *args, **options) -> None:
        try:
            election = Election.objects.get(slug=options["election"])
        except Election.DoesNotExist:
            raise CommandError(f"No election has the slug “{options['election']}”.") from None
        by = None
        if options["by"]:
            try:
                by = get_user_model().objects.get(username=options["by"])
            except get_user_model().DoesNotExist:
                raise CommandError(f"No user is named “{options['by']}”.") from None
        certified_at = parse_instant(options["at"]) if options["at"] else timezone.now()
        try:
            jurisdiction = None
            if options["county"]:
                jurisdiction = county_by_name(options["county"])
                if not election.contests.filter(counties=jurisdiction).exists():
                    raise ElectionsError(f"{jurisdiction} has no returns in {election}.")
            elif options["municipality"]:
                jurisdiction = municipality_by_name(options["municipality"])
                if not election.contests.filter(superintendent_jurisdiction=jurisdiction).exists():
                    raise ElectionsError(f"{jurisdiction} runs no contest of {election}.")
            certification = certification_record(
                election=election, jurisdiction=jurisdiction, certified_at=certified_at, by=by, note=options["note"]
            )
        except ElectionsError as error:
            raise CommandError(str(error)) from None
        local = timezone.localtime(certification.certified_at)
        self.stdout.write(f"Recorded: {certification} at {local.isoformat()}.")
