import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from elections.models import Election
from recounts.exports import election_json
from recounts.queries import ContestStanding, election_standings


class Command(BaseCommand):
    help = (
        "For every contest of an election: total votes, the rule in force, each candidate's votes, gap, "
        "percent and eligibility to ask for a recount, the filing deadline and where the request goes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--election", required=True, help="The election's slug (or its numeric id).")
        parser.add_argument("--json", action="store_true", help="One JSON object (shape in the README).")

    def handle(self, *args, **options) -> None:
        key = options["election"]
        election = Election.objects.filter(slug=key).first()
        if election is None and key.isdigit():
            election = Election.objects.filter(pk=int(key)).first()
        if election is None:
            raise CommandError(f"No election has the slug or id “{key}”.")
        standings = election_standings(election)
        if options["json"]:
            self.stdout.write(json.dumps(election_json(election, standings), indent=2, ensure_ascii=False))
            return
        self.stdout.write(f"{election.name} — {election.date:%A, %B %-d, %Y} ({election.get_kind_display()})")
        if not standings:
            self.stdout.write("No contests.")
        for standing in standings:
            self._write_contest(standing)

    def _write_contest(self, standing: ContestStanding) -> None:
        contest = standing.contest
        write = self.stdout.write
        write("")
        write(f"{contest} [{contest.get_level_display()}] — {', '.join(str(c) for c in standing.counties)}")
        if standing.rule:
            write(f"  Rule: {standing.rule.name} (threshold {standing.rule.threshold_percent.normalize()}%)")
        else:
            write(f"  Rule: none — {standing.rule_problem}")
        write(f"  Total votes: {standing.total_votes:,}")
        certified = (
            timezone.localtime(standing.certified_at).strftime("%Y-%m-%d %H:%M %Z")
            if standing.certified_at
            else "not yet"
        )
        deadline = (
            timezone.localtime(standing.filing_deadline).strftime("%Y-%m-%d %H:%M %Z")
            if standing.filing_deadline
            else "—"
        )
        write(f"  Certified: {certified}    Filing deadline: {deadline}")
        write(f"  Route: {standing.route.label if standing.route else '—'}")
        name_width = max((len(row.candidate.name) for row in standing.candidates), default=4)
        write(f"  {'Candidate':<{name_width}}  {'Votes':>10}  {'Declared':<9}  {'Gap':>8}  {'Percent':>8}  May ask")
        for row in standing.candidates:
            gap = f"{row.eligibility.gap:,}" if row.eligibility.gap is not None else "—"
            percent = f"{row.eligibility.gap_percent}%" if row.eligibility.gap_percent is not None else "—"
            declared = row.candidate.get_declared_status_display() if row.eligibility.declared else "no"
            may_ask = "yes" if row.eligible else "no"
            name = row.candidate.name
            write(f"  {name:<{name_width}}  {row.votes:>10,}  {declared:<9}  {gap:>8}  {percent:>8}  {may_ask}")
