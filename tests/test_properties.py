"""Bad input, generated: the OpenElections importer, every form of the recount pages and a few pages
fed malformed input (about 1,300 examples in all, see `EXAMPLES`) never fail with anything but a
message a person can act on, and never leave half a write behind.

Each example runs in a savepoint rolled back at its end, so the examples are independent of one
another (an input that happens to be valid is imported, then undone).
"""

import csv
import datetime
import io
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.enums import StaffRole
from accounts.forms import AuthenticatorForm, SecondFactorForm
from elections.importers.returns import MAX_VOTES, ImportRejected, import_openelections_csv
from elections.models import Candidate, Contest, Election, ImportBatch, Result
from recounts.forms import (
    CertifyForm,
    ContestFilterForm,
    CountScheduleForm,
    LateBallotsForm,
    LinkForm,
    OutcomeForm,
    RecountDirectForm,
    RecountOrderForm,
    ReopenForm,
    RequestDenyForm,
    RequestFileForm,
    RequestRecordForm,
    ScannerTestCorrectionForm,
    ScannerTestForm,
    SignOffForm,
    SubmitForm,
    TapesForm,
    WithdrawForm,
    WorksheetForm,
)
from recounts.models import CountyRecount, ScannerTest
from recounts.permissions import Returns
from recounts.queries import worksheet_tallies
from recounts.services.decisions import recount_order
from recounts.services.requests import Signature, request_file
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    county,
    make_candidate_account,
    make_pdf_bytes,
    make_superintendent_staff,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)

#: Examples per test: importer 350 + 150, forms 16 × 40, pages 5 × 30 = 1,290.
EXAMPLES = {"mutated_csv": 350, "arbitrary_bytes": 150, "mutated_clarity": 120, "form": 40, "page": 30}


def cheap(examples: int):
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


