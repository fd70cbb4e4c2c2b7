// A form that came back with problems: the error summary takes the focus, so that a screen reader
// reads it first and the keyboard starts from it; each of its links puts the focus in the field it
// names, with the field's label or legend in view (the GOV.UK Design System's error summary).
{
  const summary = document.querySelector(".error-summary");
  summary?.focus();
  summary?.addEventListener("click", (event) => {
    const link = event.target.closest("a[href^='#']");
    const field = link && document.getElementById(link.hash.slice(1));
    if (!field) return;
    event.preventDefault();
    const caption = field.closest("fieldset")?.querySelector("legend") ?? document.querySelector(`label[for='${field.id}']`);
    (caption ?? field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
}
