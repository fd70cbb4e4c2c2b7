"""The six findings of issue 10, each reproduced through the pages as it was found on a clean demo.

Each of these failed before the authority model (recounts.permissions) and the duties kept apart, and
passes after. They walk the article's race: Atlanta's 2017 runoff, in Fulton and DeKalb.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.enums import StaffRole
from accounts.models import StaffMembership
from elections.models import Certification
from recounts.enums import CountyRecountStatus, NoticeKind, RequestStatus, TallyLine
from recounts.models import CountyRecount, Notice
from recounts.services.decisions import recount_order
from recounts.services.requests import Signature, letter_check, request_file
from recounts.services.worksheets import (
    TallyEntry,
    scanner_test_record,
    worksheet_save,
    worksheet_sign_off,
    worksheet_submit,
)
from tests.factories import (
    EASTERN,
    build_atlanta_runoff,
    county,
    make_candidate_account,
    make_pdf_bytes,
    make_secretary_of_state_staff,
    make_superintendent_staff,
    make_user,
    record_outcome,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2017, 12, 12, 10, 0, tzinfo=EASTERN)


@pytest.fixture
def atlanta(time_machine):
    time_machine.move_to(NOW, tick=False)
    contest = build_atlanta_runoff()
    offices = {
        name: {
            "superintendent": make_superintendent_staff(
                username=f"{name.lower()}-super", county_name=name, superintendent=True
            ),
            "clerk": make_superintendent_staff(username=f"{name.lower()}-clerk", county_name=name),
            "designee": make_superintendent_staff(
                username=f"{name.lower()}-designee", county_name=name, role=StaffRole.DESIGNEE
            ),
        }
        for name in ("Fulton", "DeKalb")
    }
    norwood = contest.candidates.get(name="Mary Norwood")
    account = make_candidate_account(norwood, username="norwood", first_name="Mary", last_name="Norwood")
    letter = letter_check(SimpleUploadedFile("letter.pdf", make_pdf_bytes(), content_type="application/pdf"))
    request = request_file(candidate=norwood, by=account, signature=Signature(name="Mary Norwood"), letter=letter)
    return contest, offices, request


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def order_both(request, offices) -> dict[str, CountyRecount]:
    return {
        name: recount_order(
            request=request,
            county=county(name),
            by=offices[name]["superintendent"],
            count_place=f"{name} County Elections Hub",
            count_starts_at=NOW + datetime.timedelta(hours=4),
        )
        for name in ("Fulton", "DeKalb")
    }


def count_and_submit(part: CountyRecount, clerk) -> CountyRecount:
    scanner_test_record(
        county_recount=part, by=clerk, version=part.version, scanner="ICP-1",
        machine_marked=75, hand_marked=25, precincts=3, hand_count=100, machine_count=100,
    )  # fmt: skip
    part.refresh_from_db()
    tallies = list(part.tallies.filter(line=TallyLine.RETURNS))
    worksheet_save(
        county_recount=part,
        by=clerk,
        version=part.version,
        entries={tally.pk: TallyEntry(recounted=tally.original) for tally in tallies},
        tabulator_tapes={tally.candidate_id: tally.original for tally in tallies},
    )
    part.refresh_from_db()
    worksheet_submit(county_recount=part, by=clerk, version=part.version)
    part.refresh_from_db()
    return part


def test_1_a_clerk_cannot_sign_off_and_the_signer_is_the_person_signed_in(atlanta):
    _, offices, request = atlanta
    part = count_and_submit(order_both(request, offices)["DeKalb"], offices["DeKalb"]["clerk"])
    form = {
        "version": part.version,
        "official_name": "Dee Kalb",
        "official_title": "Superintendent",
        "attestation": "on",
        "confirmed": "yes",  # as sent from the check page
    }

    refused = browser(offices["DeKalb"]["clerk"]).post(reverse("recounts:sign_off", args=[part.pk]), form)
    part.refresh_from_db()
    assert (refused.status_code, part.status) == (403, CountyRecountStatus.SUBMITTED)

    browser(offices["DeKalb"]["designee"]).post(reverse("recounts:sign_off", args=[part.pk]), form)
    part.refresh_from_db()
    assert (part.status, part.official_name, part.official_title, part.signed_off_by) == (
        CountyRecountStatus.APPROVED,
        "Dekalb Official",  # the designee's name on record, not the name typed
        "Designee of the superintendent, DeKalb County",
        offices["DeKalb"]["designee"],
    )


def test_2_no_county_clerk_links_an_account_to_a_candidate_or_withdraws_through_it(atlanta):
    _, offices, request = atlanta
    norwood = request.candidate
    norwood.email = "mary@norwood.test"
    norwood.save()

    by_clerk = browser(offices["Fulton"]["clerk"]).post(
        reverse("recounts:link", args=[norwood.pk]), {"email": "mallory@example.test"}
    )
    assert by_clerk.status_code == 403
    by_superintendent = browser(offices["Fulton"]["superintendent"]).post(
        reverse("recounts:link", args=[norwood.pk]), {"email": "mallory@example.test"}
    )
    assert by_superintendent.status_code == 302
    # Only the address of record was linked (the one typed is not read), and Norwood's account was told.
    assert sorted(norwood.accounts.values_list("username", flat=True)) == ["mary@norwood.test", "norwood"]
    assert not Notice.objects.filter(email="mallory@example.test").exists()
    told = Notice.objects.get(kind=NoticeKind.ACCOUNT_LINKED)
    assert (told.recipient.username, told.subject) == ("norwood", "Another account was linked to Mary Norwood")
    linked = norwood.accounts.get(username="mary@norwood.test")
    unsigned = browser(linked).post(reverse("recounts:withdraw", args=[request.pk]), {"withdraw-reason": "x"})
    request.refresh_from_db()
    assert (unsigned.status_code, request.status) == (200, RequestStatus.FILED)


def test_3_secretary_of_state_staff_cannot_make_themselves_a_superintendent(atlanta):
    sos = make_secretary_of_state_staff(username="sos-staff", is_staff=True)
    client = browser(sos)

    page = client.get(reverse("admin:accounts_staffmembership_add")).content.decode()
    response = client.post(
        reverse("admin:accounts_staffmembership_add"),
        {
            "user": sos.pk,
            "jurisdiction": county("Fulton").pk,
            "title": "",
            "role": "superintendent",
            "change_reason": "x",
        },
    )

    assert '<option value="superintendent"' not in page
    assert response.status_code == 200
    assert "role" in response.context["adminform"].form.errors
    assert not StaffMembership.objects.filter(user=sos).exists()


def test_4_one_county_cannot_finish_another_county_s_recount(atlanta):
    contest, offices, request = atlanta
    parts = order_both(request, offices)
    for name, part in parts.items():
        part = count_and_submit(part, offices[name]["clerk"])
        worksheet_sign_off(county_recount=part, by=offices[name]["superintendent"], version=part.version, attested=True)
    fulton = browser(offices["Fulton"]["superintendent"])

    on_dekalb = fulton.post(
        reverse("recounts:recertify", args=[parts["DeKalb"].pk]), {"version": 1, "attestation": "on"}
    )
    finish = fulton.post(reverse("recounts:finish", args=[request.pk]))

    assert on_dekalb.status_code == 404  # Fulton's office does not even see DeKalb's worksheet
    assert finish.status_code == 403  # closing a case is the Secretary of State's, on its route only
    parts["DeKalb"].refresh_from_db()
    assert parts["DeKalb"].status == CountyRecountStatus.APPROVED
    record_outcome(parts["Fulton"], by=offices["Fulton"]["superintendent"])
    record_outcome(parts["DeKalb"], by=offices["DeKalb"]["superintendent"])
    request.refresh_from_db()
    assert request.status == RequestStatus.CONFIRMED
    assert not Certification.objects.filter(election=contest.election, version__gt=1).exists()


def test_5_pages_do_not_offer_what_the_services_refuse(atlanta):
    contest, offices, request = atlanta
    bottoms = make_candidate_account(contest.candidates.get(name="Keisha Lance Bottoms"), username="bottoms")
    mine = browser(bottoms).get(reverse("recounts:mine")).content.decode()
    assert "File a written request" not in mine
    assert "only a candidate not declared may ask for a recount" in mine

    parts = order_both(request, offices)
    fulton = parts["Fulton"]
    before = browser(offices["Fulton"]["superintendent"]).get(reverse("recounts:worksheet", args=[fulton.pk]))
    worksheet_save(county_recount=fulton, by=offices["Fulton"]["clerk"], version=fulton.version, entries={})
    after = browser(offices["Fulton"]["superintendent"]).get(reverse("recounts:worksheet", args=[fulton.pk]))
    schedule = f'action="{reverse("recounts:schedule", args=[fulton.pk])}"'
    assert (schedule in before.content.decode(), schedule in after.content.decode()) == (True, False)
    assert "Fulton County's count has begun (counting); its place and time can no longer change." in (
        after.content.decode().replace("&#x27;", "'")
    )

    for name, part in parts.items():
        part = count_and_submit(CountyRecount.objects.get(pk=part.pk), offices[name]["clerk"])
        worksheet_sign_off(county_recount=part, by=offices[name]["designee"], version=part.version, attested=True)
    for name, part in parts.items():
        record_outcome(part, by=offices[name]["superintendent"])
    norwood = browser(request.candidate.accounts.get(username="norwood"))
    text = norwood.get(reverse("recounts:mine")).content.decode().replace("&#x27;", "'")
    assert "File a written request" not in text
    assert "File a late written request" not in text
    assert "the statute gives one recount of the certified returns" in text
    assert '<span class="badge text-bg-success">Yes</span>' not in text


def test_6_no_server_error_on_a_request_with_a_letter_in_the_admin_or_an_odd_contest_number(atlanta):
    _, offices, request = atlanta
    url = reverse("admin:recounts_recountrequest_change", args=[request.pk])
    for user in (
        make_secretary_of_state_staff(username="sos-staff", is_staff=True),
        make_user(username="root", is_staff=True, is_superuser=True),
    ):
        response = browser(user).get(url)
        assert response.status_code == 200
        assert reverse("recounts:letter", args=[request.pk]) in response.content.decode()

    clerk = browser(offices["Fulton"]["clerk"])
    for odd in ("²", "٣", "99999999999999999999999", "-1", "1e3"):
        assert clerk.get(reverse("recounts:record"), {"contest": odd}).status_code == 200


# -- What a review of the authority model found, after the six ----------------------------------------


def test_the_secretary_of_state_s_staff_cannot_set_the_password_or_name_of_a_candidate_or_office_account(atlanta):
    _, offices, request = atlanta
    sos = browser(make_secretary_of_state_staff(username="sos-staff", is_staff=True))
    norwood = request.candidate.accounts.get(username="norwood")  # has never signed in
    designee = offices["Fulton"]["designee"]

    for account in (norwood, designee):
        assert sos.get(reverse("admin:auth_user_password_change", args=[account.pk])).status_code == 403
        page = sos.get(reverse("admin:auth_user_change", args=[account.pk])).content.decode()
        assert 'name="_save"' not in page
        assert 'name="email"' not in page
    fresh = make_user(username="new-clerk")  # no office, no candidacy, never signed in: set up by the staff
    assert sos.get(reverse("admin:auth_user_password_change", args=[fresh.pk])).status_code == 200


def test_an_account_is_linked_by_its_address_never_by_a_user_name(atlanta):
    contest, offices, _ = atlanta
    bottoms = contest.candidates.get(name="Keisha Lance Bottoms")
    bottoms.email = "bottoms@campaign.test"
    bottoms.save()
    make_user(username="bottoms@campaign.test", email="attacker@evil.test")

    response = browser(offices["Fulton"]["superintendent"]).post(
        reverse("recounts:link", args=[bottoms.pk]), follow=True
    )

    assert response.context["link_form"].errors == {
        "email": ["An account named bottoms@campaign.test has another address; ask an administrator before linking."]
    }
    assert not bottoms.accounts.exists()


def test_no_candidate_s_account_administrator_or_secretary_of_state_staff_joins_an_office(atlanta):
    _, _, request = atlanta
    sos_user = make_secretary_of_state_staff(username="sos-staff", is_staff=True)
    root = make_user(username="root", is_staff=True, is_superuser=True)
    for user, admin_user in (
        (request.candidate.accounts.get(username="norwood"), sos_user),
        (sos_user, sos_user),
        (root, root),
    ):
        response = browser(admin_user).post(
            reverse("admin:accounts_staffmembership_add"),
            {"user": user.pk, "jurisdiction": county("DeKalb").pk, "title": "", "role": "clerk", "change_reason": "x"},
        )
        assert response.status_code == 200
        assert "user" in response.context["adminform"].form.errors
    assert not StaffMembership.objects.filter(
        user__in=[request.candidate.accounts.get(username="norwood"), sos_user, root]
    ).exists()


def test_a_superintendent_replaced_or_removed_is_told_and_the_old_one_becomes_staff(atlanta):
    _, offices, _ = atlanta
    root = browser(make_user(username="root", is_staff=True, is_superuser=True))
    clerk = offices["Fulton"]["clerk"].memberships.get()
    old = offices["Fulton"]["superintendent"]

    root.post(
        reverse("admin:accounts_staffmembership_change", args=[clerk.pk]),
        {"title": "", "role": "superintendent", "change_reason": "Appointed by the board"},
    )

    assert list(
        StaffMembership.objects.filter(jurisdiction=county("Fulton"))
        .order_by("user__username")
        .values_list("user__username", "role")
    ) == [
        ("fulton-clerk", StaffRole.SUPERINTENDENT),
        ("fulton-designee", StaffRole.DESIGNEE),
        ("fulton-super", StaffRole.CLERK),
    ]
    told = set(Notice.objects.filter(kind=NoticeKind.STAFF_CHANGED).values_list("recipient__username", flat=True))
    assert told == {"fulton-clerk", "fulton-super"}
    assert old.memberships.get().role == StaffRole.CLERK


def test_naming_a_designee_twice_does_not_unname_them(atlanta):
    _, offices, _ = atlanta
    superintendent = browser(offices["Fulton"]["superintendent"])
    clerk = offices["Fulton"]["clerk"].memberships.get()
    form = {f"m{clerk.pk}-role": "designee", f"m{clerk.pk}-reason": "Covers the night shift"}

    for _ in range(2):
        superintendent.post(reverse("recounts:designee", args=[clerk.pk]), form)

    clerk.refresh_from_db()
    assert clerk.role == StaffRole.DESIGNEE


def test_the_routing_of_a_contest_with_a_request_does_not_change_in_the_admin(atlanta):
    contest, _, _ = atlanta
    page = browser(make_secretary_of_state_staff(username="sos-staff", is_staff=True)).get(
        reverse("admin:elections_contest_change", args=[contest.pk])
    )
    html = page.content.decode()
    assert 'name="level"' not in html
    assert 'name="counties"' not in html


def test_only_the_secretary_of_state_is_offered_the_statewide_actions_and_the_statewide_certification(atlanta):
    root = browser(make_user(username="root", is_staff=True, is_superuser=True))
    sos = browser(make_secretary_of_state_staff(username="sos-staff", is_staff=True))
    changelist = reverse("admin:recounts_recountrequest_changelist")

    assert 'value="direct"' not in root.get(changelist).content.decode()
    assert 'value="direct"' in sos.get(changelist).content.decode()
    assert root.get(reverse("admin:elections_certification_add")).status_code == 403
    assert sos.get(reverse("admin:elections_certification_add")).status_code == 200
