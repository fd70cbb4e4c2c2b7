// The filing window's countdown. The server renders the seconds left in data-countdown-seconds (and the
// time left in words, for a page without JavaScript); this counts down from that figure on the
// browser's monotonic clock (performance.now), so a wrong clock on the computer does not matter.
(() => {
  "use strict";

  const countdowns = document.querySelectorAll("[data-countdown-seconds]");
  if (!countdowns.length) {
    return;
  }
  const loaded = performance.now();

  const plural = (count, unit) => `${count} ${unit}${count === 1 ? "" : "s"}`;

  function inWords(seconds) {
    const days = Math.floor(seconds / 86400);
    const hours = Math.floor((seconds % 86400) / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const parts = [];
    if (days) {
      parts.push(plural(days, "day"));
    }
    if (days || hours) {
      parts.push(plural(hours, "hour"));
    }
    parts.push(plural(minutes, "minute"), plural(seconds % 60, "second"));
    return parts.join(", ");
  }

  function tick() {
    const elapsed = Math.floor((performance.now() - loaded) / 1000);
    for (const countdown of countdowns) {
      const left = Number(countdown.dataset.countdownSeconds) - elapsed;
      countdown.textContent = left > 0 ? inWords(left) : countdown.dataset.countdownDone;
    }
  }

  tick();
  window.setInterval(tick, 1000);
})();
