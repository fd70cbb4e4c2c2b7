"""The recount's pages: the decision, the county worksheets, the progress, the discrepancy report and
the documents. Every view: the happy path, the outsider, the candidate (read-only where allowed), the
anonymous visitor, the wrong method, and the history written by each POST.

The clock is pinned the day after Atlanta's 2017 runoff was certified (see `conftest.py`); each
service a test drives by hand runs at that instant unless the test moves the clock.
"""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse

from accounts.enums import StaffRole
from elections.enums import DeclaredStatus, ElectionKind, Level, VoteType
from elections.models import Certification
from elections.services import candidate_declare, certification_record
from recounts.enums import CountyRecountStatus, DenialReason, DiscrepancyReason, NoticeKind, RequestStatus, TallyLine
from recounts.models import CountyRecount, Notice, PartyChair, RecountRequest, RecountTally, ScannerTest
from recounts.services.decisions import county_count_schedule, recount_direct, recount_order
from recounts.services.requests import Signature, request_file
from recounts.services.worksheets import (
    TallyEntry,
    scanner_test_record,
    worksheet_reopen,
    worksheet_save,
    worksheet_sign_off,
    worksheet_submit,
)
from tests.factories import (
    ATLANTA_CERTIFIED_AT,
    EASTERN,
    build_race,
    build_spread_race,
    georgia_counties,
    make_candidate_account,
    make_superintendent_staff,
    record_outcome,
)
from tests.recounts.conftest import DAY_AFTER_CERTIFICATION, DEADLINE, logged_in
from tests.recounts.test_views import anonymous_is_sent_to_login, messages_of, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned(clock):
    """Every test here runs on the pinned clock, services driven by hand included."""


UNSPEC, ED, ABS = VoteType.UNSPECIFIED, VoteType.ELECTION_DAY, VoteType.ABSENTEE_BY_MAIL


def at(*when: int) -> datetime.datetime:
    return datetime.datetime(*when, tzinfo=EASTERN)


def file(candidate) -> RecountRequest:
    return request_file(candidate=candidate, by=candidate.accounts.get(), signature=Signature(name=candidate.name))


def order(request: RecountRequest, by, county_name: str = "Fulton", **arguments) -> CountyRecount:
    (county,) = georgia_counties(county_name)
    return recount_order(
        request=request,
        county=county,
        by=by,
        count_place=f"{county_name} County Elections Hub",
        **({"count_starts_at": at(2017, 12, 12, 14, 0)} | arguments),
    )


def lines(county_recount: CountyRecount) -> dict[str, RecountTally]:
    """The worksheet's lines of the returns by candidate (one vote type in the Atlanta race)."""
    return {
        tally.candidate.name: tally
        for tally in county_recount.tallies.filter(line=TallyLine.RETURNS).select_related("candidate")
    }


def url(name: str, obj, *more) -> str:
    return reverse(f"recounts:{name}", args=[obj.pk, *more])


def not_now(response) -> list[str]:
    """The reasons the worksheet lists to a member of the county's office under "What you cannot do here now"."""
    html = response.content.decode()
    if 'id="not-now"' not in html:
        return []
    section = html.split('id="not-now"', 1)[1].split("</section>", 1)[0]
    return [unescape(reason) for reason in re.findall(r"<li>(.*?)</li>", section)]


@pytest.fixture
def filed(norwood, norwood_user) -> RecountRequest:
    return file(norwood)


@pytest.fixture
def fulton_part(filed, fulton_superintendent) -> CountyRecount:
    return order(filed, fulton_superintendent)