@contextmanager
def undone():
    """A savepoint rolled back at the end: the example leaves nothing behind."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# -- The importer --------------------------------------------------------------------------------

HEADER = ["county", "precinct", "office", "district", "party", "candidate", "votes", "election_day"]
ROWS = [
    ["Fulton", "P01", "Mayor", "", "", "Ann Archer", "100", "100"],
    ["Fulton", "P01", "Mayor", "", "", "Bo Brown", "90", "90"],
    ["DeKalb", "D07", "Mayor", "", "", "Ann Archer", "40", "40"],
    ["DeKalb", "D07", "Mayor", "", "", "Bo Brown", "45", "45"],
]
#: Cells that are not a figure of votes: words, signs, decimals, exponents, spaces inside.
NOT_A_FIGURE = st.one_of(
    st.sampled_from(["ten", "1.5", "1e3", "1,000", "0x10", "--1", "+", "½", "١٢", "12 3", "NaN", "∞"]),
    st.text(alphabet=st.characters(exclude_categories=["Nd", "Zs", "Cc", "Cs"]), min_size=1, max_size=8),
)


def to_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def mutated_csv(draw) -> tuple[bytes, bool]:
    """A small OpenElections file with one thing wrong; and whether it must be rejected (a random
    header or a quoted newline may still make a readable file)."""
    header, rows = list(HEADER), [list(row) for row in ROWS]
    row = draw(st.integers(0, len(rows) - 1))
    vote_cell = draw(st.sampled_from([6, 7]))
    fault = draw(
        st.sampled_from(
            [
                "missing_column",
                "not_a_figure",
                "negative",
                "huge",
                "bad_utf8",
                "nul",
                "row_twice",
                "field_count",
                "random_header",
                "quoted_newline",
                "types_do_not_add_up",
                "unknown_county",
                "unknown_column",
                "empty",
            ]
        )
    )
    if fault == "missing_column":
        drop = draw(st.sampled_from([0, 2, 5]))  # one of the required columns: county, office, candidate
        header.pop(drop)
        rows = [r[:drop] + r[drop + 1 :] for r in rows]
    elif fault == "not_a_figure":
        rows[row][vote_cell] = draw(NOT_A_FIGURE)
    elif fault == "negative":
        rows[row][vote_cell] = str(-draw(st.integers(1, 10**6)))
    elif fault == "huge":
        rows[row][vote_cell] = str(draw(st.integers(MAX_VOTES + 1, 10**40)))
    elif fault == "row_twice":
        rows.insert(draw(st.integers(row + 1, len(rows))), list(rows[row]))
    elif fault == "field_count":
        rows[row] = rows[row] + ["x"] * draw(st.integers(1, 3)) if draw(st.booleans()) else rows[row][:-1]
    elif fault == "random_header":
        header = draw(st.lists(st.text(max_size=12), min_size=1, max_size=9))
        rows = [r[: len(header)] + [""] * (len(header) - len(r)) for r in rows]
    elif fault == "quoted_newline":
        rows[row][draw(st.sampled_from([1, 2, 5]))] += draw(st.sampled_from(["\n", "\r\n", "\nsecond line"]))
    elif fault == "types_do_not_add_up":
        rows[row][7] = str(int(rows[row][6]) + draw(st.integers(1, 1000)))
    elif fault == "unknown_county":
        rows[row][0] = draw(st.sampled_from(["Atlantis", "Fulton Fulton", "Springfield"]))
    elif fault == "unknown_column":
        at = draw(st.integers(0, len(header)))
        header.insert(at, draw(st.sampled_from(["xyzzy", "early_mail_ballots", "votes_cast_by_robots", "Σ"])))
        rows = [[*r[:at], "7", *r[at:]] for r in rows]
    elif fault == "empty":
        return draw(st.sampled_from([b"", b"\n", to_bytes(header, [])])), True
    data = to_bytes(header, rows)
    if fault in {"bad_utf8", "nul"}:
        lines = data.split(b"\n")
        line = draw(st.integers(1, len(lines) - 2))
        bad = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xe2\x82", b"\x80abc"])) if fault == "bad_utf8" else b"\0"
        at = draw(st.integers(0, len(lines[line])))
        lines[line] = lines[line][:at] + bad + lines[line][at:]
        data = b"\n".join(lines)
    return data, fault not in {"random_header", "quoted_newline"}


def table_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in (Election, Contest, Candidate, Result, ImportBatch)}


def import_bytes(data: bytes) -> None:
    import_openelections_csv(
        source=io.BytesIO(data),
        file_name="returns.csv",
        election_name="2017 Fuzzed General",
        date=datetime.date(2017, 11, 7),
        kind="general",
    )


def imported_or_rejected(data: bytes) -> bool:
    """Import `data`; True if it was rejected, having named a line and written nothing."""
    before = table_counts()
    message = None
    with undone():
        try:
            import_bytes(data)  # no savepoint of the test's own: all or nothing is the importer's job
        except ImportRejected as rejected:
            message = str(rejected)
            assert table_counts() == before
    assert table_counts() == before
    if message is None:
        return False
    assert re.search(r"\blines? \d+", message), f"no line named in: {message}"
    return True


@cheap(EXAMPLES["mutated_csv"])
@given(case=mutated_csv())
def test_a_malformed_file_is_rejected_naming_its_line_and_nothing_is_written(db, case):
    data, must_reject = case
    rejected = imported_or_rejected(data)
    if must_reject:
        assert rejected, data


@cheap(EXAMPLES["arbitrary_bytes"])
@given(data=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda text: text.encode("utf-8"))))
def test_arbitrary_bytes_are_imported_or_rejected_never_an_error(db, data):
    imported_or_rejected(data)


CLARITY = (Path(__file__).parent / "elections" / "data" / "clarity" / "fulton-detail.xml").read_bytes()


@st.composite
def mutated_clarity(draw) -> bytes:
    """Georgia's Clarity county file with one fault: a cut, a byte changed, a span repeated or removed,
    an attribute's figure replaced."""
    data = CLARITY
    fault = draw(st.sampled_from(["cut", "byte", "repeat", "remove", "figure"]))
    at = draw(st.integers(0, len(data) - 1))
    if fault == "cut":
        return data[:at]
    if fault == "byte":
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
    end = draw(st.integers(at, min(len(data), at + 200)))
    if fault == "repeat":
        return data[:end] + data[at:end] + data[end:]
    if fault == "remove":
        return data[:at] + data[end:]
    figures = [match.start(1) for match in re.finditer(rb'votes="(\d+)"', data)]
    start = draw(st.sampled_from(figures))
    stop = data.index(b'"', start)
    return data[:start] + draw(NOT_A_FIGURE).encode() + data[stop:]


@cheap(EXAMPLES["mutated_clarity"])
@given(data=mutated_clarity())
def test_a_mutated_clarity_file_is_imported_or_refused_never_an_error(db, data):
    before = table_counts()
    with undone():
        try:
            import_bytes(data)
        except ImportRejected:
            assert table_counts() == before
    assert table_counts() == before


# -- The forms -----------------------------------------------------------------------------------

JUNK = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["", " ", "0", "-1", "1.5", "1e309", "NaN", "on", "true", "\x00", "2017-13-45T25:61", "2017-12-12T14:00",
         "9999-12-31T23:59", "0001-01-01T00:00", "<script>alert(1)</script>", "a@b", "@", "x" * 20_000, "agent",
         "candidate", "paper", "late", "other", "scanner_misread"]
    ),
)  # fmt: skip
FILES = st.one_of(
    st.binary(max_size=200),
    st.just(make_pdf_bytes()),
    st.binary(max_size=100).map(lambda tail: b"%PDF-1.7\n" + tail),
)

#: What a browser's upload can be called once Django's multipart parser has made the name safe.
FILE_NAMES = st.from_regex(r"[A-Za-z0-9 _()-]{1,40}(\.pdf|\.PDF|\.txt|\.pdf\.exe)?", fullmatch=True)


