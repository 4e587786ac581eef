// After a form was sent back with errors, move the focus to its error summary, so that a
// keyboard or screen-reader user starts from the list of what to correct (each item links to
// its field). Nothing happens on pages without one. And open on a wide screen the folds
// meant for phones.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  // Folds that are open on a wide screen and folded on a phone (the directory's filters).
  if (window.matchMedia && window.matchMedia("(min-width: 48em)").matches) {
    var folds = document.querySelectorAll("details[data-open-wide]");
    for (var i = 0; i < folds.length; i++) {
      folds[i].open = true;
    }
  }
})();
