"""Set one candidate's declared status: ``manage.py declare --election … --office … --candidate …``."""

import argparse

from django.core.management.base import BaseCommand, CommandError

from elections.enums import DeclaredStatus
from elections.management.commands.import_results import user_named
from elections.models import Candidate, Contest, Election
from elections.services import ElectionsError, candidate_declare


def _plain(text: str) -> str:
    return " ".join(text.split())


class Command(BaseCommand):
    help = "Set a candidate's declared status (elected, nominated, runoff or none), with the reason recorded."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--election", required=True, metavar="SLUG")
        parser.add_argument("--office", required=True, help="As imported, e.g. “Mayor”, “U.S. House”.")
        parser.add_argument("--district", default="", help="The contest's district, if it has one.")
        parser.add_argument("--candidate", required=True, metavar="NAME")
        parser.add_argument("--status", required=True, choices=DeclaredStatus.values)
        parser.add_argument("--reason", required=True, help="Why; kept in the candidate's history.")
        parser.add_argument("--by", metavar="USERNAME", help="Who decides (recorded in the history).")

    def handle(self, *args, **options) -> None:
        by = user_named(options["by"])
        try:
            election = Election.objects.get(slug=options["election"])
        except Election.DoesNotExist:
            raise CommandError(f"No election with the slug “{options['election']}”.") from None
        office, district = _plain(options["office"]), _plain(options["district"])
        try:
            contest = election.contests.get(office__iexact=office, district__iexact=district)
        except Contest.DoesNotExist:
            known = "; ".join(str(contest) for contest in election.contests.all()) or "none"
            where = f"“{office}”" + (f", district “{district}”" if district else "")
            raise CommandError(f"{election} has no contest {where}. Its contests: {known}.") from None
        name = _plain(options["candidate"])
        try:
            candidate = contest.candidates.get(name__iexact=name)
        except Candidate.DoesNotExist:
            known = "; ".join(contest.candidates.values_list("name", flat=True)) or "none"
            raise CommandError(f"{contest} has no candidate “{name}”. Its candidates: {known}.") from None
        try:
            candidate_declare(candidate=candidate, status=options["status"], by=by, reason=options["reason"])
        except ElectionsError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"{candidate.name} ({contest}): {candidate.get_declared_status_display()}")
