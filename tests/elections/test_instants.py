"""Instants in words: one way of writing a time for people, with no midnight or noon left in doubt."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from elections.instants import in_words

EASTERN = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    ("at", "zone", "words"),
    [
        (datetime.datetime(2017, 12, 13, 17, 0, tzinfo=EASTERN), "", "Wednesday, December 13, 2017, 5:00 p.m. Eastern"),
        (
            datetime.datetime(2017, 12, 14, 0, 0, tzinfo=EASTERN),
            "America/New_York",
            "midnight at the end of Wednesday, December 13, 2017 Eastern",
        ),
        (datetime.datetime(2017, 12, 14, 12, 0, tzinfo=EASTERN), "", "Thursday, December 14, 2017, noon Eastern"),
        (datetime.datetime(2017, 12, 14, 0, 1, tzinfo=EASTERN), "", "Thursday, December 14, 2017, 12:01 a.m. Eastern"),
        (
            datetime.datetime(2017, 12, 14, 12, 30, tzinfo=EASTERN),
            "",
            "Thursday, December 14, 2017, 12:30 p.m. Eastern",
        ),
        (
            datetime.datetime(2018, 1, 1, 5, 0, tzinfo=datetime.UTC),
            "America/New_York",
            "midnight at the end of Sunday, December 31, 2017 Eastern",
        ),
        ("2017-12-11T16:00:00-05:00", "America/New_York", "Monday, December 11, 2017, 4:00 p.m. Eastern"),
    ],
)
def test_an_instant_in_words(at, zone, words, settings):
    settings.TIME_ZONE = "America/New_York"

    assert in_words(at, zone) == words
