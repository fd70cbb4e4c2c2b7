"""Importing returns in a real browser, on the demo as `make run` loads it.

The Secretary of State's staff upload the 2022 runoff's 159 county files as one zip, read the
preview (the U.S. Senate's figures), confirm, see the result and open the election; axe finds nothing
on the form, the preview or the result, at a desktop's width and a phone's. County staff are refused
the page. The tasks run at once (the immediate backend), so the pages that wait for them pass by,
except in the test of the page that follows a queued job.
"""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from elections.models import Election, Result
from recounts.enums import ImportJobStatus
from recounts.models import ImportJob
from recounts.services.imports import import_job_preview, progress_name
from recounts.storage import replace
from tests.browser.accessibility import check_at_each_width, screenshots_in
from tests.browser.signing_in import demo_log_in

pytestmark = pytest.mark.django_db(transaction=True)

RUNOFF_ZIP = Path(__file__).resolve().parents[1] / "data" / "ga-2022" / "20221206__ga__general_runoff__precinct.zip"


def test_the_secretary_of_state_s_staff_import_the_runoff_and_county_staff_cannot(page: Page):
    call_command("load_demo", stdout=io.StringIO())
    shots = screenshots_in()
    found = []
    demo_results = Result.objects.count()

    demo_log_in(page, "sos")
    page.get_by_role("link", name="Import returns").click()
    expect(page.get_by_role("heading", name="Import returns", level=1)).to_be_visible()
    found += check_at_each_width(page, "import-form", shots)

    # A slip first: no file and no name, and the error summary says so at the top, linking to each field.
    page.get_by_role("button", name="Upload and read the files").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Returns file")).to_be_focused()
    found += check_at_each_width(page, "import-form-errors", shots)

    page.get_by_label("Returns file").set_input_files(str(RUNOFF_ZIP))
    page.get_by_label("Election name").fill("2022 General Runoff")
    page.get_by_label("Election day").fill("2022-12-06")
    page.get_by_label("Kind of election").select_option("runoff")
    page.get_by_label("Short name for web addresses").fill("2022-general-runoff")
    page.get_by_role("button", name="Upload and read the files").click(timeout=60_000)

    expect(page.get_by_role("heading", name="Check the returns before you import them")).to_be_visible(timeout=60_000)
    assert Result.objects.count() == demo_results  # the preview wrote nothing
    expect(page.get_by_text("159 files,")).to_be_visible()
    senate = page.locator("section.card").filter(has=page.get_by_role("heading", name="U.S. Senate", exact=True))
    expect(senate.get_by_role("row").filter(has_text="Raphael Warnock")).to_contain_text("1,820,633")
    expect(senate.get_by_role("row").filter(has_text="Herschel Walker")).to_contain_text("1,721,244")
    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    found += check_at_each_width(page, "import-preview", shots)

    page.get_by_role("button", name="Import the returns").click(timeout=60_000)
    expect(page.get_by_role("heading", name="Returns imported")).to_be_visible(timeout=60_000)
    job = ImportJob.objects.get()
    election = Election.objects.get(slug="2022-general-runoff")
    assert (job.status, job.election) == (ImportJobStatus.IMPORTED, election)
    found += check_at_each_width(page, "import-result", shots)

    page.get_by_role("link", name="Open the election: 2022 General Runoff").click()
    expect(page.get_by_role("heading", name="2022 General Runoff", level=1)).to_be_visible()
    page.screenshot(path=shots / "import-election.png")
    page.get_by_role("button", name="Log out").click()

    demo_log_in(page, "dekalb-clerk")
    expect(page.get_by_role("link", name="Import returns")).to_have_count(0)
    for url in ("/returns/import/", f"/returns/import/{job.pk}/"):
        assert page.goto(url).status == 403, url

    assert found == []


def write_progress(job: ImportJob, done: int, total: int, *, at: datetime.datetime | None = None) -> None:
    """What the worker writes as it reads (`ProgressFile`)."""
    at = at or timezone.now()
    replace(
        job.upload.storage,
        progress_name(job),
        ContentFile(json.dumps({"phase": "preview", "done": done, "total": total, "updated_at": at.isoformat()})),
    )


