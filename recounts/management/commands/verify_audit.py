from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from recounts.anchors import Anchored, anchors_read, anchors_verify, failures_recorded
from recounts.audit import CHUNK_SIZE, records_verify, trail_link_existing, trail_verify


class Command(BaseCommand):
    help = (
        "Recompute the audit trail from the database: every history row's and notice's content hash and "
        "the chain, in sequence order; then every live row of the tables of legal records against its latest "
        "history row, and each import's result lines against their hash. Exits with status 1 naming the first "
        "link that does not match, or every row, column and import that differs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--link-existing",
            action="store_true",
            help="First link the rows written before the trail existed (once, when it is installed).",
        )
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help="Links read per query.")
        parser.add_argument(
            "--anchors",
            type=Path,
            metavar="FILE",
            help="The anchor file (RECOUNT_AUDIT_ANCHOR_FILE): every head in it must still be in the chain.",
        )
        parser.add_argument(
            "--head",
            action="append",
            default=[],
            metavar="HASH",
            help="A head printed on a document or a notice (“Audit chain head: …”); may be repeated.",
        )

    def handle(self, *args, **options) -> None:
        if options["link_existing"]:
            self.stdout.write(f"Linked {trail_link_existing(chunk_size=options['chunk_size'])} existing rows.")
        report = trail_verify(chunk_size=options["chunk_size"])
        if report.mismatch is not None:
            raise CommandError(f"Audit trail broken after {report.entries} intact entries. {report.mismatch}")
        for failure in failures_recorded():
            self.stderr.write(failure)
        anchored = [Anchored(where="--head", sha256=head.strip().lower()) for head in options["head"]]
        problems = []
        if options["anchors"] is not None:
            try:
                in_file, problems = anchors_read(options["anchors"])
            except OSError as error:
                raise CommandError(f"Cannot read the anchor file: {error}") from None
            anchored += in_file
        problems += anchors_verify(anchored)
        if problems:
            raise CommandError(
                f"The audit trail is not the one anchored outside the database ({report.entries} entries now):\n"
                + "\n".join(problems)
            )
        findings = records_verify(chunk_size=options["chunk_size"])
        if findings:
            raise CommandError(
                f"The live tables differ from the audit trail ({report.entries} intact entries), "
                f"{len(findings)} finding{'s' if len(findings) > 1 else ''}:\n" + "\n".join(findings)
            )
        self.stdout.write(f"Audit trail intact: {report.entries} entries")
        self.stdout.write(f"Head of the chain: {report.head} (keep it elsewhere: a rebuilt chain would not end there)")
        if anchored:
            self.stdout.write(f"Anchored heads found in the chain: {len(anchored)}")
