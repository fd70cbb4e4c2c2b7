// A table wider than the window scrolls sideways inside its box (`.table-responsive`, an admin inline's
// `.wrapper`). Such a box takes the keyboard's focus, so that the arrow keys scroll it, and is a region
// named by its table's caption, or else "Table: " and its section's heading (not the heading alone: the
// section may be a region of that name already); a box that fits the window is neither. Checked again
// whenever the window's width changes. A box the page names itself is left as the page made it.
const scrollRegions = [...document.querySelectorAll(".table-responsive, .inline-group .wrapper")]
  .filter((region) => !region.hasAttribute("aria-label") && !region.hasAttribute("aria-labelledby"))
  .map((region) => {
    const caption = region.querySelector("caption");
    const heading = region.closest("section, fieldset")?.querySelector("h1, h2, h3, h4, h5, h6, legend");
    const name = caption?.textContent.trim() || (heading ? `Table: ${heading.textContent.trim()}` : "Table");
    return { region, name };
  });

function markScrollRegions() {
  for (const { region, name } of scrollRegions) {
    if (region.scrollWidth > region.clientWidth) {
      region.tabIndex = 0;
      region.setAttribute("role", "region");
      region.setAttribute("aria-label", name);
    } else {
      region.removeAttribute("tabindex");
      region.removeAttribute("role");
      region.removeAttribute("aria-label");
    }
  }
}

markScrollRegions();
window.addEventListener("resize", markScrollRegions);
