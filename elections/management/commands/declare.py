"""Set one candidate's declared status: ``manage.py declare --election … --office … --candidate …``.

A contest is found by office and district, and in a primary or for a county office by its party
(``--party``) and county (``--county``).
"""

import argparse

from django.core.management.base import BaseCommand, CommandError

from elections.enums import DeclaredStatus
from elections.management.commands.import_results import user_named
from elections.models import Candidate, Contest, Election
from elections.services import ElectionsError, candidate_declare, county_by_name


def _plain(text: str) -> str:
    return " ".join(text.split())


class Command(BaseCommand):
    help = "Set a candidate's declared status (elected, nominated, runoff or none), with the reason recorded."

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--election", required=True, metavar="SLUG")
        parser.add_argument("--office", required=True, help="As imported, e.g. “Mayor”, “U.S. House”.")
        parser.add_argument("--district", default="", help="The contest's district, if it has one.")
        parser.add_argument("--party", help="In a primary, the party whose primary it is, e.g. “REP”.")
        parser.add_argument(
            "--county", metavar="NAME", help="For a county office (“Sheriff”), the county whose office it is."
        )
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
        contest = self._contest(election, options)
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

    @staticmethod
    def _contest(election: Election, options: dict) -> Contest:
        """The one contest named by office and district, and by party and county when given."""
        office, district = _plain(options["office"]), _plain(options["district"])
        contests = election.contests.select_related("home_county").order_by(
            "office", "district", "party", "home_county__name"
        )
        matches = contests.filter(office__iexact=office, district__iexact=district)
        where = f"“{office}”" + (f", district “{district}”" if district else "")
        if options["party"] is not None:
            party = _plain(options["party"])
            matches = matches.filter(party__iexact=party)
            where += f", party “{party}”"
        if options["county"] is not None:
            try:
                county = county_by_name(options["county"], state=election.state)
            except ElectionsError as error:
                raise CommandError(str(error)) from None
            matches = matches.filter(home_county=county)
            where += f", county {county}"
        found = list(matches)
        if not found:
            known = "; ".join(str(contest) for contest in contests) or "none"
            raise CommandError(f"{election} has no contest {where}. Its contests: {known}.")
        if len(found) > 1:
            listed = "; ".join(str(contest) for contest in found)
            missing = [
                option
                for option, values in [
                    ("--party", {contest.party for contest in found}),
                    ("--county", {contest.home_county_id for contest in found}),
                ]
                if len(values) > 1
            ]
            # Contests whose names differ only in case cannot be told apart by any option.
            advice = f"Add {' and '.join(missing)} to say which." if missing else "Declare in the admin instead."
            raise CommandError(f"{election} has {len(found)} contests {where}: {listed}. {advice}")
        return found[0]
