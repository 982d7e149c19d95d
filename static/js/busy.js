/* A form or a download that may take a while (reading an uploaded document, importing it,
 * writing a large ledger) says so.
 *
 * When a button marked data-busy submits a form with data-busy-message, the message appears in
 * the form's [data-busy-status] element (an aria-live region) and the form's buttons are
 * disabled, so a second click does not send it again. Other buttons submit as usual; without
 * JavaScript every form simply submits.
 *
 * A link with data-busy-message (a download: the page stays) shows its message in the element
 * named by its data-busy-status for as long as a download usually takes to begin, and a second
 * click meanwhile does not ask for the same file again.
 */
(function () {
  "use strict";

  document.querySelectorAll("form[data-busy-message]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      const button = event.submitter;
      if (!button || !("busy" in button.dataset)) {
        return; // the small editing buttons answer at once
      }
      const status = form.querySelector("[data-busy-status]");
      if (status) {
        status.textContent = form.dataset.busyMessage;
        status.hidden = false;
      }
      form.setAttribute("aria-busy", "true");
      form.querySelectorAll("button[type=submit]").forEach(function (other) {
        if (other !== button) {
          other.disabled = true;
        }
      });
      // disabling the pressed button now would drop its name=value from the submission
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  const SHOWN_MS = 15000;
  document.querySelectorAll("a[data-busy-message]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return; // a new tab or window: this page is not waiting
      }
      if (link.busyTimer) {
        event.preventDefault(); // the same file is already being written
        return;
      }
      const status = document.getElementById(link.dataset.busyStatus);
      if (status) {
        status.textContent = link.dataset.busyMessage;
        status.hidden = false;
      }
      link.busyTimer = window.setTimeout(function () {
        link.busyTimer = null;
        if (status) {
          status.hidden = true;
        }
      }, SHOWN_MS);
    });
  });
})();
