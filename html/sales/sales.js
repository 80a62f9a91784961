// lead sales view: the pages work without this; it only saves clicks.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // a changed filter applies at once
  document.querySelectorAll("form.filters select, form.filters input[type=checkbox]").forEach(function (input) {
    input.addEventListener("change", function () { input.form.submit(); });
  });
  // "/" jumps to the search box, as in most web apps
  var search = document.querySelector("form.filters input[type=search]");
  document.addEventListener("keydown", function (e) {
    if (search && e.key === "/" && document.activeElement.tagName !== "INPUT") {
      e.preventDefault();
      search.focus();
    }
  });
});
