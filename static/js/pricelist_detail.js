// A price list opened after an item change shows its items tab.
(function () {
  "use strict";
  if (window.location.hash === "#items" || document.querySelector("#price-list-items .is-invalid")) {
    document.addEventListener("DOMContentLoaded", function () {
      const tab = document.querySelector('[data-bs-target="#tab-items"]');
      if (tab && window.bootstrap) window.bootstrap.Tab.getOrCreateInstance(tab).show();
    });
  }
})();
