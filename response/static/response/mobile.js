/* Phone header: the main navigation folds behind a 菜单 button on narrow screens.
   Without this script the navigation simply wraps (the CSS collapses it only once .menu-ready is set),
   so a phone without JavaScript still reaches every page. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var header = document.querySelector("header.top");
    var toggle = header && header.querySelector(".menu-toggle");
    if (!toggle) return;
    header.classList.add("menu-ready");
    function set(open) {
      header.classList.toggle("menu-open", open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? "收起" : "菜单";
    }
    toggle.addEventListener("click", function () { set(!header.classList.contains("menu-open")); });
    // Escape closes the open menu, as it closes the dialogs.
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && header.classList.contains("menu-open")) { set(false); toggle.focus(); }
    });
  });
})();
