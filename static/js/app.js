// Small behaviours for the portal. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("change", (event) => {
  const control = event.target.closest("[data-submit-on-change]");
  if (control && control.form) control.form.requestSubmit();
});
