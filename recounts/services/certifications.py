"""Certifying an election's returns in the app: a county's or a city's by its superintendent, the
statewide returns by the Secretary of State's staff (`recounts.permissions`, "certify"). The record
itself is `elections.services.certification_record` (the next version when one exists)."""

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from elections.models import Certification
from elections.services import ElectionsError, certification_record
from recounts import anchors
from recounts.permissions import Returns
from recounts.services.cases import RecountError, require


def returns_certify(
    *, returns: Returns, by: AbstractBaseUser, certified_at: datetime.datetime, note: str = ""
) -> Certification:
    require(by, "certify", returns)
    with transaction.atomic():
        try:
            certification = certification_record(
                election=returns.election,
                jurisdiction=returns.jurisdiction,
                certified_at=certified_at,
                by=by,
                note=note,
            )
        except ElectionsError as error:
            raise RecountError(str(error)) from None
        anchors.anchor(event=f"Certification of {certification}", now=certified_at)
    return certification
