"""Simultaneous writes on real connections: threads, each with its own database connection, started
together by a barrier, against committed data (`transaction=True`).

PostgreSQL only: SQLite serialises every writer on one file lock, so a race there proves nothing.
On SQLite these tests are skipped, unless `RECOUNT_CONCURRENCY_TESTS=required` (CI's PostgreSQL run
sets it), when they fail instead: a run that was meant to prove this must not pass without doing so.
"""

import datetime
import os
import threading
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from accounts.enums import StaffRole
from elections.models import Certification, Election
from elections.services import ElectionsError, certification_record
from recounts.enums import DiscrepancyReason, TallyLine
from recounts.models import CountyRecount, RecountRequest, RecountTally
from recounts.services.cases import RecountError
from recounts.services.decisions import recount_order
from recounts.services.requests import DuplicateRequest, Signature, request_file
from recounts.services.worksheets import TallyEntry, worksheet_save
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    county,
    make_candidate_account,
    make_superintendent_staff,
)

#: The day after Atlanta's certification (the filing window is open), passed to the services as `now`.
NOW = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)

pytestmark = [
    pytest.mark.concurrency,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _postgresql_only(reference_data):
    if connection.vendor == "postgresql":
        return
    reason = f"concurrency tests need PostgreSQL (real row locks and connections); this run is on {connection.vendor}"
    if os.environ.get("RECOUNT_CONCURRENCY_TESTS") == "required":
        pytest.fail(f"RECOUNT_CONCURRENCY_TESTS=required, but {reason}")
    pytest.skip(reason)


def together[T](count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run `work(0)` … `work(count - 1)` in threads released at once; each result, or its exception."""
    barrier = threading.Barrier(count)
    outcomes: list[T | BaseException | None] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            outcomes[index] = work(index)
        except BaseException as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (a deadlock?)"
    return outcomes


def kind(outcome: object) -> str:
    return type(outcome).__name__


def test_fifty_simultaneous_filings_make_one_case():
    norwood = build_atlanta_runoff().candidates.get(name="Mary Norwood")
    account = make_candidate_account(norwood, username="norwood")

    outcomes = together(
        50,
        lambda _: request_file(candidate=norwood, by=account, signature=Signature(name="Mary Norwood"), now=NOW),
    )

    kinds = Counter(kind(outcome) for outcome in outcomes)
    unexpected = [repr(o) for o in outcomes if isinstance(o, BaseException) and not isinstance(o, RecountError)]
    assert unexpected == []
    assert kinds["RecountRequest"] == 1, kinds
    assert kinds["DuplicateRequest"] + kinds["RecountError"] == 49, kinds
    (filed,) = (outcome for outcome in outcomes if isinstance(outcome, RecountRequest))
    assert list(RecountRequest.objects.values_list("pk", flat=True)) == [filed.pk]
    assert {o.existing.pk for o in outcomes if isinstance(o, DuplicateRequest)} <= {filed.pk}


def test_two_staff_saving_the_same_worksheet_version_one_conflicts_and_nothing_is_lost():
    contest = build_atlanta_runoff()
    norwood = contest.candidates.get(name="Mary Norwood")
    request = request_file(
        candidate=norwood,
        by=make_candidate_account(norwood, username="norwood"),
        signature=Signature(name="Mary Norwood"),
        now=NOW,
    )
    superintendent = make_superintendent_staff(username="fay", county_name="Fulton", role=StaffRole.SUPERINTENDENT)
    part = recount_order(
        request=request,
        county=county("Fulton"),
        by=superintendent,
        count_place="Fulton County Elections Hub",
        count_starts_at=NOW + datetime.timedelta(hours=4),
        now=NOW,
    )
    staff = [make_superintendent_staff(username=f"clerk-{index}", county_name="Fulton") for index in range(2)]
    tallies = list(part.tallies.filter(line=TallyLine.RETURNS).order_by("pk"))
    version = CountyRecount.objects.get(pk=part.pk).version
    # Each clerk recounts one line differently from the certified figure.
    figures = [{tally.pk: tally.original + 1 + index for tally in tallies} for index in range(2)]

    def save(index: int) -> CountyRecount:
        return worksheet_save(
            county_recount=CountyRecount.objects.get(pk=part.pk),
            by=staff[index],
            version=version,
            entries={
                pk: TallyEntry(recounted=figure, reason=DiscrepancyReason.SCANNER_MISREAD)
                for pk, figure in figures[index].items()
            },
        )

    outcomes = together(2, save)

    saved = [index for index, outcome in enumerate(outcomes) if isinstance(outcome, CountyRecount)]
    refused = [outcome for outcome in outcomes if not isinstance(outcome, CountyRecount)]
    assert len(saved) == 1, outcomes
    (error,) = refused
    assert isinstance(error, RecountError), repr(error)
    assert "after you opened it" in str(error)
    assert "nothing of yours was saved" in str(error)
    (winner,) = saved
    stored = dict(RecountTally.objects.filter(pk__in=figures[winner]).values_list("pk", "recounted"))
    assert stored == figures[winner]
    assert CountyRecount.objects.get(pk=part.pk).version == version + 1


def test_two_certifications_of_one_scope_at_once_take_distinct_versions_without_a_gap():
    election = Election.objects.create(
        name="2017 General", slug="2017-general", date=datetime.date(2017, 11, 7), kind="general"
    )
    refusals = []
    for round_number in range(10):
        place = county(["Fulton", "DeKalb", "Cobb", "Gwinnett", "Clayton"][round_number % 5])
        base = datetime.datetime(2017, 11, 20, 16, 0, tzinfo=EASTERN) + datetime.timedelta(days=round_number)
        outcomes = together(
            2,
            lambda index, place=place, base=base: certification_record(
                election=election,
                jurisdiction=place,
                certified_at=base + datetime.timedelta(minutes=index),
                by=None,
            ),
        )
        unexpected = [repr(o) for o in outcomes if isinstance(o, BaseException) and not isinstance(o, ElectionsError)]
        assert unexpected == []
        refusals += [str(o) for o in outcomes if isinstance(o, ElectionsError)]
        versions = sorted(
            Certification.objects.filter(election=election, jurisdiction=place).values_list("version", flat=True)
        )
        # Earlier rounds on the same county continue its versions: always 1…n, no gap, no duplicate.
        assert versions == list(range(1, len(versions) + 1)), versions
        assert len(versions) >= 1
    # A refusal says why: the two met ("at the same moment"), or the later-dated one was recorded
    # first and the earlier-dated one now comes before it.
    for message in refusals:
        assert "at the same moment" in message or "a recertification comes after" in message, message
