// An import at work (templates/recounts/imports/progress.html). Every 2 seconds the page asks the
// job's progress.json and moves the bar. The words under it sit in an aria-live region: they are
// replaced only when the percent reaches another step of data-announce-step (or the work begins or
// is all read), so that a screen reader is not flooded. The warning that the worker seems to have
// stopped comes and goes as the answer says. When the job's status is not one this page is drawn
// for (data-same-page: the preview is ready, the returns imported, refused, failed), the page
// reloads to show it. An error stops the asking and says so, with a link to refresh the page; a page
// without JavaScript offers that link from the start.
(() => {
  "use strict";

  const panel = document.querySelector("[data-import-progress]");
  if (!panel) {
    return;
  }
  const EVERY = 2000;
  const url = panel.dataset.importProgress;
  const samePage = new Set(panel.dataset.samePage.split(" ").filter(Boolean));
  const step = Number(panel.dataset.announceStep) || 10;
  const bar = panel.querySelector("progress");
  const words = document.getElementById(bar.getAttribute("aria-labelledby"));
  const notice = panel.querySelector("[data-import-notice]");
  const stalledWarning = panel.querySelector("template[data-import-stalled]");
  const failure = panel.querySelector("template[data-import-failure]");
  const withScript = panel.querySelector("[data-import-with-script]");

  // Which step the words say: -1 while nothing is read (no total yet), else the percent's step.
  const stepOf = (total, percent) => (total > 0 ? Math.floor(percent / step) : -1);
  let said = bar.hasAttribute("value") ? Math.floor(Number(bar.value) / step) : -1;
  let stalled = notice.childElementCount > 0;

  panel.querySelector("[data-import-without-script]").hidden = true;
  withScript.hidden = false;

  function stop(reason) {
    const message = failure.content.cloneNode(true);
    message.querySelector("[data-import-failure-reason]").textContent = reason;
    notice.replaceChildren(message);
    withScript.hidden = true;
  }

  function show(answer) {
    if (answer.total > 0) {
      bar.value = answer.percent;
    } else {
      bar.removeAttribute("value");
    }
    const now = stepOf(answer.total, answer.percent);
    if (now !== said) {
      words.textContent = answer.words;
      said = now;
    }
    if (answer.stalled !== stalled) {
      notice.replaceChildren(...(answer.stalled ? [stalledWarning.content.cloneNode(true)] : []));
      stalled = answer.stalled;
    }
  }

  async function ask() {
    let response;
    try {
      response = await fetch(url, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
        redirect: "manual",
      });
    } catch {
      stop("the desk could not be reached");
      return;
    }
    if (response.type === "opaqueredirect") {
      stop("you may have been signed out");
      return;
    }
    if (!response.ok) {
      stop(
        response.status === 403 || response.status === 404
          ? "you may no longer see this import"
          : "the desk answered with an error",
      );
      return;
    }
    let answer;
    try {
      answer = await response.json();
    } catch {
      stop("the desk did not answer as expected");
      return;
    }
    if (!samePage.has(answer.state)) {
      window.location.reload();
      return;
    }
    show(answer);
    window.setTimeout(ask, EVERY);
  }

  window.setTimeout(ask, EVERY);
})();
