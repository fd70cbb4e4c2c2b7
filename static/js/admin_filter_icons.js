// The admin's two-box selector (`filter_horizontal`) names its magnifying-glass icons with
// `aria-label` on a plain `span`, which ARIA does not allow: each becomes an image, which it is. The
// selector is built when the page has loaded; this runs after it.
window.addEventListener("load", () => {
  document.querySelectorAll(".selector .search-label-icon[aria-label]").forEach((icon) => {
    icon.setAttribute("role", "img");
  });
});
