/* The theme: the system's (auto) unless one was picked with the topbar's button, remembered in this
 * browser only (localStorage). Loaded before the stylesheet paints, without defer, so a picked dark
 * theme never flashes light; the button itself is wired once the page is parsed. */
(function () {
  "use strict";
  var KEY = "clearanalytics-theme";
  var ORDER = ["auto", "light", "dark"];
  var root = document.documentElement;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return ORDER.indexOf(value) >= 0 ? value : "auto";
    } catch (e) {
      return "auto";
    }
  }

  function apply(theme) {
    if (theme === "auto") root.removeAttribute("data-theme");
    else root.setAttribute("data-theme", theme);
  }

  apply(stored());

  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector("[data-theme-toggle]");
    if (!button) return;
    var show = function (theme) {
      button.dataset.current = theme;
      button.textContent = "Theme: " + theme;
      button.setAttribute("aria-label", "Theme: " + theme + " (click for " + ORDER[(ORDER.indexOf(theme) + 1) % 3] + ")");
    };
    show(stored());
    button.addEventListener("click", function () {
      var next = ORDER[(ORDER.indexOf(button.dataset.current) + 1) % ORDER.length];
      try {
        window.localStorage.setItem(KEY, next);
      } catch (e) {
        /* private mode: the choice lasts for this page only */
      }
      apply(next);
      show(next);
    });
  });
})();
