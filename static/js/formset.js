// "Add a row": copy the formset's empty form with the next index and count it.
// Included after the formset's markup (templates/core/staff/includes/formset_script.html).
(function () {
  "use strict";
  document.querySelectorAll("[data-formset-add]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      const set = button.closest("[data-formset]");
      const total = set.querySelector('input[name="' + set.dataset.formset + '-TOTAL_FORMS"]');
      const html = set.querySelector("template[data-formset-template]").innerHTML
        .replace(/__prefix__/g, total.value);
      set.querySelector("[data-formset-body]").insertAdjacentHTML("beforeend", html);
      total.value = String(Number(total.value) + 1);
      // Rows may carry htmx attributes (live pricing); htmx must see the new ones.
      if (window.htmx) { window.htmx.process(set); }
    });
  });
})();
