// A form that came back with problems: the error summary takes the focus, so that a screen reader
// reads it first and the keyboard starts from it (the GOV.UK Design System's error summary).
document.querySelector(".error-summary")?.focus();
