// Behaviour shared by every staff page. Plain script, loaded with `defer` after htmx.
// Messages are not auto-dismissed on purpose: staff close them when they have read them.
(function () {
  "use strict";

  // The cookie is preferred because Django rotates the token at login; the <meta> tag written
  // by base.html covers a cookie that cannot be read (CSRF_COOKIE_HTTPONLY).
  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Django rejects unsafe requests without the token; htmx sends no header of its own.
  document.addEventListener("htmx:configRequest", function (event) {
    if (!/^(get|head|options|trace)$/i.test(event.detail.verb)) {
      event.detail.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // <button data-confirm="Cancel this order?"> (also links and htmx triggers) asks first.
  // Capture phase: runs before htmx's own click handler on the element and before submission.
  document.addEventListener(
    "click",
    function (event) {
      const trigger = event.target.closest("[data-confirm]");
      if (trigger && !trigger.matches("form") && !window.confirm(trigger.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  // <form data-confirm="..."> asks on submit, whichever button or key submitted it.
  document.addEventListener(
    "submit",
    function (event) {
      const form = event.target;
      if (form.matches("form[data-confirm]") && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();