@pytest.fixture
def counting_case(db, time_machine):
    """Norwood's request, Fulton's recount ordered."""
    time_machine.move_to(NOW, tick=False)
    norwood = build_atlanta_runoff().candidates.get(name="Mary Norwood")
    account = make_candidate_account(norwood, username="norwood")
    request = request_file(candidate=norwood, by=account, signature=Signature(name="Mary Norwood"))
    superintendent = make_superintendent_staff(username="fay", county_name="Fulton", role=StaffRole.SUPERINTENDENT)
    recount_order(
        request=request,
        county=county("Fulton"),
        by=superintendent,
        count_place="Fulton County Elections Hub",
        count_starts_at=NOW + datetime.timedelta(hours=4),
    )
    return request


def form_kwargs(name: str, case) -> dict:
    part = CountyRecount.objects.get(request=case, county=county("Fulton"))
    candidates = case.contest.candidates.all()
    return {
        "RequestRecordForm": {"candidates": Candidate.objects.all(), "now": NOW},
        "WorksheetForm": {"county_recount": part, "tallies": worksheet_tallies(part)},
        "TapesForm": {
            "county_recount": part,
            "candidates": list(candidates),
            "sums": {candidate.pk: 1_000 for candidate in candidates},
        },
        "ScannerTestCorrectionForm": {
            "scanner_test": ScannerTest(
                county_recount=part,
                scanner="ICP-1",
                machine_marked=75,
                hand_marked=25,
                precincts=3,
                hand_count=100,
                machine_count=10,
            )
        },
        "LateBallotsForm": {"candidates": candidates},
        "RecountOrderForm": {"ruling_needed": "late"},
        "LinkForm": {"candidate": case.candidate},
        "CertifyForm": {
            "scopes": [Returns(case.contest.election, county("Fulton")), Returns(case.contest.election, None)]
        },
        "RecountDirectForm": {"ruling_needed": "late"},
    }.get(name, {})


FORMS = [
    RequestFileForm,
    RequestRecordForm,
    WithdrawForm,
    LinkForm,
    ContestFilterForm,
    CertifyForm,
    RecountOrderForm,
    RecountDirectForm,
    RequestDenyForm,
    ScannerTestForm,
    ScannerTestCorrectionForm,
    WorksheetForm,
    TapesForm,
    LateBallotsForm,
    SubmitForm,
    SignOffForm,
    OutcomeForm,
    ReopenForm,
    CountScheduleForm,
    SecondFactorForm,
    AuthenticatorForm,
]


@pytest.mark.parametrize("form_class", FORMS, ids=lambda form_class: form_class.__name__)
@cheap(EXAMPLES["form"])
@given(data=st.data())
def test_a_form_bound_with_junk_answers_with_messages(counting_case, form_class, data):
    kwargs = form_kwargs(form_class.__name__, counting_case)
    fields = form_class(**kwargs).fields
    values, files = {}, {}
    for name, field in fields.items():
        if not data.draw(st.booleans(), label=f"give {name}"):
            continue
        if field.__class__.__name__ == "FileField":
            content = data.draw(FILES, label=name)
            files[name] = SimpleUploadedFile(data.draw(FILE_NAMES, label="file name"), content)
        else:
            values[name] = data.draw(JUNK, label=name)
    values |= data.draw(st.dictionaries(st.text(max_size=10), JUNK, max_size=3), label="extra fields")
    with undone():
        form = form_class(values, files, **kwargs)
        valid = form.is_valid()
    assert isinstance(valid, bool)
    for field, messages in form.errors.items():
        assert field in fields or field == "__all__", field
        assert messages, field
        assert all(isinstance(message, str) and message.strip() for message in messages), messages


# -- Pages POSTed junk ---------------------------------------------------------------------------

PAGES = {
    # URL name → (who posts, the form's field names)
    "recounts:file": ("norwood", ["statement", "signature", "signatory", "agent_name", "attestation", "letter"]),
    "recounts:record": ("fulton", ["candidate", "channel", "received_at", "signature", "signatory", "scan"]),
    "recounts:tallies": ("fulton", ["version", "recounted_1", "reason_1", "note_1"]),
    "recounts:tapes": ("fulton", ["version", "tape_1", "tape_2"]),
    "recounts:scanner_test": ("fulton", ["version", "scanner", "machine_marked", "hand_marked", "precincts"]),
    # A candidate turning two-factor sign-in on.
    "accounts:two_factor_setup": ("norwood", ["code", "next"]),
}


@pytest.mark.parametrize("page", PAGES)
@cheap(EXAMPLES["page"])
@given(data=st.data())
def test_a_page_posted_junk_never_answers_a_server_error(counting_case, page, data):
    who, names = PAGES[page]
    user = {
        "norwood": lambda: counting_case.candidate.accounts.get(),
        "fulton": lambda: make_superintendent_staff(username="fulton-clerk", county_name="Fulton"),
    }[who]
    part = CountyRecount.objects.get(request=counting_case, county=county("Fulton"))
    pk = {"recounts:file": counting_case.candidate_id, "recounts:record": None, "accounts:two_factor_setup": None}.get(
        page, part.pk
    )
    url = reverse(page, args=[] if pk is None else [pk])
    posted = {name: data.draw(JUNK, label=name) for name in names if data.draw(st.booleans(), label=name)}
    with undone():
        client = Client()
        client.force_login(user())
        response = client.post(url, posted)
    assert response.status_code < 500
