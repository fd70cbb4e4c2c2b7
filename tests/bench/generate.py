"""Generate a realistic OpenElections Georgia precinct file for the import benchmark.

The layout is the one OpenElections publishes for Georgia (``county,precinct,office,district,
party,candidate,votes`` plus vote-type columns), with advance in-person votes split over two
numbered columns (``advance_in_person_1``, ``advance_in_person_2``) as some counties report them:

    county,precinct,office,district,party,candidate,votes,election_day,advance_in_person_1,
    advance_in_person_2,absentee_by_mail,provisional

The ballot follows Georgia's 2020 general election: President (with a write-in line), both U.S.
Senate races (the special one with 20 candidates), two Public Service Commission seats, the
precinct's U.S. House, State Senate and State House districts, and six of the county's own offices
(named with the county: "Appling County Sheriff"), plus
the "Registered Voters" and "Ballots Cast" lines that the importer skips. Rows run county by
county (all 159, in alphabetical order), precinct by precinct, office by office, as the published
files do; precincts are shared among counties by a rough population weight.

A real statewide precinct file is ~200,000 rows (about 2,700 precincts); the benchmark asks for
1,000,000, so the number of precincts is scaled up to reach the requested number of rows.

The output depends only on ``rows`` and ``seed``. Run it alone with
``python -m tests.bench.generate --rows 1000000 --out .bench/ga.csv``.
"""

import argparse
import csv
import importlib
import random
from collections.abc import Iterator
from pathlib import Path

HEADER = [
    "county",
    "precinct",
    "office",
    "district",
    "party",
    "candidate",
    "votes",
    "election_day",
    "advance_in_person_1",
    "advance_in_person_2",
    "absentee_by_mail",
    "provisional",
]

# Larger counties get more precincts (weights roughly follow registered voters); the rest weigh 1.
COUNTY_WEIGHTS = {
    "Fulton": 30, "Gwinnett": 26, "Cobb": 22, "DeKalb": 22, "Chatham": 9, "Clayton": 8, "Cherokee": 8,
    "Forsyth": 7, "Henry": 7, "Richmond": 6, "Hall": 6, "Muscogee": 6, "Houston": 5, "Bibb": 5,
    "Columbia": 5, "Douglas": 4, "Paulding": 4, "Clarke": 4, "Fayette": 4, "Coweta": 4, "Lowndes": 3,
    "Carroll": 3, "Newton": 3, "Bartow": 3, "Rockdale": 3, "Whitfield": 3, "Barrow": 3, "Floyd": 3,
}  # fmt: skip

STATEWIDE = [
    ("President", "", [("REP", "Donald J. Trump"), ("DEM", "Joseph R. Biden"), ("LIB", "Jo Jorgensen"),
                       ("", "Write-ins")]),
    ("U.S. Senate", "", [("REP", "David A. Perdue"), ("DEM", "Jon Ossoff"), ("LIB", "Shane Hazel")]),
    ("U.S. Senate (Special)", "", [
        ("REP", "Kelly Loeffler"), ("DEM", "Raphael Warnock"), ("REP", "Doug Collins"),
        ("DEM", "Deborah Jackson"), ("DEM", "Matt Lieberman"), ("DEM", "Tamara Johnson-Shealey"),
        ("DEM", "Jamesia James"), ("REP", "Derrick E. Grayson"), ("DEM", "Joy Felicia Slade"),
        ("REP", "Annette Davis Jackson"), ("REP", "Kandiss Taylor"), ("REP", "Wayne Johnson"),
        ("LIB", "Brian Slowinski"), ("DEM", "Richard Dien Winfield"), ("DEM", "Ed Tarver"),
        ("IND", "Allen Buckley"), ("GRN", "John Fortuin"), ("IND", "Al Bartell"), ("IND", "Valencia Stovall"),
        ("IND", "Michael Todd Greene"),
    ]),
    ("Public Service Commission", "1", [("REP", "Jason Shaw"), ("DEM", "Robert G. Bryant"),
                                        ("LIB", "Elizabeth Melton")]),
    ("Public Service Commission", "4", [("REP", "Lauren Bubba McDonald, Jr."), ("DEM", "Daniel Blackman"),
                                        ("LIB", "Nathan Wilson")]),
]  # fmt: skip
COUNTY_OFFICES = [
    "Sheriff",
    "Clerk of Superior Court",
    "Tax Commissioner",
    "Probate Judge",
    "County Commission",
    "Board of Education",
]
SKIPPED_OFFICES = ["Registered Voters", "Ballots Cast"]
FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William", "Barbara",
         "David", "Elizabeth", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
         ]  # fmt: skip
LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
        ]  # fmt: skip
