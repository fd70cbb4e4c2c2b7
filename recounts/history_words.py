"""The recount models' history in the words of the pages (`elections.history_words`, which words every
app's models): each tracked field of a case, of a county's recount, of a scanner's test and of a
worksheet's line named as the pages name it (`WORDS`), the declarations as a sentence; a field that is
bookkeeping, or that the entry itself names (who did it, and to what), is not listed (`UNLISTED`, each
with why). The desk's other models (rules, closed days, party chairs, imports) are worded by their
fields' kinds and names.
"""

from django.db import models
from django.utils.text import capfirst

from elections.history_words import (
    BOOKKEEPING,
    NAMED_BY_THE_ENTRY,
    FieldChange,
    Wording,
    change_in_words,
    changes_in_words,
    register,
    unlisted,
)
from recounts.models import (
    CountyRecount,
    ImportJob,
    RecountRequest,
    RecountTally,
    ScannerTest,
    declared_in_words,
)

# The timeline (`recounts.queries`) words its changes through here: whoever words a recount model's
# change imports this module, and with it the tables below.
__all__ = ["UNLISTED", "WORDS", "FieldChange", "Wording", "change_in_words", "changes_in_words", "unlisted"]


#: The declarations a finished case keeps (`RecountRequest.finish_declarations`), in the order told.
DECLARATION_PARTS = {
    "in_force_before": "declared before the recount",
    "returns_before": "the certified returns declare",
    "returns_after": "the corrected returns declare",
    "in_force": "declared at the finish",
}


def declarations_in_words(declarations: object) -> str:
    """“Declared before the recount: Keisha Lance Bottoms (elected); the certified returns declare:
    Keisha Lance Bottoms (elected)”."""
    if not isinstance(declarations, dict):
        return str(declarations)
    parts = [
        f"{phrase}: {declared_in_words(declarations[key])}"
        for key, phrase in DECLARATION_PARTS.items()
        if key in declarations
    ]
    return capfirst("; ".join(parts))


WORDS: dict[type[models.Model], dict[str, Wording]] = {
    RecountRequest: {
        "channel": Wording("Made"),
        "filed_at": Wording("Filed"),
        "recorded_at": Wording("Recorded"),
        "statement": Wording("Statement", empty="no statement"),
        "signature": Wording("Signed", empty="not signed"),
        "signatory": Wording("Signed by", empty="no one"),
        "agent_name": Wording("Agent", empty="no agent"),
        "letter_name": Wording("Signed letter or scan", empty="no letter"),
        "letter_sha256": Wording("Letter's SHA-256", empty="no letter"),
        "receipt_number": Wording("Receipt number"),
        "route": Wording("Route"),
        "eligible": Wording("Eligible on the certified returns"),
        "late": Wording("Deadline", yes="missed: the request was late", no="met"),
        "status": Wording("Status"),
        "withdrawal_reason": Wording("Reason for the withdrawal", empty="none given"),
        "withdrawn_at": Wording("Withdrawn", empty="not withdrawn"),
        "withdrawal_signature": Wording("Withdrawal signed", empty="not signed"),
        "withdrawal_signatory": Wording("Withdrawal signed by", empty="no one"),
        "withdrawal_agent_name": Wording("Agent who signed the withdrawal", empty="no agent"),
        "decided_at": Wording("Decided", empty="not decided"),
        "denial_reason": Wording("Statutory reason for the denial", empty="not denied"),
        "ruling": Wording("Ruling", empty="no ruling"),
        "window_starts_at": Wording("Statewide window starts"),
        "finish_by": Wording("Every county finishes by"),
        "outcome_changed": Wording("Outcome", yes="changed by the recount", no="as certified"),
        "declarations_kept": Wording("Declarations", yes="need an official", no="follow the returns"),
        "finish_declarations": Wording("Who is declared", empty="not recorded yet", structured=declarations_in_words),
        "finished_at": Wording("Finished", empty="not finished"),
    },
    CountyRecount: {
        "status": Wording("Status"),
        "ordered_at": Wording("Ordered"),
        "count_place": Wording("Place of the count"),
        "count_starts_at": Wording("The count starts"),
        "finish_by": Wording("Finish by"),
        "hand_count": Wording("Count", yes="by hand", no="by scanner"),
        "submitted_at": Wording("Submitted", empty="not submitted"),
        "signed_off_at": Wording("Signed off", empty="not signed off"),
        "official_name": Wording("Signed off by", empty="no one"),
        "official_title": Wording("Signed off as", empty="not signed off"),
    },
    ScannerTest: {
        "scanner": Wording("Scanner"),
        "machine_marked": Wording("Machine-marked ballots"),
        "hand_marked": Wording("Hand-marked ballots"),
        "precincts": Wording("Precincts"),
        "hand_count": Wording("The deck counted by hand"),
        "machine_count": Wording("The deck as the scanner counted it"),
        "passed": Wording("Result", yes="passed", no="failed"),
        "tested_at": Wording("Tested"),
    },
    RecountTally: {
        "vote_type": Wording("Vote type"),
        "line": Wording("Line"),
        "original": Wording("Certified figure"),
        "recounted": Wording("Recounted figure", empty="not entered"),
        "reason": Wording("Reason for the difference", empty="none given"),
        "note": Wording("Note", empty="no note"),
    },
}

#: Fields never listed, with why.
UNLISTED: dict[type[models.Model], dict[str, str]] = {
    RecountRequest: {
        "id": BOOKKEEPING,
        "contest": NAMED_BY_THE_ENTRY,
        "candidate": NAMED_BY_THE_ENTRY,
        "filed_by": NAMED_BY_THE_ENTRY,
        "withdrawn_by": NAMED_BY_THE_ENTRY,
        "decided_by": NAMED_BY_THE_ENTRY,
        "letter": "the stored file's own name (the letter's name and SHA-256 are listed)",
        "snapshot": "the returns as they stood at filing, shown on their own and never changed",
    },
    CountyRecount: {
        "id": BOOKKEEPING,
        "request": NAMED_BY_THE_ENTRY,
        "county": NAMED_BY_THE_ENTRY,
        "ordered_by": NAMED_BY_THE_ENTRY,
        "submitted_by": NAMED_BY_THE_ENTRY,
        "signed_off_by": NAMED_BY_THE_ENTRY,
        "tabulator_tapes": "the worksheet's figures, shown on the worksheet",
        "tally_draft": "the worksheet's unsaved typing, kept until it is saved",
        "version": "bookkeeping: the worksheet's save counter",
    },
    ScannerTest: {"id": BOOKKEEPING, "county_recount": NAMED_BY_THE_ENTRY},
    RecountTally: {"id": BOOKKEEPING, "county_recount": NAMED_BY_THE_ENTRY, "candidate": NAMED_BY_THE_ENTRY},
    ImportJob: {
        "id": BOOKKEEPING,
        "upload": "the stored file's own name (its name as uploaded and SHA-256 are listed)",
        "report": "what the import read, shown on the import's page",
    },
}

register(WORDS, UNLISTED)
