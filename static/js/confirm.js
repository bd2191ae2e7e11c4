/*
 * Forms that ask before they submit: <form data-confirm="Approve this quote?">.
 *
 * The question travels in a data attribute and this file does the asking, so
 * pages need no inline onsubmit handler, which the Content-Security-Policy
 * forbids. For htmx requests use hx-confirm instead.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-confirm")) return;
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