STREETS = ["Adams Park", "Bethel", "Cedar Grove", "Dogwood", "Eastside", "Fairview", "Greenbriar", "Harmony",
           "Indian Creek", "Jonesboro", "Kingswood", "Liberty", "Magnolia", "New Hope", "Oak Grove", "Pine Ridge",
           "Riverside", "Shiloh", "Town Center", "Union Hill", "Victory", "Westside", "Wildwood", "Zion"]  # fmt: skip


def georgia_counties() -> list[str]:
    """The 159 county names, from the data migration that loads them (one source of truth)."""
    migration = importlib.import_module("elections.migrations.0002_georgia_counties")
    return sorted(migration.GEORGIA_COUNTIES.values())


def _people(rng: random.Random, count: int) -> list[str]:
    return [f"{first} {last}" for first, last in zip(rng.sample(FIRST, count), rng.sample(LAST, count), strict=True)]


def _split(rng: random.Random, votes: int) -> list[int]:
    """votes, election day, advance (two numbered parts), absentee by mail, provisional: parts add up."""
    provisional = rng.randint(0, max(0, votes // 80))
    absentee = rng.randint(0, votes // 4)
    advance = rng.randint(0, votes - absentee - provisional)
    election_day = votes - absentee - provisional - advance
    advance_1 = rng.randint(0, advance)
    return [votes, election_day, advance_1, advance - advance_1, absentee, provisional]


def rows(count: int, seed: int = 2020) -> Iterator[list[str]]:
    """Exactly ``count`` data rows (the header is not included)."""
    rng = random.Random(seed)
    counties = georgia_counties()
    ballot = [(office, district, candidates) for office, district, candidates in STATEWIDE]
    per_precinct = (
        len(SKIPPED_OFFICES)
        + sum(len(candidates) for _, _, candidates in ballot)
        + 3 * 2  # U.S. House, State Senate, State House: two candidates each
        + len(COUNTY_OFFICES) * 2
    )
    precincts_needed = -(-count // per_precinct)
    total_weight = sum(COUNTY_WEIGHTS.get(name, 1) for name in counties)
    emitted = 0
    for index, county in enumerate(counties):
        weight = COUNTY_WEIGHTS.get(county, 1)
        remaining = len(counties) - index
        precincts = max(1, round(precincts_needed * weight / total_weight))
        if remaining == 1:
            precincts = max(1, -(-(count - emitted) // per_precinct))
        # A county's own offices carry its name: contests are keyed by office and district.
        local = [
            (f"{county} County {office}", "", list(zip(("REP", "DEM"), _people(rng, 2), strict=True)))
            for office in COUNTY_OFFICES
        ]
        districts = {
            "U.S. House": [str((index * 14) // len(counties) + 1 + k) for k in range(1 + weight // 10)],
            "State Senate": [str((index * 56) // len(counties) + 1 + k) for k in range(1 + weight // 4)],
            "State House": [str((index * 180) // len(counties) + 1 + k) for k in range(1 + weight // 2)],
        }
        for number in range(1, precincts + 1):
            precinct = f"{rng.choice(STREETS)} {number:03d}"
            registered = rng.randint(800, 6000)
            cast = rng.randint(registered // 2, registered)
            for office, figure in zip(SKIPPED_OFFICES, (registered, cast), strict=True):
                yield [county, precinct, office, "", "", "", str(figure), "", "", "", "", ""]
                emitted += 1
                if emitted == count:
                    return
            contests = list(ballot)
            for office, choices in districts.items():
                district = choices[(number - 1) % len(choices)]
                contests.append(
                    (office, district, [("REP", f"{office} {district} R"), ("DEM", f"{office} {district} D")])
                )
            contests.extend(local)
            for office, district, candidates in contests:
                left = cast
                for position, (party, name) in enumerate(candidates):
                    share = left if position == len(candidates) - 1 else rng.randint(0, left // 2)
                    left -= share
                    yield [county, precinct, office, district, party, name, *map(str, _split(rng, share))]
                    emitted += 1
                    if emitted == count:
                        return
    # Rounding can leave the last county short of rows; top up with more precincts there.
    county = counties[-1]
    number = 1000
    while emitted < count:
        number += 1
        for office, district, candidates in ballot:
            for party, name in candidates:
                yield [county, f"Extra {number:04d}", office, district, party, name,
                       *map(str, _split(rng, rng.randint(0, 400)))]  # fmt: skip
                emitted += 1
                if emitted == count:
                    return


def write(path: Path, count: int, seed: int = 2020) -> Path:
    """Write the file (header and ``count`` rows) unless it is already there."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows(count, seed))
    partial.rename(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--out", type=Path, required=True)
    options = parser.parse_args()
    print(write(options.out, options.rows, options.seed))


if __name__ == "__main__":
    main()
