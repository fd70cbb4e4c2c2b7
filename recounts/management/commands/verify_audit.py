from django.core.management.base import BaseCommand, CommandError, CommandParser

from recounts.audit import CHUNK_SIZE, trail_link_existing, trail_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit trail from the database: every history row's and notice's content hash and "
        "the chain, in sequence order. Exits with status 1 naming the first row that does not match."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--link-existing",
            action="store_true",
            help="First link the rows written before the trail existed (once, when it is installed).",
        )
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="Links read per query.")

    def handle(self, *args, **options) -> None:
        if options["link_existing"]:
            self.stdout.write(f"Linked {trail_link_existing(chunk_size=options['chunk_size'])} existing rows.")
        report = trail_verify(chunk_size=options["chunk_size"])
        if report.mismatch is not None:
            raise CommandError(f"Audit trail broken after {report.entries} intact entries. {report.mismatch}")
        self.stdout.write(f"Audit trail intact: {report.entries} entries")
        self.stdout.write(f"Head of the chain: {report.head} (keep it elsewhere: a rebuilt chain would not end there)")