def counted(county_recount: CountyRecount, by, figures: dict[str, int] | None = None) -> CountyRecount:
    """The county's staff member `by` tests one passing scanner, enters every line (as certified unless
    `figures` says) and the tapes, and submits."""
    county_recount.refresh_from_db()
    scanner_test_record(
        county_recount=county_recount, by=by, version=county_recount.version, scanner="ICP-001",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    county_recount.refresh_from_db()
    figures = figures or {}
    entries, tapes = {}, {}
    for name, tally in lines(county_recount).items():
        figure = figures.get(name, tally.original)
        reason = DiscrepancyReason.SCANNER_MISREAD if figure != tally.original else ""
        entries[tally.pk] = TallyEntry(recounted=figure, reason=reason)
        tapes[tally.candidate_id] = figure
    worksheet_save(
        county_recount=county_recount, by=by, version=county_recount.version, entries=entries, tabulator_tapes=tapes
    )
    county_recount.refresh_from_db()
    return worksheet_submit(county_recount=county_recount, by=by, version=county_recount.version)


def signed_off(county_recount: CountyRecount, by) -> CountyRecount:
    """Signed off by `by` (the superintendent or a designee, who did not count), under their name on record."""
    county_recount.refresh_from_db()
    return worksheet_sign_off(county_recount=county_recount, by=by, version=county_recount.version, attested=True)


def clerk_of(county_name: str):
    """A clerk of the county's superintendent's office, who enters the figures and submits them."""
    return make_superintendent_staff(username=f"{county_name.lower()}-clerk", county_name=county_name)


# recounts:request, for the authority: decide


CONFIRMED = {"confirmed": "yes"}


def order_data(county_pk: int, **fields: str) -> dict[str, str]:
    """The order form as sent from its check page (`confirmed`)."""
    data = {
        "count_place": "Fulton County Elections Hub, 5600 Campbellton Fairburn Rd",
        "count_starts_at": "2017-12-12T14:00",
        "finish_by": "2017-12-14T17:00",
        "ruling": "",
    } | fields
    return {f"order-{county_pk}-{name}": value for name, value in data.items()} | CONFIRMED


def test_the_superintendent_is_offered_the_order_and_the_denial(filed, fulton_superintendent_client):
    response = fulton_superintendent_client.get(url("request", filed))

    assert response.status_code == 200
    ((place, _),) = response.context["order_forms"]
    assert (str(place), response.context["order_refusals"], response.context["deny_refusal"]) == (
        "Fulton County",
        [],
        "",
    )
    text = text_of(response)
    assert "Order the recount in Fulton County Place of the count" in text
    assert "DeKalb County Place" not in text
    assert "Deny the request Statutory reason" in text
    html = response.content.decode()
    assert f'action="{url("order", filed, place.pk)}"' in html
    assert 'type="datetime-local"' in html


def test_staff_who_are_not_the_superintendent_may_neither_deny_nor_order(filed, fulton_client):
    """The page offers what the rules allow (recounts.permissions): deciding is the superintendent's."""
    response = fulton_client.get(url("request", filed))

    text = text_of(response)
    assert "Only the superintendent of Fulton County can order the recount there." in text
    assert "Deny the request" not in text
    assert (
        "Only the authority the request is addressed to (its superintendent, or the Secretary of State's staff on "
        "its route) can decide it."
    ) in text


def test_the_candidate_and_the_secretary_of_state_are_not_offered_the_decision(filed, norwood_client, sos_client):
    (fulton,) = georgia_counties("Fulton")
    candidate_page, sos_page = (client.get(url("request", filed)) for client in (norwood_client, sos_client))

    for response in (candidate_page, sos_page):
        assert (
            response.context["order_forms"],
            response.context["order_refusals"],
            response.context["direct_form"],
            response.context["deny_form"],
        ) == ([], [], None, None)
        html = response.content.decode()
        for target in (url("order", filed, fulton.pk), url("direct", filed), url("deny", filed)):
            assert f'action="{target}"' not in html
    # The Secretary of State's staff follow every case, but this one is not theirs to decide: no Decide section.
    for response in (candidate_page, sos_page):
        assert response.context["deny_refusal"] == ""
        assert 'id="decide"' not in response.content.decode()


def test_ordering_through_the_page_records_the_recount_and_its_history(
    filed, fulton_superintendent, fulton_superintendent_client
):
    (fulton,) = georgia_counties("Fulton")

    response = fulton_superintendent_client.post(url("order", filed, fulton.pk), order_data(fulton.pk), follow=True)

    assert response.redirect_chain == [(url("request", filed), 302)]
    assert messages_of(response) == [
        "The recount in Fulton County is ordered; the written notice of the count went to the candidates and the "
        "party chairs."
    ]
    part = CountyRecount.objects.get()
    assert (part.county, part.count_place, part.count_starts_at, part.finish_by, part.ordered_by) == (
        fulton,
        "Fulton County Elections Hub, 5600 Campbellton Fairburn Rd",
        at(2017, 12, 12, 14, 0),
        at(2017, 12, 14, 17, 0),
        fulton_superintendent,
    )
    filed.refresh_from_db()
    assert (filed.status, filed.decided_by, filed.decided_at) == (
        RequestStatus.ORDERED,
        fulton_superintendent,
        DAY_AFTER_CERTIFICATION,
    )
    assert [(h.history_change_reason, h.history_user) for h in (filed.history.first(), part.history.first())] == [
        ("Recount ordered in Fulton County", fulton_superintendent),
        ("Recount ordered by the superintendent of Fulton County", fulton_superintendent),
    ]
    text = text_of(response)
    assert (
        "Fulton County Ordered Tuesday, December 12, 2017, 10:00 a.m. Eastern by Fay Fulton "
        "Fulton County Elections Hub, 5600 Campbellton Fairburn Rd Tuesday, December 12, 2017, 2:00 p.m. Eastern "
        "Thursday, December 14, 2017, 5:00 p.m. Eastern —"
    ) in text
    assert (
        "Tuesday, December 12, 2017, 10:00 a.m. Eastern Fay Fulton Recount ordered by the superintendent of "
        "Fulton County Recorded Fulton County"
    ) in text
    assert "Order the recount in Fulton County" not in text


def test_a_late_request_is_granted_only_with_the_ruling_the_page_asks_for(norwood, norwood_user, clock):
    clock.move_to(DEADLINE + datetime.timedelta(hours=16), tick=False)
    late = file(norwood)
    (fulton,) = georgia_counties("Fulton")
    client = logged_in(make_superintendent_staff(username="fay", county_name="Fulton", role=StaffRole.SUPERINTENDENT))

    page = client.get(url("request", late))
    refused = client.post(url("order", late, fulton.pk), order_data(fulton.pk, finish_by=""))
    granted = client.post(
        url("order", late, fulton.pk), order_data(fulton.pk, finish_by="", ruling="Received by fax at 4:55 p.m.")
    )

    assert "Required: the request is late. Write the ruling that grants it nevertheless." in text_of(page)
    assert refused.status_code == 200
    assert refused.context["order_forms"][0][1].errors == {
        "ruling": ["The request is late: write the ruling that grants it nevertheless, or deny it."]
    }
    assert refused.context["order_forms"][0][1].data[f"order-{fulton.pk}-count_place"].startswith("Fulton County")
    assert granted.status_code == 302
    late.refresh_from_db()
    assert (late.status, late.ruling) == (RequestStatus.ORDERED, "Received by fax at 4:55 p.m.")


def test_order_by_staff_who_are_not_the_superintendent_is_forbidden_and_orders_nothing(filed, fulton_client):
    """Ordering is the superintendent's: their staff are refused outright; the page tells them why."""
    (fulton,) = georgia_counties("Fulton")

    response = fulton_client.post(url("order", filed, fulton.pk), order_data(fulton.pk))
    page = fulton_client.get(url("request", filed))

    assert response.status_code == 403
    assert not CountyRecount.objects.exists()
    assert (page.context["order_forms"], page.context["order_refusals"]) == (
        [],
        [(fulton, "Only the superintendent of Fulton County can order the recount there.")],
    )


def test_order_with_bad_times_shows_the_errors_and_orders_nothing(filed, fulton_superintendent_client):
    (fulton,) = georgia_counties("Fulton")

    response = fulton_superintendent_client.post(
        url("order", filed, fulton.pk), order_data(fulton.pk, count_place="", finish_by="2017-12-12T13:00")
    )

    ((_, form),) = response.context["order_forms"]
    assert form.errors == {
        "count_place": ["This field is required."],
        "finish_by": ["The recount must finish after the count starts."],
    }
    assert not CountyRecount.objects.exists()


def test_order_in_another_superintendent_s_county_is_refused(filed, fulton_superintendent_client):
    (dekalb,) = georgia_counties("DeKalb")

    response = fulton_superintendent_client.post(url("order", filed, dekalb.pk), order_data(dekalb.pk))

    assert response.status_code == 403
    assert not CountyRecount.objects.exists()


def test_order_outsiders_anonymous_and_wrong_method(
    filed, norwood_client, sos_client, cobb_client, bottoms_client, nobody_client, fulton_superintendent_client
):
    (fulton,) = georgia_counties("Fulton")
    target = url("order", filed, fulton.pk)
    assert [c.post(target, order_data(fulton.pk)).status_code for c in (norwood_client, sos_client)] == [403, 403]
    assert [
        c.post(target, order_data(fulton.pk)).status_code for c in (cobb_client, bottoms_client, nobody_client)
    ] == [
        404,
        404,
        404,
    ]
    assert anonymous_is_sent_to_login(target, "post")
    assert fulton_superintendent_client.get(target).status_code == 405
    assert not CountyRecount.objects.exists()


# recounts:deny


def test_deny_as_late_needs_the_ruling_then_records_the_reason(
    filed, fulton_superintendent, fulton_superintendent_client
):
    target = url("deny", filed)
    fulton_user, fulton_client = fulton_superintendent, fulton_superintendent_client

    refused = fulton_client.post(target, {"reason": DenialReason.LATE, "ruling": ""} | CONFIRMED)
    denied = fulton_client.post(
        target, {"reason": DenialReason.LATE, "ruling": "Filed a day late."} | CONFIRMED, follow=True
    )

    assert refused.context["deny_form"].errors == {
        "ruling": ["Write the ruling: a request denied as late is denied by the authority's ruling."]
    }
    assert refused.context["deny_form"].data["reason"] == DenialReason.LATE
    assert denied.redirect_chain == [(url("request", filed), 302)]
    assert messages_of(denied) == ["Request 2017-ATL-MAYOR-001 is denied: Made after the deadline."]
    filed.refresh_from_db()
    assert (filed.status, filed.denial_reason, filed.ruling, filed.decided_by) == (
        RequestStatus.DENIED,
        DenialReason.LATE,
        "Filed a day late.",
        fulton_user,
    )
    record = filed.history.first()
    assert (record.history_change_reason, record.history_user) == ("Denied: Made after the deadline", fulton_user)
    assert (
        "Denied Tuesday, December 12, 2017, 10:00 a.m. Eastern by "
        f"{fulton_user.get_full_name() or fulton_user.username} Statutory reason Made after the deadline"
        in (text_of(denied))
    )


def test_deny_with_an_unknown_reason_is_a_form_error(filed, fulton_superintendent_client):
    response = fulton_superintendent_client.post(url("deny", filed), {"reason": "bored"})

    assert response.context["deny_form"].errors == {
        "reason": ["Select a valid choice. bored is not one of the available choices."]
    }
    filed.refresh_from_db()
    assert filed.status == RequestStatus.FILED


def test_deny_outsiders_anonymous_and_wrong_method(filed, norwood_client, sos_client, cobb_client, fulton_client):
    target = url("deny", filed)
    data = {"reason": DenialReason.NOT_ELIGIBLE}
    assert [c.post(target, data).status_code for c in (norwood_client, sos_client, cobb_client)] == [403, 403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert fulton_client.get(target).status_code == 405
    filed.refresh_from_db()
    assert filed.status == RequestStatus.FILED


# recounts:direct (the Secretary of State's route)


def statewide_case(
    county_names=("Fulton", "Cobb", "Gwinnett"), *, slug: str = "psc-runoff", by_type: bool = True
) -> RecountRequest:
    """A Public Service Commission runoff voted in `county_names`, certified statewide; Ben Baker, 1 % behind,
    has filed. Each county's returns by vote type, or (`by_type` false) one line per candidate."""
    counties = georgia_counties(*county_names)
    ada, ben = ({ED: 1_000, ABS: 20}, {ED: 995, ABS: 15}) if by_type else ({UNSPEC: 1_020}, {UNSPEC: 1_010})
    contest = build_race(
        slug=slug,
        name=f"Runoff {slug}",
        office="Public Service Commission",
        district="District 5",
        level=Level.STATE,
        counties=counties,
        votes={"Ada Able": [ada] * len(counties), "Ben Baker": [ben] * len(counties)},
        kind=ElectionKind.RUNOFF,
    )
    certification_record(election=contest.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)
    baker = contest.candidates.get(name="Ben Baker")
    make_candidate_account(baker, username=f"baker-{slug}")
    return file(baker)


DIRECTIVE = {"window_starts_at": "2017-12-14T09:00", "finish_by": "2017-12-18T17:00", "ruling": ""} | CONFIRMED


def test_the_secretary_of_state_directs_every_county_through_the_page(sos_user, sos_client):
    case = statewide_case()

    page = sos_client.get(url("request", case))
    response = sos_client.post(url("direct", case), DIRECTIVE, follow=True)

    assert "Direct the recount Every county where the office was voted recounts its part within the window" in (
        text_of(page)
    )
    assert response.redirect_chain == [(url("request", case), 302)]
    assert messages_of(response) == ["The recount is directed in 3 counties; each superintendent is notified."]
    case.refresh_from_db()
    assert (case.status, case.window_starts_at, case.finish_by) == (
        RequestStatus.ORDERED,
        at(2017, 12, 14, 9, 0),
        at(2017, 12, 18, 17, 0),
    )
    assert [(p.county.name, p.finish_by) for p in case.county_recounts.order_by("county__name")] == [
        ("Cobb", at(2017, 12, 18, 17, 0)),
        ("Fulton", at(2017, 12, 18, 17, 0)),
        ("Gwinnett", at(2017, 12, 18, 17, 0)),
    ]
    record = case.history.first()
    assert (record.history_change_reason, record.history_user) == (
        "Recount directed by the Secretary of State",
        sos_user,
    )
    text = text_of(response)
    assert (
        "Statewide window from Thursday, December 14, 2017, 9:00 a.m. Eastern to Monday, December 18, 2017, "
        "5:00 p.m. Eastern"
    ) in text
    assert "Directive (PDF)" in text


def test_a_directive_whose_window_ends_before_it_starts_shows_the_service_message(sos_client):
    case = statewide_case()

    response = sos_client.post(url("direct", case), DIRECTIVE | {"finish_by": "2017-12-14T09:00"})

    assert messages_of(response) == ["The recount must finish after it starts."]
    assert response.context["direct_form"].data["finish_by"] == "2017-12-14T09:00"
    assert not CountyRecount.objects.exists()


def test_direct_outsiders_anonymous_and_wrong_method(sos_client, cobb_client):
    case = statewide_case()
    baker = logged_in(case.candidate.accounts.get())
    target = url("direct", case)
    assert [baker.post(target, DIRECTIVE).status_code, cobb_client.post(target, DIRECTIVE).status_code] == [403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert sos_client.get(target).status_code == 405
    assert not CountyRecount.objects.exists()


def test_on_the_superintendent_s_route_the_secretary_of_state_cannot_direct(filed, sos_client):
    response = sos_client.post(url("direct", filed), DIRECTIVE, follow=True)

    assert response.redirect_chain == [(url("request", filed), 302)]
    assert messages_of(response) == ["On the superintendent's route each superintendent orders the recount."]
    filed.refresh_from_db()
    assert (filed.status, CountyRecount.objects.exists()) == (RequestStatus.FILED, False)


# recounts:recertify (each county's outcome, once the case is counted) and recounts:finish (the Secretary of State's
# route)


@pytest.fixture
def both_counted(filed, fulton_part, fulton_user, fulton_superintendent, dekalb_superintendent):
    """Atlanta's case with both counties counted by a clerk and signed off by their superintendent: Fulton finds
    Bottoms −6 and Norwood +5."""
    counted(fulton_part, fulton_user, {"Keisha Lance Bottoms": 42_881, "Mary Norwood": 40_673})
    signed_off(fulton_part, fulton_superintendent)
    dekalb_part = order(filed, dekalb_superintendent, "DeKalb")
    counted(dekalb_part, clerk_of("DeKalb"))
    signed_off(dekalb_part, dekalb_superintendent)
    filed.refresh_from_db()
    assert filed.status == RequestStatus.COUNTED
    return filed


def attested(county_recount: CountyRecount) -> dict[str, object]:
    """The outcome form as its check page sends it back: the version read, the box ticked, confirmed."""
    county_recount.refresh_from_db()
    return {"version": county_recount.version, "attestation": "on", "confirmed": "yes"}


@pytest.mark.parametrize(
    ("figures", "heading", "button"),
    [
        (
            {"Mary Norwood": 40_673},
            "Check before you correct and recertify Fulton County's returns",
            "Confirm and recertify the returns",
        ),
        ({}, "Check before you confirm Fulton County's returns", "Confirm and keep the returns as certified"),
    ],
)
def test_the_outcome_is_checked_before_it_is_recorded(
    filed, fulton_user, fulton_superintendent, fulton_superintendent_client, dekalb_superintendent, figures, heading,
    button,
):  # fmt: skip
    fulton_part = signed_off(counted(order(filed, fulton_superintendent), fulton_user, figures), clerk_designee())
    signed_off(counted(order(filed, dekalb_superintendent, "DeKalb"), clerk_of("DeKalb")), dekalb_superintendent)
    fulton_part.refresh_from_db()

    check = fulton_superintendent_client.post(
        url("recertify", fulton_part), {"version": fulton_part.version, "attestation": "on"}
    )
    unticked = fulton_superintendent_client.post(url("recertify", fulton_part), {"version": fulton_part.version})

    text = text_of(check)
    assert f"{heading} " in text
    assert f"This cannot be undone. {button} Change your answers" in text
    assert summary_links(unticked) == [
        ("#id_attestation", "Certify the county's returns as the recount leaves them: tick the box.")
    ]
    fulton_part.refresh_from_db()
    assert fulton_part.status == CountyRecountStatus.APPROVED


def clerk_designee():
    return make_superintendent_staff(
        username="fulton-designee", county_name="Fulton", role=StaffRole.DESIGNEE, first_name="Dee", last_name="Signer"
    )


def test_each_superintendent_records_the_county_s_outcome_and_the_last_closes_the_case(
    both_counted,
    fulton_part,
    fulton_superintendent,
    fulton_superintendent_client,
    dekalb_superintendent,
    dekalb_superintendent_client,
):
    dekalb_part = both_counted.county_recounts.get(county__name="DeKalb")

    page = fulton_superintendent_client.get(url("worksheet", fulton_part))
    fulton_recorded = fulton_superintendent_client.post(
        url("recertify", fulton_part), attested(fulton_part), follow=True
    )
    both_counted.refresh_from_db()
    status_between = both_counted.status
    dekalb_recorded = dekalb_superintendent_client.post(
        url("recertify", dekalb_part), attested(dekalb_part), follow=True
    )

    assert (
        "Record Fulton County's outcome The recount differs from the certified returns in Fulton County: its "
        "returns are corrected to the recounted figures and recertified (the next certification version, in your "
        "name)."
    ) in text_of(page)
    assert f'action="{url("recertify", fulton_part)}"' in page.content.decode()
    assert fulton_recorded.redirect_chain == [(url("worksheet", fulton_part), 302)]
    assert messages_of(fulton_recorded) == ["Fulton County's returns are corrected and recertified."]
    assert status_between == RequestStatus.COUNTED  # DeKalb has not recorded its outcome
    assert dekalb_recorded.redirect_chain == [(url("worksheet", dekalb_part), 302)]
    assert messages_of(dekalb_recorded) == [
        "The recount confirmed DeKalb County's returns.",
        "The returns are corrected and recertified; the outcome is unchanged.",
    ]
    fulton_part.refresh_from_db()
    dekalb_part.refresh_from_db()
    assert [
        (part.status, part.history.first().history_change_reason, part.history.first().history_user)
        for part in (fulton_part, dekalb_part)
    ] == [
        (CountyRecountStatus.RECERTIFIED, "Returns corrected and recertified (version 2)", fulton_superintendent),
        (CountyRecountStatus.CONFIRMED, "The recount confirmed the returns", dekalb_superintendent),
    ]
    recertification = Certification.objects.get(jurisdiction=fulton_part.county, version=2)
    assert (recertification.certified_by, recertification.note) == (
        fulton_superintendent,
        "Recertified after recount 2017-ATL-MAYOR-001",
    )
    assert not Certification.objects.filter(jurisdiction=dekalb_part.county, version=2).exists()
    both_counted.refresh_from_db()
    record = both_counted.history.first()
    assert (both_counted.status, record.history_change_reason, record.history_user) == (
        RequestStatus.RECERTIFIED,
        "Returns corrected and recertified",
        dekalb_superintendent,
    )
    case_page = fulton_superintendent_client.get(url("request", both_counted))
    assert "Recertification (PDF)" in text_of(case_page)
    assert 'id="finish"' not in case_page.content.decode()


def test_closing_with_declarations_not_from_the_returns_asks_an_official(
    both_counted, fulton_part, fulton_superintendent, fulton_superintendent_client, dekalb_superintendent_client
):
    contest = both_counted.contest
    for name, status in [("Keisha Lance Bottoms", DeclaredStatus.NONE), ("Mary Norwood", DeclaredStatus.ELECTED)]:
        candidate_declare(
            candidate=contest.candidates.get(name=name), status=status, by=fulton_superintendent, reason="By hand"
        )
    dekalb_part = both_counted.county_recounts.get(county__name="DeKalb")
    fulton_superintendent_client.post(url("recertify", fulton_part), attested(fulton_part))

    response = dekalb_superintendent_client.post(url("recertify", dekalb_part), attested(dekalb_part), follow=True)

    assert messages_of(response) == [
        "The recount confirmed DeKalb County's returns.",
        "The returns are corrected and recertified. THE DECLARATIONS NEED AN OFFICIAL: they are not what the "
        "returns declare by Georgia's rule, and were left as they were; confirm them or declare again.",
    ]
    assert "recertified the declarations need an official" in text_of(
        dekalb_superintendent_client.get(url("request", both_counted))
    )
    assert contest.candidates.get(name="Mary Norwood").declared_status == DeclaredStatus.ELECTED


def test_recording_an_outcome_before_every_county_is_signed_off_says_so(fulton_part, fulton_superintendent_client):
    page = fulton_superintendent_client.get(url("worksheet", fulton_part))
    response = fulton_superintendent_client.post(url("recertify", fulton_part), attested(fulton_part), follow=True)

    assert "recertify" not in page.context["forms"]
    assert "The case is recount ordered; every county signs off first." in not_now(page)
    assert response.redirect_chain == [(url("worksheet", fulton_part), 302)]
    assert messages_of(response) == ["The case is recount ordered; every county signs off first."]
    fulton_part.refresh_from_db()
    assert fulton_part.status == CountyRecountStatus.ORDERED


def test_recertify_outsiders_anonymous_and_wrong_method(
    both_counted,
    fulton_part,
    norwood_client,
    bottoms_client,
    sos_client,
    fulton_client,
    dekalb_superintendent_client,
    fulton_superintendent_client,
):
    """Only the county's own superintendent records its outcome: not its clerk, not another county's
    superintendent, not the candidates nor the Secretary of State."""
    target = url("recertify", fulton_part)
    data = attested(fulton_part)
    assert [c.post(target, data).status_code for c in (norwood_client, bottoms_client, sos_client, fulton_client)] == [
        403,
        403,
        403,
        403,
    ]
    assert dekalb_superintendent_client.post(target, data).status_code == 404
    assert anonymous_is_sent_to_login(target, "post")
    assert fulton_superintendent_client.get(target).status_code == 405
    fulton_part.refresh_from_db()
    both_counted.refresh_from_db()
    assert (fulton_part.status, both_counted.status) == (CountyRecountStatus.APPROVED, RequestStatus.COUNTED)


def test_on_the_superintendent_s_route_the_case_is_not_finished_by_hand(both_counted, sos_client):
    """Finishing is the Secretary of State's step on its own route; here the counties' outcomes close the case."""
    response = sos_client.post(url("finish", both_counted), CONFIRMED, follow=True)

    assert response.redirect_chain == [(url("request", both_counted), 302)]
    assert messages_of(response) == [
        "On the superintendent's route the case closes when each county has recorded its own outcome."
    ]
    both_counted.refresh_from_db()
    assert both_counted.status == RequestStatus.COUNTED


@pytest.fixture
def statewide_recorded(sos_user) -> RecountRequest:
    """A case the Secretary of State directed in Cobb and Gwinnett: in each county the superintendent set the
    place and time of the count, a clerk counted (Cobb finds Ben Baker +3), the superintendent signed off and
    recorded the county's outcome. Closing the case is left to the Secretary of State."""
    case = statewide_case(("Cobb", "Gwinnett"), by_type=False)
    parts = recount_direct(
        request=case, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17)
    )
    superintendents = {}
    for part in parts:
        name = part.county.name
        superintendent = superintendents[name] = make_superintendent_staff(
            username=f"{name.lower()}-superintendent", county_name=name, superintendent=True
        )
        county_count_schedule(
            county_recount=part, by=superintendent, count_place="Civic Center", count_starts_at=at(2017, 12, 14, 9, 30)
        )
        counted(part, clerk_of(name), {"Ben Baker": 1_013} if name == "Cobb" else None)
        signed_off(part, superintendent)
    for part in parts:
        part.refresh_from_db()
        record_outcome(part, by=superintendents[part.county.name])
    case.refresh_from_db()
    assert [(part.county.name, part.status) for part in case.county_recounts.order_by("county__name")] == [
        ("Cobb", CountyRecountStatus.RECERTIFIED),
        ("Gwinnett", CountyRecountStatus.CONFIRMED),
    ]
    assert case.status == RequestStatus.COUNTED
    return case


def test_the_secretary_of_state_closes_a_directed_case_and_recertifies_statewide(
    statewide_recorded, sos_user, sos_client
):
    page = sos_client.get(url("request", statewide_recorded))
    response = sos_client.post(url("finish", statewide_recorded), CONFIRMED, follow=True)

    assert "Close the case Every county has recorded its outcome." in text_of(page)
    assert response.redirect_chain == [(url("request", statewide_recorded), 302)]
    assert messages_of(response) == ["The returns are corrected and recertified; the outcome is unchanged."]
    statewide_recorded.refresh_from_db()
    record = statewide_recorded.history.first()
    assert (statewide_recorded.status, record.history_change_reason, record.history_user) == (
        RequestStatus.RECERTIFIED,
        "Returns corrected and recertified",
        sos_user,
    )
    statewide = Certification.objects.get(election=statewide_recorded.contest.election, jurisdiction=None, version=2)
    assert (statewide.certified_by, statewide.note) == (sos_user, "Recertified after recount 2017-D5-PSC-001")
    assert "Recertification (PDF)" in text_of(response)
    assert 'id="finish"' not in response.content.decode()


def test_finishing_before_every_county_is_signed_off_says_so(sos_user, sos_client):
    case = statewide_case(("Cobb", "Gwinnett"))
    recount_direct(request=case, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))

    page = sos_client.get(url("request", case))
    response = sos_client.post(url("finish", case), CONFIRMED, follow=True)

    assert 'id="finish"' not in page.content.decode()
    assert response.redirect_chain == [(url("request", case), 302)]
    assert messages_of(response) == ["The case is recount ordered; it is finished once every county is signed off."]
    case.refresh_from_db()
    assert case.status == RequestStatus.ORDERED


def test_finish_outsiders_anonymous_and_wrong_method(statewide_recorded, cobb_client, fulton_client, sos_client):
    baker = logged_in(statewide_recorded.candidate.accounts.get())
    target = url("finish", statewide_recorded)
    assert [c.post(target).status_code for c in (baker, cobb_client, fulton_client)] == [403, 403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert sos_client.get(target).status_code == 405
    statewide_recorded.refresh_from_db()
    assert statewide_recorded.status == RequestStatus.COUNTED


# recounts:worksheet (the overview) and its steps: recounts:scanner_test, recounts:scanner_test_change,
# recounts:tallies, recounts:late_ballots, recounts:tapes, recounts:submit


def steps_of(response) -> list[tuple[str, str, str]]:
    return [(step.title, step.status.label, step.hint) for step in response.context["steps"]]


def test_the_overview_lists_the_steps_and_where_each_stands(fulton_part, fulton_user, fulton_client):
    fresh = fulton_client.get(url("worksheet", fulton_part))
    fulton_part.refresh_from_db()
    scanner_test_record(
        county_recount=fulton_part, by=fulton_user, version=fulton_part.version, scanner="ICP-001",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    fulton_part.refresh_from_db()
    bottoms_line = lines(fulton_part)["Keisha Lance Bottoms"]
    worksheet_save(
        county_recount=fulton_part,
        by=fulton_user,
        version=fulton_part.version,
        entries={bottoms_line.pk: TallyEntry(recounted=42_887)},
        tabulator_tapes={bottoms_line.candidate_id: 42_887},
    )
    under_way = fulton_client.get(url("worksheet", fulton_part))

    assert fresh.status_code == 200
    assert steps_of(fresh) == [
        ("Test the scanners", "Not started", "At least one scanner, before the ballots are counted."),
        ("Enter the tallies", "Not started", ""),
        ("Enter late ballots", "Not started", "Only if there are any."),
        ("Enter the tabulator tapes", "Not started", ""),
        ("Check and submit for sign-off", "Cannot start yet", "Once every step above is done and the figures add up."),
    ]
    assert steps_of(under_way) == [
        ("Test the scanners", "Done", "1 tested, 1 passed."),
        ("Enter the tallies", "In progress", "1 of 2 lines counted."),
        ("Enter late ballots", "Not started", "Only if there are any."),
        ("Enter the tabulator tapes", "In progress", "1 of 2 candidates entered."),
        ("Check and submit for sign-off", "Cannot start yet", "Once every step above is done and the figures add up."),
    ]
    html = fresh.content.decode()
    for name in ("scanner_test", "tallies", "late_ballots", "tapes", "submit"):
        assert f'href="{url(name, fulton_part)}"' in html
    assert set(fresh.context["forms"]) == set()  # the clerk neither schedules, signs off nor reopens
    assert "Recount worksheet: Fulton County Ordered" in text_of(fresh)
    assert "The count Fulton County Elections Hub, Tuesday, December 12, 2017, 2:00 p.m. Eastern" in text_of(fresh)
    assert "<form" not in html.split("</nav>", 1)[1]


def test_a_county_whose_count_is_not_noticed_cannot_start_its_steps(sos_user, cobb_client):
    case = statewide_case()
    recount_direct(request=case, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))
    cobb_part = case.county_recounts.get(county__name="Cobb")

    response = cobb_client.get(url("worksheet", cobb_part))

    waiting = "The place and time of the count are set first."
    assert steps_of(response) == [
        ("Test the scanners", "Cannot start yet", waiting),
        ("Enter the tallies", "Cannot start yet", waiting),
        ("Enter late ballots", "Cannot start yet", waiting),
        ("Enter the tabulator tapes", "Cannot start yet", waiting),
        ("Check and submit for sign-off", "Cannot start yet", "Once every step above is done and the figures add up."),
    ]


@pytest.mark.parametrize("who", ["norwood", "bottoms", "sos"])
def test_the_candidates_and_the_secretary_of_state_read_the_worksheet_only(
    fulton_part, norwood_client, bottoms_client, sos_client, who
):
    client = {"norwood": norwood_client, "bottoms": bottoms_client, "sos": sos_client}[who]
    counted(fulton_part, make_superintendent_staff(username="clerk", county_name="Fulton"), {"Mary Norwood": 40_673})

    response = client.get(url("worksheet", fulton_part))
    step_pages = [client.get(url(name, fulton_part)) for name in ("scanner_test", "tallies", "late_ballots", "tapes")]

    assert response.status_code == 200
    assert (response.context["forms"], not_now(response)) == ({}, [])
    html = response.content.decode().split("</nav>", 1)[1]
    assert "<form" not in html
    assert 'id="steps-heading"' not in html
    text = text_of(response)
    assert "Submitted read only" in text
    assert "Mary Norwood Not broken down by type 40,668 40,673 +5 Ballot misread by the scanner —" in text
    assert "Tabulator tapes Candidate On the tapes The lines add up to Keisha Lance Bottoms 42,887 42,887" in text
    assert [(page.status_code, page.context["form"], page.context["not_now"]) for page in step_pages] == [
        (200, None, "")
    ] * 4


def test_worksheet_outsiders_anonymous_and_wrong_method(
    fulton_part, dekalb_client, cobb_client, nobody_client, fulton_client
):
    for name in ("worksheet", "scanner_test", "tallies", "late_ballots", "tapes", "submit"):
        target = url(name, fulton_part)
        for client in (dekalb_client, cobb_client, nobody_client):
            assert client.get(target).status_code == 404
        assert anonymous_is_sent_to_login(target)
        assert fulton_client.put(target).status_code == 405
    assert fulton_client.post(url("worksheet", fulton_part)).status_code == 405


# recounts:scanner_test


DECK = {"scanner": "ICP-001", "machine_marked": 75, "hand_marked": 25, "precincts": 3, "hand_count": 100}


def test_the_scanner_step_offers_its_form_to_the_county_s_staff(fulton_part, fulton_client):
    response = fulton_client.get(url("scanner_test", fulton_part))

    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{url("scanner_test", fulton_part)}"' in html
    assert '<input type="hidden" name="version" value="1"' in html
    assert "Fulton County’s recount worksheet · step 1 of 5 Test the scanners" in text_of(response)
    assert "No scanner tested yet." in text_of(response)


def test_a_scanner_test_is_recorded_with_its_result_and_history(fulton_part, fulton_user, fulton_client):
    response = fulton_client.post(
        url("scanner_test", fulton_part), DECK | {"machine_count": 100, "version": 1}, follow=True
    )

    assert response.redirect_chain == [(url("scanner_test", fulton_part), 302)]
    assert messages_of(response) == ["Scanner ICP-001 passed its test deck."]
    test = ScannerTest.objects.get()
    assert (test.scanner, test.passed, test.tested_at) == ("ICP-001", True, DAY_AFTER_CERTIFICATION)
    assert (test.history.first().history_change_reason, test.history.first().history_user) == ("Passed", fulton_user)
    fulton_part.refresh_from_db()
    assert (fulton_part.status, fulton_part.hand_count) == (CountyRecountStatus.SCANNER_TESTING, False)
    assert fulton_part.history.first().history_change_reason == "Scanner ICP-001 tested: passed"
    assert (
        "ICP-001 75 25 3 100 100 passed Tuesday, December 12, 2017, 10:00 a.m. Eastern Change scanner ICP-001’s test"
        in (text_of(response))
    )
    assert f'href="{url("scanner_test_change", fulton_part, test.pk)}"' in response.content.decode()


def test_when_every_scanner_fails_the_worksheet_says_hand_count(fulton_part, fulton_client):
    fulton_client.post(url("scanner_test", fulton_part), DECK | {"machine_count": 99, "version": 1}, follow=True)
    response = fulton_client.post(
        url("scanner_test", fulton_part), DECK | {"scanner": "ICP-002", "machine_count": 98, "version": 2}, follow=True
    )
    overview = fulton_client.get(url("worksheet", fulton_part))
    tapes_page = fulton_client.get(url("tapes", fulton_part))

    assert messages_of(response) == ["Scanner ICP-002 failed its test deck."]
    assert (
        "Hand count. No scanner passed its test deck: the ballots are counted by hand, and no tabulator tapes are "
        "needed."
    ) in text_of(overview)
    assert ("Enter the tabulator tapes", "Not needed", "The ballots are counted by hand.") in steps_of(overview)
    assert tapes_page.context["form"] is None
    assert "Not needed: no scanner passed its test deck, and the ballots are counted by hand." in text_of(tapes_page)
    fulton_part.refresh_from_db()
    assert fulton_part.history.first().history_change_reason == (
        "Scanner ICP-002 tested: failed; no scanner passed: the ballots are counted by hand"
    )


def test_a_scanner_tested_twice_is_refused_with_the_form_kept(fulton_part, fulton_client):
    fulton_client.post(url("scanner_test", fulton_part), DECK | {"machine_count": 100, "version": 1}, follow=True)

    response = fulton_client.post(url("scanner_test", fulton_part), DECK | {"machine_count": 100, "version": 2})

    assert messages_of(response) == ["Scanner ICP-001 is already tested on this worksheet."]
    assert response.context["form"].data["scanner"] == "ICP-001"
    assert ScannerTest.objects.count() == 1


def test_a_scanner_test_on_an_older_version_shows_the_stored_worksheet(fulton_part, fulton_client):
    fulton_client.post(url("scanner_test", fulton_part), DECK | {"machine_count": 100, "version": 1}, follow=True)

    response = fulton_client.post(
        url("scanner_test", fulton_part), DECK | {"scanner": "ICP-002", "machine_count": 100, "version": 1}
    )

    assert messages_of(response)[0].startswith("Fulton County's worksheet was saved by fulton on ")
    assert not response.context["form"].is_bound
    assert list(ScannerTest.objects.values_list("scanner", flat=True)) == ["ICP-001"]


def test_a_deck_with_missing_counts_is_listed_in_the_error_summary(fulton_part, fulton_client):
    response = fulton_client.post(url("scanner_test", fulton_part), {"scanner": "ICP-001", "version": 1})

    assert response.context["form"].errors == {
        "machine_marked": ["Enter the number of machine-marked ballots in the deck."],
        "hand_marked": ["Enter the number of hand-marked ballots in the deck."],
        "precincts": ["Enter the number of precincts the deck comes from."],
        "hand_count": ["Enter the deck's hand count."],
        "machine_count": ["Enter the deck's machine count."],
    }
    summary = summary_links(response)
    assert summary == [
        ("#id_machine_marked", "Enter the number of machine-marked ballots in the deck."),
        ("#id_hand_marked", "Enter the number of hand-marked ballots in the deck."),
        ("#id_precincts", "Enter the number of precincts the deck comes from."),
        ("#id_hand_count", "Enter the deck's hand count."),
        ("#id_machine_count", "Enter the deck's machine count."),
    ]
    assert not ScannerTest.objects.exists()


def summary_links(response) -> list[tuple[str, str]]:
    """The error summary's links: (the input it leads to, the message)."""
    html = response.content.decode()
    assert 'class="alert alert-danger error-summary" role="alert"' in html
    summary = html.split('class="alert alert-danger error-summary"', 1)[1].split("</div>", 1)[0]
    return [(anchor, unescape(message)) for anchor, message in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', summary)]


def test_scanner_test_outsiders_anonymous_and_wrong_method(
    fulton_part, norwood_client, sos_client, dekalb_client, fulton_client
):
    target = url("scanner_test", fulton_part)
    data = DECK | {"machine_count": 100, "version": 1}
    assert [c.post(target, data).status_code for c in (norwood_client, sos_client, dekalb_client)] == [403, 403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert fulton_client.delete(target).status_code == 405
    assert not ScannerTest.objects.exists()


# recounts:scanner_test_change


def mistyped(fulton_part, fulton_client) -> ScannerTest:
    """The clerk types the machine count 10 for 100: the test fails."""
    fulton_client.post(url("scanner_test", fulton_part), DECK | {"machine_count": 10, "version": 1})
    return ScannerTest.objects.get()


def test_a_mistyped_scanner_test_is_corrected_with_the_reason_in_its_history(fulton_part, fulton_user, fulton_client):
    test = mistyped(fulton_part, fulton_client)
    fulton_part.refresh_from_db()
    assert (test.passed, fulton_part.hand_count) == (False, True)

    page = fulton_client.get(url("scanner_test_change", fulton_part, test.pk))
    response = fulton_client.post(
        url("scanner_test_change", fulton_part, test.pk),
        DECK | {"machine_count": 100, "version": 2, "reason": "The machine count was mistyped"},
        follow=True,
    )

    assert page.status_code == 200
    assert page.context["form"]["machine_count"].value() == 10
    assert "Correct scanner ICP-001’s test" in text_of(page)
    assert response.redirect_chain == [(url("scanner_test", fulton_part), 302)]
    assert messages_of(response) == ["Scanner ICP-001's test is corrected: it passes its test deck."]
    test.refresh_from_db()
    assert (test.machine_count, test.passed) == (100, True)
    assert [(h.machine_count, h.history_change_reason, h.history_user) for h in test.history.all()] == [
        (100, "Corrected (The machine count was mistyped): Passed", fulton_user),
        (10, "Failed: the machine counted 10, the hand count is 100", fulton_user),
    ]
    fulton_part.refresh_from_db()
    record = fulton_part.history.first()
    assert (fulton_part.hand_count, fulton_part.version, record.history_change_reason, record.history_user) == (
        False,
        3,
        "Scanner ICP-001 test corrected: The machine count was mistyped; passed",
        fulton_user,
    )


def test_a_correction_without_a_reason_is_a_form_error(fulton_part, fulton_client):
    test = mistyped(fulton_part, fulton_client)

    response = fulton_client.post(
        url("scanner_test_change", fulton_part, test.pk), DECK | {"machine_count": 100, "version": 2, "reason": ""}
    )

    assert summary_links(response) == [("#id_reason", "Say why the scanner test is corrected.")]
    test.refresh_from_db()
    assert test.machine_count == 10


def test_once_the_tallies_are_saved_a_scanner_test_is_no_longer_corrected(fulton_part, fulton_user, fulton_client):
    test = mistyped(fulton_part, fulton_client)
    fulton_part.refresh_from_db()
    worksheet_save(county_recount=fulton_part, by=fulton_user, version=fulton_part.version, entries={})

    page = fulton_client.get(url("scanner_test", fulton_part))
    opened = fulton_client.get(url("scanner_test_change", fulton_part, test.pk), follow=True)
    posted = fulton_client.post(
        url("scanner_test_change", fulton_part, test.pk),
        DECK | {"machine_count": 100, "version": 3, "reason": "Mistyped"},
        follow=True,
    )

    refusal = (
        "Fulton County's tallies are saved: its scanner tests can no longer be corrected, as the figures were counted "
        "after them."
    )
    assert url("scanner_test_change", fulton_part, test.pk) not in page.content.decode()
    assert opened.redirect_chain == posted.redirect_chain == [(url("scanner_test", fulton_part), 302)]
    assert messages_of(opened) == messages_of(posted) == [refusal]
    test.refresh_from_db()
    assert test.machine_count == 10


def test_scanner_test_change_outsiders_anonymous_and_wrong_method(
    filed, fulton_part, norwood_client, sos_client, dekalb_client, fulton_client, dekalb_superintendent
):
    test = mistyped(fulton_part, fulton_client)
    target = url("scanner_test_change", fulton_part, test.pk)
    data = DECK | {"machine_count": 100, "version": 2, "reason": "Mistyped"}
    dekalb_part = order(filed, dekalb_superintendent, "DeKalb")

    assert [c.post(target, data).status_code for c in (norwood_client, sos_client, dekalb_client)] == [403, 403, 404]
    assert [c.get(target).status_code for c in (norwood_client, sos_client, dekalb_client)] == [403, 403, 404]
    assert fulton_client.get(url("scanner_test_change", dekalb_part, test.pk)).status_code == 404
    assert anonymous_is_sent_to_login(target)
    assert fulton_client.delete(target).status_code == 405
    test.refresh_from_db()
    assert test.machine_count == 10


# recounts:tallies


def tallies_data(
    county_recount: CountyRecount,
    figures: dict[str, int | str],
    *,
    reasons: dict[str, str] | None = None,
    version: int | None = None,
) -> dict[str, object]:
    """The tallies' form as the page posts it: every line, the version read."""
    county_recount.refresh_from_db()
    data: dict[str, object] = {"version": county_recount.version if version is None else version}
    for name, tally in lines(county_recount).items():
        data[f"recounted_{tally.pk}"] = figures.get(name, "")
        data[f"reason_{tally.pk}"] = (reasons or {}).get(name, "")
        data[f"note_{tally.pk}"] = ""
    return data


def test_the_county_s_staff_get_the_tallies_to_fill(fulton_part, fulton_client):
    response = fulton_client.get(url("tallies", fulton_part))

    assert response.status_code == 200
    form = response.context["form"]
    assert [(line.tally.candidate.name, line.tally.original, line.difference) for line in form.lines] == [
        ("Keisha Lance Bottoms", 42_887, None),
        ("Mary Norwood", 40_668, None),
    ]
    html = response.content.decode()
    assert f'action="{url("tallies", fulton_part)}"' in html
    assert '<script src="/static/js/worksheet.js" defer></script>' in html
    assert 'class="alert alert-danger error-summary"' not in html


def test_saving_the_tallies_stores_every_figure_with_history(filed, fulton_part, fulton_user, fulton_client):
    data = tallies_data(
        fulton_part,
        {"Keisha Lance Bottoms": 42_881, "Mary Norwood": 40_668},
        reasons={"Keisha Lance Bottoms": DiscrepancyReason.HAND_MARKED},
    )

    response = fulton_client.post(url("tallies", fulton_part), data, follow=True)

    assert response.redirect_chain == [(url("worksheet", fulton_part), 302)]
    assert messages_of(response) == ["Fulton County's tallies are saved."]
    stored = lines(fulton_part)
    assert [(t.recounted, t.reason) for t in stored.values()] == [(42_881, DiscrepancyReason.HAND_MARKED), (40_668, "")]
    fulton_part.refresh_from_db()
    assert (fulton_part.status, fulton_part.version, fulton_part.tally_draft) == (CountyRecountStatus.COUNTING, 2, {})
    assert [
        (h.history_change_reason, h.history_user)
        for h in (stored["Mary Norwood"].history.first(), fulton_part.history.first())
    ] == [("Recounted figure entered", fulton_user), ("Worksheet saved", fulton_user)]
    filed.refresh_from_db()
    assert filed.status == RequestStatus.COUNTING
    assert ("Enter the tallies", "Done", "Every line counted (2).") in steps_of(response)
    assert "Keisha Lance Bottoms Not broken down by type 42,887 42,881 -6 Hand-marked ballot read differently" in (
        text_of(response)
    )


def test_a_difference_without_a_reason_is_kept_as_typed_marked_and_listed(fulton_part, fulton_user, fulton_client):
    data = tallies_data(fulton_part, {"Keisha Lance Bottoms": 42_881, "Mary Norwood": 40_668})
    bottoms_line = lines(fulton_part)["Keisha Lance Bottoms"]

    response = fulton_client.post(url("tallies", fulton_part), data, follow=True)

    assert response.redirect_chain == [(url("tallies", fulton_part), 302)]
    assert messages_of(response) == [
        "Your tallies are kept as you typed them, but not counted yet: 1 problem needs correcting first."
    ]
    message = (
        "Keisha Lance Bottoms — Not broken down by type (Recount of the returns): 42,881 differs from the certified "
        "42,887; choose the reason."
    )
    assert summary_links(response) == [(f"#id_reason_{bottoms_line.pk}", message)]
    form = response.context["form"]
    assert [(line.recounted.value(), line.difference, [e for _, e in line.errors]) for line in form.lines] == [
        ("42881", -6, [message]),
        ("40668", 0, []),
    ]
    html = response.content.decode()
    assert html.count("worksheet-line-invalid") == 1
    assert f'class="form-select form-select-sm is-invalid" aria-label="{bottoms_line}: reason" aria-invalid="true"' in (
        unescape(html)
    )
    assert f'aria-describedby="id_reason_{bottoms_line.pk}-error"' in html
    assert [t.recounted for t in lines(fulton_part).values()] == [None, None]
    fulton_part.refresh_from_db()
    record = fulton_part.history.first()
    assert (fulton_part.version, record.history_change_reason, record.history_user) == (
        2,
        "Tallies kept as typed: some lines need correcting",
        fulton_user,
    )
    assert ("Enter the tallies", "In progress", "Some lines need correcting; what was typed is kept.") in steps_of(
        response
    )

    corrected = fulton_client.post(
        url("tallies", fulton_part),
        tallies_data(
            fulton_part,
            {"Keisha Lance Bottoms": 42_881, "Mary Norwood": 40_668},
            reasons={"Keisha Lance Bottoms": DiscrepancyReason.SCANNER_MISREAD},
        ),
    )

    assert corrected.status_code == 302
    fulton_part.refresh_from_db()
    assert (fulton_part.tally_draft, [t.recounted for t in lines(fulton_part).values()]) == ({}, [42_881, 40_668])


def test_figures_that_cannot_be_read_are_kept_as_typed_and_marked(fulton_part, fulton_client):
    data = tallies_data(fulton_part, {"Keisha Lance Bottoms": "-3", "Mary Norwood": "many"})
    norwood_line, bottoms_line = lines(fulton_part)["Mary Norwood"], lines(fulton_part)["Keisha Lance Bottoms"]

    response = fulton_client.post(url("tallies", fulton_part), data, follow=True)

    assert response.context["form"].errors == {
        f"recounted_{bottoms_line.pk}": [f"{bottoms_line}: a count cannot be negative."],
        f"recounted_{norwood_line.pk}": [f"{norwood_line}: enter the recounted figure as a whole number, like 40668."],
    }
    assert [line.recounted.value() for line in response.context["form"].lines] == ["-3", "many"]
    fulton_part.refresh_from_db()
    assert fulton_part.tally_draft == {
        str(bottoms_line.pk): {"recounted": "-3", "reason": "", "note": ""},
        str(norwood_line.pk): {"recounted": "many", "reason": "", "note": ""},
    }
    assert [t.recounted for t in lines(fulton_part).values()] == [None, None]


def test_the_worksheet_is_not_submitted_while_tallies_wait_as_typed(
    fulton_part, fulton_user, fulton_superintendent, fulton_client
):
    counted(fulton_part, fulton_user)
    fulton_part.refresh_from_db()
    worksheet_reopen(county_recount=fulton_part, by=fulton_superintendent, reason="Recheck")
    fulton_client.post(url("tallies", fulton_part), tallies_data(fulton_part, {"Mary Norwood": "many"}), follow=True)
    fulton_part.refresh_from_db()

    response = fulton_client.post(url("submit", fulton_part), {"version": fulton_part.version})

    assert messages_of(response) == [
        "The worksheet cannot be submitted yet: Some tallies were typed but not saved: correct the lines marked on the "
        "tallies and save them."
    ]
    fulton_part.refresh_from_db()
    assert fulton_part.status == CountyRecountStatus.COUNTING


def test_two_people_saving_the_same_version_the_second_is_refused_and_the_first_s_figures_stay(
    fulton_part, fulton_user, fulton_client, fulton_superintendent_client
):
    opened_by_clerk = tallies_data(fulton_part, {"Keisha Lance Bottoms": 42_887, "Mary Norwood": 40_668})
    opened_by_superintendent = tallies_data(
        fulton_part,
        {"Keisha Lance Bottoms": 42_000, "Mary Norwood": 40_000},
        reasons={"Keisha Lance Bottoms": DiscrepancyReason.TABULATION, "Mary Norwood": DiscrepancyReason.TABULATION},
    )
    assert opened_by_clerk["version"] == opened_by_superintendent["version"] == 1

    first = fulton_client.post(url("tallies", fulton_part), opened_by_clerk)
    second = fulton_superintendent_client.post(url("tallies", fulton_part), opened_by_superintendent)

    assert first.status_code == 302
    assert second.status_code == 200
    assert messages_of(second) == [
        "Fulton County's worksheet was saved by fulton on Tuesday, December 12, 2017, 10:00 a.m. Eastern, after you "
        "opened it (version 2, yours 1); nothing of yours was saved. Reload it, check their figures and enter yours "
        "again."
    ]
    assert [t.recounted for t in lines(fulton_part).values()] == [42_887, 40_668]
    form = second.context["form"]
    assert not form.is_bound
    assert [line.recounted.value() for line in form.lines] == [42_887, 40_668]
    assert 'name="version" value="2"' in second.content.decode()
    fulton_part.refresh_from_db()
    assert (fulton_part.version, fulton_part.history.first().history_user) == (2, fulton_user)


def test_tallies_outsiders_anonymous_and_wrong_method(fulton_part, norwood_client, sos_client, dekalb_client):
    target = url("tallies", fulton_part)
    data = tallies_data(fulton_part, {"Mary Norwood": 1})
    assert [c.post(target, data).status_code for c in (norwood_client, sos_client, dekalb_client)] == [403, 403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert lines(fulton_part)["Mary Norwood"].recounted is None
    fulton_part.refresh_from_db()
    assert (fulton_part.version, fulton_part.tally_draft) == (1, {})


# recounts:late_ballots


def test_late_ballots_are_entered_on_their_own_line(fulton_part, norwood, fulton_user, fulton_client):
    data = {"candidate": norwood.pk, "line": TallyLine.UOCAVA_ARRIVED, "votes": 3, "version": 1}

    response = fulton_client.post(url("late_ballots", fulton_part), data, follow=True)

    assert response.redirect_chain == [(url("late_ballots", fulton_part), 302)]
    assert messages_of(response) == ["Military and overseas ballots that arrived in time for Mary Norwood: 3 entered."]
    tally = RecountTally.objects.get(line=TallyLine.UOCAVA_ARRIVED)
    assert (tally.candidate, tally.vote_type, tally.original, tally.recounted, tally.reason) == (
        norwood,
        VoteType.MILITARY_OVERSEAS,
        0,
        3,
        DiscrepancyReason.LATE_BALLOTS,
    )
    assert (tally.history.first().history_change_reason, tally.history.first().history_user) == (
        "Military and overseas ballots that arrived in time: 3",
        fulton_user,
    )
    assert (
        "Mary Norwood Military and overseas ballots that arrived in time 0 3 +3 Ballots counted for the first time "
        "(accepted or arrived after the count) —"
    ) in text_of(response)
    assert ("Enter late ballots", "Done", "1 line entered.") in steps_of(response)


def test_the_late_ballots_are_offered_in_plain_words(fulton_part, fulton_client):
    response = fulton_client.get(url("late_ballots", fulton_part))

    assert [label for _, label in response.context["form"].fields["line"].choices] == [
        "Provisional ballots accepted after the count",
        "Military and overseas ballots that arrived in time",
    ]


def test_late_ballots_for_a_line_that_is_not_late_are_a_form_error(fulton_part, norwood, fulton_client):
    response = fulton_client.post(
        url("late_ballots", fulton_part),
        {"candidate": norwood.pk, "line": TallyLine.RETURNS, "votes": 3, "version": 1},
    )

    assert response.context["form"].errors == {
        "line": ["Select a valid choice. returns is not one of the available choices."]
    }
    assert summary_links(response) == [
        ("#id_line_0", "Select a valid choice. returns is not one of the available choices.")
    ]
    assert RecountTally.objects.count() == 2


def test_late_ballots_outsiders_anonymous_and_wrong_method(
    fulton_part, norwood, norwood_client, dekalb_client, fulton_client
):
    target = url("late_ballots", fulton_part)
    data = {"candidate": norwood.pk, "line": TallyLine.PROVISIONAL_ADJUDICATED, "votes": 3, "version": 1}
    assert [norwood_client.post(target, data).status_code, dekalb_client.post(target, data).status_code] == [403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert fulton_client.delete(target).status_code == 405
    assert RecountTally.objects.count() == 2


# recounts:tapes


def test_the_tapes_are_saved_beside_what_the_lines_add_up_to(fulton_part, fulton_user, fulton_client):
    fulton_part.refresh_from_db()
    bottoms_line = lines(fulton_part)["Keisha Lance Bottoms"]
    worksheet_save(
        county_recount=fulton_part,
        by=fulton_user,
        version=fulton_part.version,
        entries={bottoms_line.pk: TallyEntry(recounted=42_887)},
    )
    norwood_line = lines(fulton_part)["Mary Norwood"]

    page = fulton_client.get(url("tapes", fulton_part))
    response = fulton_client.post(
        url("tapes", fulton_part),
        {"version": 2, f"tape_{bottoms_line.candidate_id}": "42887", f"tape_{norwood_line.candidate_id}": "40668"},
        follow=True,
    )

    assert [field.help_text for field in page.context["form"]] == [
        "",
        "Keisha Lance Bottoms's lines of the returns add up to 42,887.",
        "Mary Norwood's lines are not all counted yet.",
    ]
    assert response.redirect_chain == [(url("worksheet", fulton_part), 302)]
    assert messages_of(response) == ["Fulton County's tabulator tapes are saved."]
    fulton_part.refresh_from_db()
    record = fulton_part.history.first()
    assert (fulton_part.tabulator_tapes, record.history_change_reason, record.history_user) == (
        {str(bottoms_line.candidate_id): 42_887, str(norwood_line.candidate_id): 40_668},
        "Tabulator tapes saved",
        fulton_user,
    )


def test_a_tape_that_cannot_be_read_is_a_form_error(fulton_part, norwood, fulton_client):
    response = fulton_client.post(url("tapes", fulton_part), {"version": 1, f"tape_{norwood.pk}": "lots"})

    assert summary_links(response) == [
        (f"#id_tape_{norwood.pk}", "Enter Mary Norwood's total on the tapes as a whole number.")
    ]
    fulton_part.refresh_from_db()
    assert (fulton_part.version, fulton_part.tabulator_tapes) == (1, {})


def test_tapes_outsiders_anonymous_and_wrong_method(fulton_part, norwood, norwood_client, dekalb_client, fulton_client):
    target = url("tapes", fulton_part)
    data = {"version": 1, f"tape_{norwood.pk}": "40668"}
    assert [norwood_client.post(target, data).status_code, dekalb_client.post(target, data).status_code] == [403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert fulton_client.delete(target).status_code == 405
    fulton_part.refresh_from_db()
    assert fulton_part.tabulator_tapes == {}


# recounts:submit (check your answers, then submit), recounts:sign_off and recounts:reopen (each checked first)


def test_submit_is_refused_until_the_arithmetic_checks(fulton_part, fulton_client):
    page = fulton_client.get(url("submit", fulton_part))
    response = fulton_client.post(url("submit", fulton_part), {"version": 1})

    assert "Confirm and submit for sign-off" not in text_of(page)
    assert messages_of(response) == [
        "The worksheet cannot be submitted yet: Keisha Lance Bottoms — Not broken down by type (Recount of the "
        "returns): no recounted figure yet. Mary Norwood — Not broken down by type (Recount of the returns): no "
        "recounted figure yet. Test at least one scanner with its test deck first (Rule 183-1-15-.03)."
    ]
    fulton_part.refresh_from_db()
    assert fulton_part.status == CountyRecountStatus.ORDERED


def test_the_submit_step_shows_every_figure_and_its_difference_before_submitting(
    fulton_part, fulton_user, fulton_client
):
    fulton_part.refresh_from_db()
    scanner_test_record(
        county_recount=fulton_part, by=fulton_user, version=fulton_part.version, scanner="ICP-001",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    fulton_part.refresh_from_db()
    figures = {"Keisha Lance Bottoms": 42_881, "Mary Norwood": 40_673}
    worksheet_save(
        county_recount=fulton_part,
        by=fulton_user,
        version=fulton_part.version,
        entries={
            tally.pk: TallyEntry(recounted=figures[name], reason=DiscrepancyReason.SCANNER_MISREAD)
            for name, tally in lines(fulton_part).items()
        },
        tabulator_tapes={tally.candidate_id: figures[name] for name, tally in lines(fulton_part).items()},
    )

    page = fulton_client.get(url("submit", fulton_part))
    submitted = fulton_client.post(url("submit", fulton_part), {"version": 3}, follow=True)

    text = text_of(page)
    assert "Check before you submit Fulton County’s figures" in text
    assert "Keisha Lance Bottoms Not broken down by type 42,887 42,881 -6 Ballot misread by the scanner" in text
    assert "Mary Norwood Not broken down by type 40,668 40,673 +5 Ballot misread by the scanner" in text
    assert "Keisha Lance Bottoms 42,881 42,881 Mary Norwood 40,673 40,673" in text
    assert f'action="{url("submit", fulton_part)}"' in page.content.decode()
    assert submitted.redirect_chain == [(url("worksheet", fulton_part), 302)]
    assert messages_of(submitted) == ["Fulton County's worksheet is submitted for sign-off."]
    fulton_part.refresh_from_db()
    record = fulton_part.history.first()
    assert (fulton_part.status, record.history_change_reason, record.history_user) == (
        CountyRecountStatus.SUBMITTED,
        "Submitted for sign-off",
        fulton_user,
    )


def test_sign_off_is_checked_then_done_under_the_name_on_record(
    filed, fulton_part, fulton_user, fulton_client, fulton_superintendent, fulton_superintendent_client
):
    """The clerk counts and submits; the superintendent, who entered nothing, signs off under the name on record."""
    counted(fulton_part, fulton_user, {"Mary Norwood": 40_673})
    fulton_part.refresh_from_db()
    version = fulton_part.version

    clerk_page = fulton_client.get(url("worksheet", fulton_part))
    by_the_clerk = fulton_client.post(url("sign_off", fulton_part), {"attestation": "on", "version": version})
    page = fulton_superintendent_client.get(url("worksheet", fulton_part))
    unattested = fulton_superintendent_client.post(url("sign_off", fulton_part), {"version": version})
    check = fulton_superintendent_client.post(url("sign_off", fulton_part), {"attestation": "on", "version": version})
    fulton_part.refresh_from_db()
    status_after_check = fulton_part.status
    change = fulton_superintendent_client.post(
        url("sign_off", fulton_part), {"attestation": "on", "version": version, "change": "yes"}
    )
    signed = fulton_superintendent_client.post(
        url("sign_off", fulton_part), {"attestation": "on", "version": version, "confirmed": "yes"}, follow=True
    )

    assert "sign_off" not in clerk_page.context["forms"]
    assert "Only the superintendent of Fulton County, or a designee the superintendent named, signs off." in not_now(
        clerk_page
    )
    assert by_the_clerk.status_code == 403
    assert (
        "Sign off You sign as Fay Fulton, Superintendent, Fulton County: the name on record of the account signed in."
    ) in text_of(page)
    assert summary_links(unattested) == [
        ("#id_attestation", "Attest that the worksheet is the true result of the recount to sign it off.")
    ]
    check_text = text_of(check)
    assert "Check before you sign off Fulton County's count" in check_text
    assert "Signed by Fay Fulton, Superintendent, Fulton County" in check_text
    assert "Mary Norwood Not broken down by type 40,668 40,673 +5 Ballot misread by the scanner" in check_text
    assert "Confirm and sign off" in check_text
    assert status_after_check == CountyRecountStatus.SUBMITTED
    assert change.context["forms"]["sign_off"].data["attestation"] == "on"
    assert signed.redirect_chain == [(url("worksheet", fulton_part), 302)]
    assert messages_of(signed) == ["Fulton County's worksheet is signed off by Fay Fulton."]
    fulton_part.refresh_from_db()
    assert (
        fulton_part.status,
        fulton_part.official_name,
        fulton_part.official_title,
        fulton_part.submitted_by,
        fulton_part.signed_off_by,
        fulton_part.signed_off_at,
    ) == (
        CountyRecountStatus.APPROVED,
        "Fay Fulton",
        "Superintendent, Fulton County",
        fulton_user,
        fulton_superintendent,
        DAY_AFTER_CERTIFICATION,
    )
    assert [(h.history_change_reason, h.history_user) for h in fulton_part.history.all()[:2]] == [
        ("Signed off by Fay Fulton, Superintendent, Fulton County", fulton_superintendent),
        ("Submitted for sign-off", fulton_user),
    ]
    filed.refresh_from_db()
    assert filed.status == RequestStatus.COUNTING  # DeKalb has not counted


def confirmed_form(county_recount: CountyRecount) -> dict[str, object]:
    """The sign-off as the check page sends it back: the version read, the box ticked, confirmed."""
    county_recount.refresh_from_db()
    return {"version": county_recount.version, "attestation": "on", "confirmed": "yes"}


def test_whoever_entered_figures_may_not_sign_off_and_a_designee_may(
    fulton_part, fulton_user, fulton_superintendent, fulton_superintendent_client
):
    """The superintendent tested a scanner on this worksheet: a designee who entered nothing signs it off."""
    fulton_part.refresh_from_db()
    scanner_test_record(
        county_recount=fulton_part, by=fulton_superintendent, version=fulton_part.version, scanner="ICP-009",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    counted(fulton_part, fulton_user)
    designee = make_superintendent_staff(
        username="dee", county_name="Fulton", role=StaffRole.DESIGNEE, first_name="Dee", last_name="Signer"
    )
    designee_client = logged_in(designee)

    page = fulton_superintendent_client.get(url("worksheet", fulton_part))
    refused = fulton_superintendent_client.post(url("sign_off", fulton_part), confirmed_form(fulton_part))
    designee_page = designee_client.get(url("worksheet", fulton_part))
    signed = designee_client.post(url("sign_off", fulton_part), confirmed_form(fulton_part), follow=True)

    assert "sign_off" not in page.context["forms"]
    assert "You entered or submitted figures on this worksheet: someone who did not must sign it off." in not_now(page)
    assert refused.status_code == 403
    assert designee_page.context["signing_as"] == "Designee of the superintendent, Fulton County"
    assert messages_of(signed) == ["Fulton County's worksheet is signed off by Dee Signer."]
    fulton_part.refresh_from_db()
    assert (fulton_part.status, fulton_part.official_name, fulton_part.official_title, fulton_part.signed_off_by) == (
        CountyRecountStatus.APPROVED,
        "Dee Signer",
        "Designee of the superintendent, Fulton County",
        designee,
    )


def test_whoever_typed_a_draft_of_the_tallies_may_not_sign_off(
    fulton_part, fulton_user, fulton_superintendent, fulton_superintendent_client
):
    fulton_superintendent_client.post(url("tallies", fulton_part), tallies_data(fulton_part, {"Mary Norwood": "x"}))
    counted(fulton_part, fulton_user)

    refused = fulton_superintendent_client.post(url("sign_off", fulton_part), confirmed_form(fulton_part))

    assert refused.status_code == 403
    fulton_part.refresh_from_db()
    assert fulton_part.status == CountyRecountStatus.SUBMITTED


def test_the_last_sign_off_makes_the_case_counted(
    filed, fulton_part, fulton_user, fulton_superintendent, dekalb_superintendent, dekalb_superintendent_client
):
    counted(fulton_part, fulton_user)
    signed_off(fulton_part, fulton_superintendent)
    dekalb_part = counted(order(filed, dekalb_superintendent, "DeKalb"), clerk_of("DeKalb"))

    response = dekalb_superintendent_client.post(url("sign_off", dekalb_part), confirmed_form(dekalb_part), follow=True)

    assert messages_of(response) == [
        "DeKalb County's worksheet is signed off by Dekalb Official. Every county is signed off: the case is counted."
    ]
    filed.refresh_from_db()
    assert (filed.status, filed.history.first().history_change_reason) == (
        RequestStatus.COUNTED,
        "Every county's recount is signed off",
    )


def test_only_the_superintendent_is_offered_the_reopening_and_reopens_after_checking(
    filed, fulton_part, fulton_user, fulton_superintendent, fulton_client, fulton_superintendent_client
):
    counted(fulton_part, fulton_user)

    clerk_page = fulton_client.get(url("worksheet", fulton_part))
    assert 'id="reopen"' not in clerk_page.content.decode()
    assert "Only the superintendent of Fulton County can reopen its worksheet." in not_now(clerk_page)
    assert 'id="reopen"' in fulton_superintendent_client.get(url("worksheet", fulton_part)).content.decode()
    refused = fulton_client.post(url("reopen", fulton_part), {"reason": "Recheck", "confirmed": "yes"})
    no_reason = fulton_superintendent_client.post(url("reopen", fulton_part), {"reason": " "})
    check = fulton_superintendent_client.post(url("reopen", fulton_part), {"reason": "A box was found"})
    fulton_part.refresh_from_db()
    status_after_check = fulton_part.status
    reopened = fulton_superintendent_client.post(
        url("reopen", fulton_part), {"reason": "A box was found", "confirmed": "yes"}, follow=True
    )

    assert refused.status_code == 403
    assert summary_links(no_reason) == [("#id_reason", "Say why the worksheet is reopened.")]
    assert "Check before you reopen Fulton County's worksheet Why it is reopened A box was found" in text_of(check)
    assert "Confirm and reopen the worksheet" in text_of(check)
    assert status_after_check == CountyRecountStatus.SUBMITTED
    assert messages_of(reopened) == ["Fulton County's worksheet is reopened; its earlier figures stay in history."]
    fulton_part.refresh_from_db()
    record = fulton_part.history.first()
    assert (fulton_part.status, record.history_change_reason, record.history_user) == (
        CountyRecountStatus.COUNTING,
        "Reopened: A box was found",
        fulton_superintendent,
    )
    tallies_page = fulton_client.get(url("tallies", fulton_part))
    assert tallies_page.context["form"].lines[0].recounted.value() == 42_887


@pytest.mark.parametrize("name", ["submit", "sign_off", "reopen"])
def test_submit_sign_off_and_reopen_outsiders_anonymous_and_wrong_method(
    fulton_part, norwood_client, sos_client, dekalb_client, fulton_client, name
):
    target = url(name, fulton_part)
    data = {"version": 1, "attestation": "on", "reason": "X", "confirmed": "yes"}
    assert [c.post(target, data).status_code for c in (norwood_client, sos_client, dekalb_client)] == [403, 403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert fulton_client.delete(target).status_code == 405
    fulton_part.refresh_from_db()
    assert (fulton_part.status, fulton_part.version) == (CountyRecountStatus.ORDERED, 1)


# recounts:schedule (the Secretary of State's route)


def test_a_directed_county_sets_the_place_and_time_of_its_count(sos_user, cobb_client):
    case = statewide_case()
    recount_direct(request=case, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))
    cobb_part = case.county_recounts.get(county__name="Cobb")
    superintendent_client = logged_in(
        make_superintendent_staff(username="cobb-superintendent", county_name="Cobb", superintendent=True)
    )

    clerk_page = cobb_client.get(url("worksheet", cobb_part))
    page = superintendent_client.get(url("worksheet", cobb_part))
    response = superintendent_client.post(
        url("schedule", cobb_part),
        {"count_place": "Cobb County Civic Center", "count_starts_at": "2017-12-14T09:30"},
        follow=True,
    )

    assert 'id="schedule"' not in clerk_page.content.decode()
    assert ("Only the superintendent of Cobb County sets the place and time of its count.") in not_now(clerk_page)
    assert 'id="schedule"' in page.content.decode()
    assert messages_of(response) == [
        "The place and time of the count are set; the written notice went to the candidates and the party chairs."
    ]
    cobb_part.refresh_from_db()
    record = cobb_part.history.first()
    assert (
        cobb_part.count_place,
        cobb_part.count_starts_at,
        record.history_change_reason,
        record.history_user.username,
    ) == (
        "Cobb County Civic Center",
        at(2017, 12, 14, 9, 30),
        "Place and time of the count set",
        "cobb-superintendent",
    )
    assert Notice.objects.filter(kind=NoticeKind.COUNT_NOTICE, recipient=case.candidate.accounts.get()).count() == 1


def test_on_the_superintendent_s_route_the_superintendent_may_change_the_count_until_it_begins(
    fulton_part, fulton_user, fulton_client, fulton_superintendent_client
):
    offered = fulton_superintendent_client.get(url("worksheet", fulton_part))
    clerk_page = fulton_client.get(url("worksheet", fulton_part))
    counted(fulton_part, fulton_user)
    begun = fulton_superintendent_client.get(url("worksheet", fulton_part))
    refused = fulton_superintendent_client.post(
        url("schedule", fulton_part), {"count_place": "Elsewhere", "count_starts_at": "2017-12-13T09:00"}, follow=True
    )

    assert 'id="schedule"' in offered.content.decode()
    assert "Change where and when Fulton County counts, before counting begins." in text_of(offered)
    assert 'id="schedule"' not in clerk_page.content.decode()
    assert ("Only the superintendent of Fulton County sets the place and time of its count.") in not_now(clerk_page)
    assert 'id="schedule"' not in begun.content.decode()
    assert refused.redirect_chain == [(url("worksheet", fulton_part), 302)]
    assert messages_of(refused) == [
        "Fulton County's count has begun (submitted); its place and time can no longer change."
    ]
    fulton_part.refresh_from_db()
    assert fulton_part.count_place == "Fulton County Elections Hub"


def test_schedule_outsiders_anonymous_and_wrong_method(sos_user, sos_client, fulton_client, cobb_client):
    case = statewide_case()
    recount_direct(request=case, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))
    cobb_part = case.county_recounts.get(county__name="Cobb")
    target = url("schedule", cobb_part)
    data = {"count_place": "Elsewhere", "count_starts_at": "2017-12-14T09:30"}
    assert [c.post(target, data).status_code for c in (sos_client, cobb_client, fulton_client)] == [403, 403, 404]
    assert anonymous_is_sent_to_login(target, "post")
    assert cobb_client.get(target).status_code == 405
    cobb_part.refresh_from_db()
    assert cobb_part.count_place == ""


# recounts:request, once the recount is ordered: the county recounts, the documents, the timeline


def test_the_case_page_shows_each_county_s_progress_documents_and_history(
    filed, fulton_part, fulton_user, fulton_superintendent, dekalb_superintendent, fulton_client
):
    counted(fulton_part, fulton_user, {"Mary Norwood": 40_673})
    signed_off(fulton_part, fulton_superintendent)
    dekalb_part = order(
        filed,
        dekalb_superintendent,
        "DeKalb",
        count_starts_at=at(2017, 12, 11, 17, 0),
        finish_by=at(2017, 12, 12, 9, 0),
    )

    response = fulton_client.get(url("request", filed))

    assert [(p.county_recount.county.name, p.overdue) for p in response.context["counties"]] == [
        ("DeKalb", True),
        ("Fulton", False),
    ]
    assert response.context["worksheets"] == {fulton_part.pk}
    text = text_of(response)
    assert (
        "DeKalb County Ordered overdue Tuesday, December 12, 2017, 10:00 a.m. Eastern by Dekalb Official "
        "DeKalb County Elections Hub Monday, December 11, 2017, 5:00 p.m. Eastern "
        "Tuesday, December 12, 2017, 9:00 a.m. Eastern — Order (PDF) Notice of the count to Keisha Lance Bottoms, "
        "Mary Norwood (PDF)"
    ) in text
    assert (
        "Fulton County Signed off Tuesday, December 12, 2017, 10:00 a.m. Eastern by Fay Fulton Fulton County "
        "Elections Hub Tuesday, December 12, 2017, 2:00 p.m. Eastern — Fay Fulton, Superintendent, Fulton County "
        "Tuesday, December 12, 2017, 10:00 a.m. Eastern (account fulton-superintendent)"
    ) in text
    html = response.content.decode()
    assert f'href="{url("worksheet", fulton_part)}"' in html
    assert f'href="{url("worksheet", dekalb_part)}"' not in html
    for name, obj, *more in [
        ("order_pdf", fulton_part),
        ("order_pdf", dekalb_part),
        ("count_notice", fulton_part, filed.candidate_id),
        ("discrepancies", filed),
        ("discrepancies_csv", filed),
    ]:
        assert f'href="{url(name, obj, *more)}"' in html
    assert "Directive (PDF)" not in text
    assert "Recertification (PDF)" not in text
    assert (
        "Fay Fulton Signed off by Fay Fulton, Superintendent, Fulton County Status: Submitted → Signed off Signed "
        "off: not signed off → Tuesday, December 12, 2017, 10:00 a.m. Eastern Signed off by: no one → Fay Fulton "
        "Signed off as: not signed off → Superintendent, Fulton County Fulton County"
    ) in text
    assert (
        "Fulton Official Submitted for sign-off Status: Counting → Submitted Submitted: not submitted → Tuesday, "
        "December 12, 2017, 10:00 a.m. Eastern Fulton County"
    ) in text
    assert (
        "Tuesday, December 12, 2017, 10:00 a.m. Eastern Dekalb Official Recount ordered by the superintendent of "
        "DeKalb County Recorded DeKalb County"
    ) in text


def test_the_case_page_of_a_directed_recount_is_open_to_the_counties_directed(sos_user, cobb_client, fulton_client):
    case = statewide_case(("Cobb", "Gwinnett"))
    assert cobb_client.get(url("request", case)).status_code == 404

    recount_direct(request=case, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))

    response = cobb_client.get(url("request", case))
    assert response.status_code == 200
    cobb_part = case.county_recounts.get(county__name="Cobb")
    assert response.context["worksheets"] == {cobb_part.pk}
    assert "Order (PDF)" not in text_of(response)
    assert fulton_client.get(url("request", case)).status_code == 404


# recounts:cases


def test_each_office_sees_its_own_cases(
    sos_user, filed, fulton_part, fulton_client, dekalb_client, cobb_client, sos_client
):
    statewide = statewide_case(("Fulton", "Cobb"))
    recount_direct(request=statewide, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))
    fulton_statewide = statewide.county_recounts.get(county__name="Fulton")
    cobb_statewide = statewide.county_recounts.get(county__name="Cobb")

    seen = {
        name: [case.request.receipt_number for case in client.get(reverse("recounts:cases")).context["cases"]]
        for name, client in [
            ("fulton", fulton_client),
            ("dekalb", dekalb_client),
            ("cobb", cobb_client),
            ("sos", sos_client),
        ]
    }

    assert seen == {
        "fulton": ["2017-D5-PSC-001", "2017-ATL-MAYOR-001"],
        "dekalb": ["2017-ATL-MAYOR-001"],
        "cobb": ["2017-D5-PSC-001"],
        "sos": ["2017-D5-PSC-001"],
    }
    html = fulton_client.get(reverse("recounts:cases")).content.decode()
    assert f'href="{url("worksheet", fulton_part)}"' in html
    assert f'href="{url("worksheet", fulton_statewide)}"' in html
    assert f'href="{url("worksheet", cobb_statewide)}"' not in html
    sos_page = sos_client.get(reverse("recounts:cases"))
    assert f'href="{url("worksheet", cobb_statewide)}"' in sos_page.content.decode()
    assert f'href="{reverse("recounts:dashboard")}"' in sos_page.content.decode()


def test_cases_is_for_staff_only(filed, norwood_client, nobody_client, fulton_client):
    target = reverse("recounts:cases")
    assert [c.get(target).status_code for c in (norwood_client, nobody_client)] == [403, 403]
    assert anonymous_is_sent_to_login(target)
    assert fulton_client.post(target).status_code == 405


# session + user + second-factor device; the reader's role (Secretary of State group, superintendent's offices);
# the county recount (+ case, contest, election, candidate, county, who submitted and signed off); the contest's
# candidates; its lines; its scanner tests; the arithmetic check's lines and whether a scanner was tested; the
# navbar's candidacies; then each page's own.
_WORKSHEET_READS = 3 + 3 + 2 + 1 + 1 + 1 + 1 + 2 + 1  # 3: the session renewed (savepoint, update, release)
WORKSHEET_QUERIES = {
    "worksheet": _WORKSHEET_READS + 1,  # the case's visibility
    "scanner_test": _WORKSHEET_READS,
    "tallies": _WORKSHEET_READS + 1,  # the form's lines
    "submit": _WORKSHEET_READS,
}


@pytest.mark.parametrize("count", [2, 20])
@pytest.mark.parametrize("page", sorted(WORKSHEET_QUERIES))
def test_worksheet_query_count_is_fixed(sos_user, django_assert_num_queries, count, page):
    """However many counties the case spans and scanners the county tested: the overview and its steps."""
    contest = build_spread_race(slug="spread", county_count=count, level=Level.STATE)
    certification_record(election=contest.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)
    baker = contest.candidates.get(name="Ben Baker")
    make_candidate_account(baker, username="baker")
    parts = recount_direct(
        request=file(baker), by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17),
        ruling="Granted.",
    )  # fmt: skip
    part = parts[0]
    superintendent = make_superintendent_staff(username="boss", county_name=part.county.name, superintendent=True)
    staff = make_superintendent_staff(username="staff", county_name=part.county.name)
    county_count_schedule(
        county_recount=part, by=superintendent, count_place="Courthouse", count_starts_at=at(2017, 12, 14, 9)
    )
    for index in range(count):
        part.refresh_from_db()
        scanner_test_record(
            county_recount=part, by=staff, version=part.version, scanner=f"ICP-{index:03}",
            machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
        )  # fmt: skip
    client = logged_in(staff)

    with django_assert_num_queries(WORKSHEET_QUERIES[page]):
        response = client.get(url(page, part))

    assert (len(response.context["scanner_tests"]), len(response.context["returns_lines"])) == (count, 6)


# recounts:discrepancies and recounts:discrepancies_csv


@pytest.fixture
def fulton_found(filed, fulton_part, fulton_user) -> RecountRequest:
    """Fulton's worksheet finds Bottoms −6 and Norwood +5 (the 2017 recount)."""
    counted(fulton_part, fulton_user, {"Keisha Lance Bottoms": 42_881, "Mary Norwood": 40_673})
    return filed


def test_the_discrepancy_report_shows_the_lines_the_totals_and_both_margins(fulton_found, norwood_client):
    response = norwood_client.get(url("discrepancies", fulton_found))

    assert response.status_code == 200
    assert [(row.candidate.name, row.difference) for row in response.context["report"].rows] == [
        ("Keisha Lance Bottoms", -6),
        ("Mary Norwood", 5),
    ]
    text = text_of(response)
    assert (
        "The margin Certified Mary Norwood 832 votes behind Keisha Lance Bottoms (0.899% of the total) "
        "After the recount Mary Norwood 821 votes behind Keisha Lance Bottoms (0.888% of the total) "
        "Total votes cast 92,502 certified, 92,501 after the recount"
    ) in text
    assert "Keisha Lance Bottoms 42,887 42,881 -6 46,667 46,661" in text
    assert "Mary Norwood 40,668 40,673 +5 45,835 45,840" in text
    assert (
        "Fulton County Mary Norwood Not broken down by type Recount of the returns 40,668 40,673 +5 "
        "Ballot misread by the scanner —"
    ) in text
    assert f'href="{url("discrepancies_csv", fulton_found)}"' in response.content.decode()


def test_the_discrepancy_csv_holds_exactly_the_differences(fulton_found, fulton_client):
    response = fulton_client.get(url("discrepancies_csv", fulton_found))

    assert response.status_code == 200
    assert (response["Content-Type"], response["Content-Disposition"]) == (
        "text/csv; charset=utf-8",
        'attachment; filename="2017-ATL-MAYOR-001-discrepancies.csv"',
    )
    assert response.content.decode().splitlines() == [
        "county,candidate,vote_type,line,original,recounted,difference,reason,note",
        "Fulton,Keisha Lance Bottoms,unspecified,returns,42887,42881,-6,scanner_misread,",
        "Fulton,Mary Norwood,unspecified,returns,40668,40673,5,scanner_misread,",
    ]


LATE_BALLOTS_EXPLAINED = (
    "Ballots counted for the first time (provisional ballots accepted after the count, military and overseas "
    "ballots that arrived in time) are on lines of their own. The certified returns did not hold them, so their "
    "certified figure is 0; the corrected returns count each kind in its own vote type, never in the votes not "
    "broken down by type."
)


def test_the_discrepancy_report_shows_late_ballots_on_lines_of_their_own_and_says_why(
    fulton_found, fulton_part, norwood, norwood_client
):
    assert LATE_BALLOTS_EXPLAINED not in text_of(norwood_client.get(url("discrepancies", fulton_found)))
    RecountTally.objects.create(
        county_recount=fulton_part,
        candidate=norwood,
        vote_type=VoteType.PROVISIONAL,
        line=TallyLine.PROVISIONAL_ADJUDICATED,
        original=0,
        recounted=5,
        reason=DiscrepancyReason.LATE_BALLOTS,
    )

    response = norwood_client.get(url("discrepancies", fulton_found))

    text = text_of(response)
    assert LATE_BALLOTS_EXPLAINED in text
    assert (
        "Fulton County Mary Norwood Not broken down by type Recount of the returns 40,668 40,673 +5 "
        "Ballot misread by the scanner — "
        "Fulton County Mary Norwood Provisional Provisional ballots accepted after the count 0 5 +5 "
        "Ballots counted for the first time (accepted or arrived after the count) —"
    ) in text
    assert "Mary Norwood 40,668 40,678 +10 45,835 45,845" in text


@pytest.mark.parametrize("name", ["discrepancies", "discrepancies_csv"])
def test_discrepancies_outsiders_anonymous_and_wrong_method(
    fulton_found, cobb_client, bottoms_client, nobody_client, norwood_client, name
):
    target = url(name, fulton_found)
    assert [c.get(target).status_code for c in (cobb_client, bottoms_client, nobody_client)] == [404, 404, 404]
    assert anonymous_is_sent_to_login(target)
    assert norwood_client.post(target).status_code == 405


# The documents: the order, the notice of the count, the directive, the outcome


def pdf_of(response) -> bytes:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def test_the_order_and_the_notices_of_the_count_as_pdf(filed, fulton_part, norwood, norwood_client, fulton_client):
    norwood.party = "Independent"
    norwood.save()
    chair = PartyChair.objects.create(party="Independent", chair_name="Ivy Chair", email="ivy@example.test")

    for client in (norwood_client, fulton_client):
        order_response = client.get(url("order_pdf", fulton_part))
        assert order_response["Content-Disposition"] == 'attachment; filename="2017-ATL-MAYOR-001-order-Fulton.pdf"'
        assert pdf_of(order_response).startswith(b"%PDF-")
    to_candidate = fulton_client.get(url("count_notice", fulton_part, norwood.pk))
    to_chair = fulton_client.get(url("count_notice_chair", fulton_part, chair.pk))
    page = fulton_client.get(url("request", filed))

    assert to_candidate["Content-Disposition"] == (
        'attachment; filename="2017-ATL-MAYOR-001-notice-Fulton-Mary_Norwood.pdf"'
    )
    assert pdf_of(to_candidate).startswith(b"%PDF-")
    assert to_chair["Content-Disposition"] == (
        'attachment; filename="2017-ATL-MAYOR-001-notice-Fulton-Ivy_Chair_Chair_Independent.pdf"'
    )
    assert pdf_of(to_chair).startswith(b"%PDF-")
    assert "Notice of the count to Keisha Lance Bottoms, Mary Norwood, Independent chair (PDF)" in text_of(page)


def test_a_notice_to_someone_not_in_the_contest_or_before_the_place_is_set_is_not_found(
    filed, fulton_part, sos_user, sos_client
):
    other = build_race(
        slug="other",
        counties=georgia_counties("Fulton"),
        votes={"Ada Able": [{UNSPEC: 1_000}], "Ben Baker": [{UNSPEC: 995}]},
    )
    stranger_chair = PartyChair.objects.create(party="Whig", chair_name="Wes Whig")
    statewide = statewide_case(("Cobb", "Gwinnett"))
    (cobb_part, _) = recount_direct(
        request=statewide, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17)
    )

    assert sos_client.get(url("count_notice", fulton_part, other.candidates.first().pk)).status_code == 404
    assert sos_client.get(url("count_notice_chair", fulton_part, stranger_chair.pk)).status_code == 404
    assert sos_client.get(url("count_notice", cobb_part, statewide.candidate_id)).status_code == 404
    assert sos_client.get(url("order_pdf", cobb_part)).status_code == 404


def test_the_directive_as_pdf_once_directed(sos_user, sos_client):
    statewide = statewide_case(("Cobb", "Gwinnett"))
    assert sos_client.get(url("directive_pdf", statewide)).status_code == 404

    recount_direct(request=statewide, by=sos_user, window_starts_at=at(2017, 12, 14, 9), finish_by=at(2017, 12, 18, 17))
    response = sos_client.get(url("directive_pdf", statewide))

    assert response["Content-Disposition"] == 'attachment; filename="2017-D5-PSC-001-directive.pdf"'
    assert pdf_of(response).startswith(b"%PDF-")


def test_the_outcome_as_pdf_once_finished(
    both_counted, fulton_part, fulton_superintendent_client, dekalb_superintendent_client, norwood_client, fulton_client
):
    assert norwood_client.get(url("recertification_pdf", both_counted)).status_code == 404
    assert fulton_client.get(url("directive_pdf", both_counted)).status_code == 404

    dekalb_part = both_counted.county_recounts.get(county__name="DeKalb")
    fulton_superintendent_client.post(url("recertify", fulton_part), attested(fulton_part))
    assert norwood_client.get(url("recertification_pdf", both_counted)).status_code == 404  # DeKalb has not recorded
    dekalb_superintendent_client.post(url("recertify", dekalb_part), attested(dekalb_part))
    response = norwood_client.get(url("recertification_pdf", both_counted))

    assert response["Content-Disposition"] == 'attachment; filename="2017-ATL-MAYOR-001-outcome.pdf"'
    assert pdf_of(response).startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("name", "of_county"),
    [("order_pdf", True), ("count_notice", True), ("directive_pdf", False), ("recertification_pdf", False)],
)
def test_documents_outsiders_anonymous_and_wrong_method(
    filed, fulton_part, norwood, cobb_client, bottoms_client, nobody_client, norwood_client, name, of_county
):
    args = [fulton_part] + ([norwood.pk] if name == "count_notice" else []) if of_county else [filed]
    target = url(name, *args)
    assert [c.get(target).status_code for c in (cobb_client, bottoms_client, nobody_client)] == [404, 404, 404]
    assert anonymous_is_sent_to_login(target)
    assert norwood_client.post(target).status_code == 405


def test_the_discrepancy_report_before_any_county_recounts_says_so(filed, norwood_client):
    response = norwood_client.get(url("discrepancies", filed))

    assert "Every line No county is recounting yet." in text_of(response)
    assert norwood_client.get(url("discrepancies_csv", filed)).content.decode().splitlines() == [
        "county,candidate,vote_type,line,original,recounted,difference,reason,note"
    ]


def directed_spread_case(sos_user, county_count: int) -> RecountRequest:
    contest = build_spread_race(slug="spread", county_count=county_count, level=Level.STATE)
    certification_record(election=contest.election, jurisdiction=None, certified_at=ATLANTA_CERTIFIED_AT, by=None)
    baker = contest.candidates.get(name="Ben Baker")
    make_candidate_account(baker, username="baker")
    case = file(baker)
    recount_direct(
        request=case,
        by=sos_user,
        window_starts_at=at(2017, 12, 14, 9),
        finish_by=at(2017, 12, 18, 17),
        ruling="Granted.",
    )
    return case


# Measured at 2 counties; the same at 20 (each includes the session renewed: savepoint, update, release;
# and the device that passed the second factor).
CASE_PAGE_QUERIES = 16
DISCREPANCY_QUERIES = 12
CSV_QUERIES = 11
DIRECTIVE_QUERIES = 12  # with the audit chain head it prints (the case's latest history row, its link)


@pytest.mark.parametrize("county_count", [2, 20])
def test_case_page_and_discrepancy_report_query_counts_are_fixed(
    sos_user, sos_client, django_assert_num_queries, county_count
):
    """The same number of queries for a case across 2 counties and across 20: its page, the report, the
    CSV and the directive."""
    case = directed_spread_case(sos_user, county_count)
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        page = sos_client.get(url("request", case))
    with django_assert_num_queries(DISCREPANCY_QUERIES):
        report = sos_client.get(url("discrepancies", case))
    with django_assert_num_queries(CSV_QUERIES):
        csv = sos_client.get(url("discrepancies_csv", case))
    with django_assert_num_queries(DIRECTIVE_QUERIES):
        directive = sos_client.get(url("directive_pdf", case))

    assert (page.status_code, report.status_code, csv.status_code, directive.status_code) == (200, 200, 200, 200)
    assert len(page.context["counties"]) == county_count
