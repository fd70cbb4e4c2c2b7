"""Every page each demo role can reach, in a real browser, at a desktop's width and a phone's.

The demo as `make run` loads it, with two cases in it: Norwood's request on the 2017 race, ordered in
Fulton and DeKalb, and hers on the rehearsal copy, just filed (once she has seen the form to file it).
Each role signs in through the real pages and follows every link on the site from the start page (GET
only: never "Log out", never a download), one page per kind (one case page per state of the case, not
every county's worksheet). Staff also open the admin's index, and each of its lists and one record of
each once, by the first staff login that reaches it (the Secretary of State's staff, read-only; the
administrator the rest). Besides: the sign-in pages (the second factor's too), the password pages, a
page the role may not open (403) and one that does not exist (404).

On each page, at 1280 and 390 px: axe-core finds nothing, the page does not scroll sideways, the
console logs no error and the security policy refuses nothing; a full-page screenshot of each goes to
the screenshots folder (tests/browser/accessibility.py). Everything found is listed at the end, by
page, width and problem.
"""

import datetime
import io
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import ConsoleMessage, Error, Page

from elections.models import Contest
from elections.services import county_by_name
from recounts.management.commands.load_demo import CERTIFIED_AT, ELECTION_SLUG, REHEARSAL_SLUG
from recounts.models import CountyRecount, RecountRequest
from recounts.services.decisions import recount_order
from tests.browser.accessibility import check_at_each_width, screenshots_in
from tests.browser.signing_in import demo_log_in
from tests.factories import file_online

pytestmark = pytest.mark.django_db(transaction=True)

#: Every demo role, by its login (None: not signed in).
ROLES = (None, "norwood", "fulton", "dekalb", "dekalb-clerk", "fulton-designee", "sos", "admin")
#: A page each signed-in role may not open.
FORBIDDEN = {"sos": "/my-contests/", "admin": "/my-contests/"}
FORBIDDEN_DEFAULT = "/dashboard/"
#: Pages of one case or one county's part of it: one of each is visited for each state it is in.
CASE_PAGES = {
    "recounts:request": RecountRequest,
    "recounts:discrepancies": RecountRequest,
    "recounts:worksheet": CountyRecount,
}
#: The admin's main pages: its index, each list and each record's page (not a user's password form).
ADMIN_PAGES = re.compile(r"admin:(index|\w+_changelist|\w+(?<!password)_change)")
DOWNLOADS = (".pdf", ".csv", ".json", ".txt")

RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def kind_of(address: str) -> str | None:
    """The kind of page at `address` (one page of each kind is visited), or None when it is not one to
    visit: a download, "Log out", an admin page other than the main ones, or another site's."""
    path = urlsplit(address).path
    if path.endswith(DOWNLOADS):
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    name = match.view_name
    if name == "logout" or (name.startswith("admin:") and not ADMIN_PAGES.fullmatch(name)):
        return None
    if name in CASE_PAGES:
        state = CASE_PAGES[name].objects.filter(pk=match.kwargs["pk"]).values_list("status", flat=True).first()
        return f"{name}-{state}"
    return name


def file_on_the_rehearsal_copy() -> RecountRequest:
    """Norwood's request on the rehearsal copy, filed now."""
    rehearsal = Contest.objects.get(election__slug__startswith=f"{REHEARSAL_SLUG}-", office="Mayor")
    return file_online(rehearsal.candidates.get(name="Mary Norwood"), timezone.now())


def order_on_the_2017_race() -> None:
    """Norwood's request on the 2017 race, filed in time and ordered in both counties."""
    race = Contest.objects.get(election__slug=ELECTION_SLUG, office="Mayor")
    request = file_online(race.candidates.get(name="Mary Norwood"), CERTIFIED_AT + datetime.timedelta(hours=20))
    for county, superintendent in (("Fulton", "fulton"), ("DeKalb", "dekalb")):
        recount_order(
            request=request,
            county=county_by_name(county),
            by=get_user_model().objects.get(username=superintendent),
            count_place=f"{county} County Elections Hub",
            count_starts_at=CERTIFIED_AT + datetime.timedelta(days=3),
            now=CERTIFIED_AT + datetime.timedelta(days=1),
        )


def set_password_address(username: str) -> str:
    """The one-time link of a candidate's invitation, as the invitation's notice gives it."""
    user = get_user_model().objects.get(username=username)
    return reverse(
        "password_set", args=[urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)]
    )


