import pytest

from elections.enums import Level
from elections.offices import is_presidential, office_level

FEDERAL, STATE, COUNTY, MUNICIPAL = Level.FEDERAL, Level.STATE, Level.COUNTY, Level.MUNICIPAL


@pytest.mark.parametrize(
    ("office", "in_a_county_election", "in_a_municipal_election"),
    [
        # Federal, as OpenElections and the counties spell them.
        ("President", FEDERAL, FEDERAL),
        ("President of the United States", FEDERAL, FEDERAL),
        ("U.S. Senate", FEDERAL, FEDERAL),
        ("US Senate", FEDERAL, FEDERAL),
        ("United States Senate", FEDERAL, FEDERAL),
        ("U.S. Senate (Special)", FEDERAL, FEDERAL),
        ("U.S. Senate - Loeffler", FEDERAL, FEDERAL),
        ("U.S. House", FEDERAL, FEDERAL),
        ("u.s. house", FEDERAL, FEDERAL),
        ("US House District 5", FEDERAL, FEDERAL),
        ("U. S. Representative", FEDERAL, FEDERAL),
        ("United States Representative, District 13", FEDERAL, FEDERAL),
        # State.
        ("Governor", STATE, STATE),
        ("Lieutenant Governor", STATE, STATE),
        ("Secretary of State", STATE, STATE),
        ("Attorney General", STATE, STATE),
        ("Commissioner of Agriculture", STATE, STATE),
        ("Commissioner of Insurance", STATE, STATE),
        ("Commissioner of Labor", STATE, STATE),
        ("State School Superintendent", STATE, STATE),
        ("Public Service Commission", STATE, STATE),
        ("Public Service Commission District 4", STATE, STATE),
        ("State Senate", STATE, STATE),
        ("STATE SENATE DISTRICT 12", STATE, STATE),
        ("State House", STATE, STATE),
        ("State Representative, District 55", STATE, STATE),
        ("Supreme Court", STATE, STATE),
        ("Justice of the Supreme Court (Nahmias)", STATE, STATE),
        ("Court of Appeals", STATE, STATE),
        ("Judge of the Court of Appeals - Miller", STATE, STATE),
        ("Georgia Governor", STATE, STATE),
        # Everything else is local: county, or municipal in a city's own election.
        ("Mayor", COUNTY, MUNICIPAL),
        ("Sheriff", COUNTY, MUNICIPAL),
        ("Clerk of Superior Court", COUNTY, MUNICIPAL),
        ("Superior Court Judge", STATE, STATE),
        ("District Attorney", STATE, STATE),
        ("County Commission District 3", COUNTY, MUNICIPAL),
        ("Atlanta City Council Post 1 At Large", COUNTY, MUNICIPAL),
        ("Senate", COUNTY, MUNICIPAL),
        ("Lieutenant", COUNTY, MUNICIPAL),
        ("", COUNTY, MUNICIPAL),
    ],
)
def test_office_level(office, in_a_county_election, in_a_municipal_election):
    assert (office_level(office, municipal=False), office_level(office, municipal=True)) == (
        in_a_county_election,
        in_a_municipal_election,
    )


@pytest.mark.parametrize(
    ("office", "presidential"),
    [
        ("President", True),
        ("President of the United States", True),
        ("U.S. President", True),
        ("President and Vice President of the United States", True),
        ("U.S. Senate", False),
        ("Board of Education President", False),
    ],
)
def test_is_presidential(office, presidential):
    assert is_presidential(office) is presidential
