// Small behaviours for the portal. No inline scripts: the Content-Security-Policy forbids them.
document.addEventListener("change", (event) => {
  const control = event.target.closest("[data-submit-on-change]");
  if (control && control.form) control.form.requestSubmit();
});

// Check-in on a visit: offer the phone's location for the coordinates, if the agent allows it.
document.querySelectorAll("form[data-geolocate]").forEach((form) => {
  const button = form.querySelector("[data-use-location]");
  if (!button || !navigator.geolocation) return;
  button.hidden = false;
  button.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition((position) => {
      form.elements.latitude.value = position.coords.latitude.toFixed(6);
      form.elements.longitude.value = position.coords.longitude.toFixed(6);
    });
  });
});

// A refused form swapped in by htmx: the keyboard goes to its first field in error, which names its error.
document.addEventListener("htmx:afterSettle", (event) => {
  const panel = event.detail.target && document.getElementById(event.detail.target.id);
  const invalid = panel && panel.querySelector('[aria-invalid="true"]');
  if (invalid) invalid.focus();
});

// The message list can be put away once read.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-dismiss]");
  if (button) document.getElementById(button.dataset.dismiss)?.remove();
});

// A refused form is answered at its POST-only address; the address bar shows the page it came from, so a
// reload, a bookmark or a language switch never asks for that address.
if (document.body.dataset.pageUrl) history.replaceState(null, "", document.body.dataset.pageUrl);