class Sweep:
    """One role's visits: each page checked at each width, what was found kept in `found`. The admin's
    lists and records are visited once for all staff (`admin_kinds`, shared by the roles)."""

    def __init__(self, page: Page, who: str, found: list[str], admin_kinds: set[str]) -> None:
        self.page, self.who, self.found = page, who, found
        self.desk_kinds: set[str] = set()
        self.admin_kinds = admin_kinds
        self.logged: list[str] = []
        self.expected_status = 200
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.logged.append(f"uncaught {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        # An error page's own status is logged as a failed load: that one is the page's purpose.
        own_status = message.location.get("url") == self.page.url and self.expected_status != 200
        if message.type == "error" and not (own_status and message.text.startswith("Failed to load resource")):
            self.logged.append(message.text)

    def check(self, name: str) -> None:
        """The page as it is now, at each width."""
        where = f"{self.who} {urlsplit(self.page.url).path} ({name})"
        self.found += [f"{where}: {problem}" for problem in check_at_each_width(self.page, name, screenshots_in())]
        refused = self.page.evaluate("window.violations || []")
        self.found += [f"{where}: console error: {text}" for text in self.logged]
        self.found += [f"{where}: security policy refused {violation}" for violation in refused]
        self.logged.clear()

    def visit(self, address: str, name: str, *, status: int = 200) -> None:
        self.expected_status = status
        try:
            response = self.page.goto(address)
        except Error as error:
            self.found.append(f"{self.who} {address}: did not open: {error.message.splitlines()[0]}")
            return
        if response is None or response.status != status:
            self.found.append(f"{self.who} {address}: answered {response and response.status}, not {status}")
        if status == 200 and (kind := kind_of(self.page.url)):
            self.seen(kind).add(kind)  # not again when a link leads to it
        self.check(f"{self.who}-{name}")
        self.expected_status = 200

    def seen(self, kind: str) -> set[str]:
        return self.admin_kinds if kind.startswith("admin:") and kind != "admin:index" else self.desk_kinds

    def crawl(self, *starts: str) -> None:
        """Every page reachable by links from `starts`, one of each kind."""
        waiting, opened = deque(starts), set()
        while waiting:
            address = waiting.popleft()
            kind = kind_of(address)
            if address in opened or kind is None or kind in self.seen(kind):
                continue
            opened.add(address)
            try:
                response = self.page.goto(address)
            except Error as error:
                self.found.append(f"{self.who} {address}: did not open: {error.message.splitlines()[0]}")
                continue
            landed = urlsplit(self.page.url)
            kind = kind_of(self.page.url)
            if kind is None or kind in self.seen(kind):  # a redirect to a page already seen
                continue
            self.seen(kind).add(kind)
            if response is None or response.status != 200:
                self.found.append(f"{self.who} {address}: answered {response and response.status}, not 200")
            self.check(f"{self.who}-{kind.replace(':', '-')}")
            links = self.page.eval_on_selector_all("a[href]", "links => links.map(link => link.href)")
            for link in links:
                parts = urlsplit(link)
                if (parts.scheme, parts.netloc) == (landed.scheme, landed.netloc):
                    waiting.append(parts.path + (f"?{parts.query}" if parts.query else ""))


def sign_in(page: Page, username: str, sweep: Sweep) -> None:
    """The demo login, checking the second-factor page on the way."""

    def second_factor() -> None:
        page.get_by_label("Code").wait_for()
        sweep.check(f"{username}-two-factor-verify")

    demo_log_in(page, username, at_second_factor=second_factor)


def test_every_page_of_every_role_passes_axe_fits_a_phone_and_logs_nothing(browser, live_server, reference_data):
    call_command("load_demo", stdout=io.StringIO())
    order_on_the_2017_race()

    found: list[str] = []
    admin_kinds: set[str] = set()
    for username in ROLES:
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        sweep = Sweep(page, username or "anonymous", found, admin_kinds)
        if username is None:
            sweep.visit("/login/", "login")
            sweep.visit("/admin/login/", "admin-login")
            sweep.visit(set_password_address("bottoms"), "set-password")
            sweep.visit(reverse("password_set_done"), "set-password-done")
            sweep.crawl("/")
        else:
            sign_in(page, username, sweep)
            sweep.crawl(reverse("recounts:start"), reverse("password_change"), reverse("password_change_done"))
            if username == "norwood":  # then the pages of her request just filed, linked from her contests
                sweep.crawl(reverse("recounts:request", args=[file_on_the_rehearsal_copy().pk]))
            if username in ("sos", "admin"):
                sweep.crawl(reverse("admin:index"))
            sweep.visit(FORBIDDEN.get(username, FORBIDDEN_DEFAULT), "403", status=403)
        sweep.visit("/no-such-page/", "404", status=404)
        context.close()

    assert found == [], "\n".join(["", *found])


def test_kinds_of_page():
    assert [
        kind_of(address)
        for address in (
            "/",
            "/requests/1/receipt.pdf",
            "/requests/1/discrepancies.csv",
            "/logout/",
            "/admin/",
            "/admin/recounts/recountrequest/",
            "/admin/recounts/recountrequest/1/change/",
            "/admin/recounts/recountrequest/1/delete/",
            "/admin/recounts/recountrequest/1/history/",
            "/nowhere/",
        )
    ] == [
        "recounts:elections",
        None,
        None,
        None,
        "admin:index",
        "admin:recounts_recountrequest_changelist",
        "admin:recounts_recountrequest_change",
        None,
        None,
        None,
    ]