def test_the_page_of_an_import_waiting_for_the_worker_follows_it_without_reloading(page: Page, settings):
    """With the database queue, as in production: the preview waits for the worker. The page's script
    moves the bar as the progress file moves, says the words again only at each tenth, warns when the
    worker seems to have stopped, says so when it cannot ask any more (with a link to refresh the page),
    and reloads the page once the worker has read the files: the preview."""
    call_command("load_demo", stdout=io.StringIO())
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    shots = screenshots_in()

    demo_log_in(page, "sos")
    page.goto("/returns/import/")
    page.get_by_label("Returns file").set_input_files(str(RUNOFF_ZIP))
    page.get_by_label("Election name").fill("2022 General Runoff")
    page.get_by_label("Election day").fill("2022-12-06")
    page.get_by_label("Kind of election").select_option("runoff")
    page.get_by_role("button", name="Upload and read the files").click()

    expect(page.get_by_role("heading", name="Reading the files")).to_be_visible()
    words = page.locator("#import-progress-words")
    bar = page.locator("progress.import-progress")
    expect(words).to_have_text("Waiting for the files to be read…")
    expect(page.get_by_text("This page follows it as it goes.")).to_be_visible()
    expect(page.get_by_role("link", name="Refresh this page")).to_have_count(0)  # the script follows the work
    page.evaluate("window.notReloaded = true")
    job = ImportJob.objects.get()

    write_progress(job, 55_000, 137_000)
    expect(words).to_have_text("40% read: 53.7\xa0KB of 133.8\xa0KB", timeout=5_000)
    expect(bar).to_have_attribute("value", "40")
    found = check_at_each_width(page, "import-reading", shots)

    write_progress(job, 57_000, 137_000)  # 41%: the bar moves, the words wait for the next tenth
    expect(bar).to_have_attribute("value", "41", timeout=5_000)
    expect(words).to_have_text("40% read: 53.7\xa0KB of 133.8\xa0KB")
    write_progress(job, 120_000, 137_000)
    expect(words).to_have_text("87% read: 117.2\xa0KB of 133.8\xa0KB", timeout=5_000)
    expect(bar).to_have_attribute("value", "87")

    # No news from the worker for over 10 minutes: the warning comes, in place.
    long_ago = timezone.now() - datetime.timedelta(minutes=11)
    ImportJob.objects.filter(pk=job.pk).update(created_at=long_ago)  # as if uploaded then (no history row)
    write_progress(job, 120_000, 137_000, at=long_ago)
    warning = page.locator("[data-import-notice]")
    expect(warning.get_by_role("heading", name="The work seems to have stopped")).to_be_visible(timeout=5_000)
    expect(warning).to_contain_text("manage.py db_worker")
    found += check_at_each_width(page, "import-stalled", shots)
    write_progress(job, 121_000, 137_000)  # the worker again: the warning goes
    expect(warning.get_by_role("heading")).to_have_count(0, timeout=5_000)

    # The desk answers with an error: the page stops asking, says so, and offers to refresh it.
    page.route("**/progress.json", lambda route: route.fulfill(status=500, body="Server error"))
    expect(warning).to_contain_text("This page has stopped following the work", timeout=5_000)
    found += check_at_each_width(page, "import-not-following", shots)
    page.unroute("**/progress.json")
    assert page.evaluate("window.notReloaded") is True  # all of it in place
    warning.get_by_role("link", name="Refresh this page").click()
    expect(words).to_have_text("88% read: 118.2\xa0KB of 133.8\xa0KB")
    page.evaluate("window.notReloaded = true")

    import_job_preview(job=ImportJob.objects.get(pk=job.pk))  # what the worker does with the task
    expect(page.get_by_role("heading", name="Check the returns before you import them")).to_be_visible(timeout=5_000)
    assert page.evaluate("window.notReloaded") is None  # the script reloaded the page for the new status
    assert found == []


def test_a_refused_file_says_where_each_problem_is_and_offers_no_import(page: Page, tmp_path):
    call_command("load_demo", stdout=io.StringIO())
    shots = screenshots_in()
    returns = tmp_path / "appling.csv"
    returns.write_text(
        "county,precinct,office,district,party,candidate,votes\n"
        "Appling,1B,U.S. Senate,,DEM,Raphael Warnock,100\n"
        "Appling,1B,U.S. Senate,,REP,Herschel Walker,many\n"
    )

    demo_log_in(page, "sos")
    page.goto("/returns/import/")
    page.get_by_label("Returns file").set_input_files(str(returns))
    page.get_by_label("Election name").fill("2022 General Runoff")
    page.get_by_label("Election day").fill("2022-12-06")
    page.get_by_label("Kind of election").select_option("runoff")
    page.get_by_role("button", name="Upload and read the files").click()

    expect(page.get_by_role("heading", name="These files cannot be imported")).to_be_visible()
    refusal = page.get_by_role("row").filter(has_text="appling.csv")
    expect(refusal.get_by_role("cell")).to_have_text(["appling.csv", "3", "votes", '"many" is not a whole number'])
    expect(page.get_by_role("button", name="Import the returns")).to_have_count(0)
    found = check_at_each_width(page, "import-refused", shots)
    page.get_by_role("link", name="Start again with the corrected files").click()
    expect(page.get_by_role("heading", name="Import returns", level=1)).to_be_visible()
    assert found == []
