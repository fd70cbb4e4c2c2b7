// The worksheet's tallies: as a figure is typed, show its difference from the certified one and mark
// the reason as wanted when they differ. The server checks the same on saving; this only saves a trip.
(() => {
  "use strict";

  for (const line of document.querySelectorAll(".worksheet-line")) {
    const figure = line.querySelector("input[data-original]");
    const difference = line.querySelector(".worksheet-difference");
    const reason = line.querySelector("select");
    if (!figure || !difference || !reason) {
      continue;
    }

    const show = () => {
      const typed = figure.value.trim();
      const delta = typed === "" ? null : Number(typed) - Number(figure.dataset.original);
      difference.textContent = delta === null || Number.isNaN(delta) ? "" : `${delta >= 0 ? "+" : ""}${delta}`;
      reason.classList.toggle("is-invalid", Boolean(delta) && reason.value === "");
    };

    figure.addEventListener("input", show);
    reason.addEventListener("change", show);
  }
})();
