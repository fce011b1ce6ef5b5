// The questionnaire sent back with errors: move the focus to the summary of what to correct, so that a
// screen reader reads it first and the keyboard continues from there (without JavaScript the summary is
// still the first thing in the form and announced as an alert).
(function () {
  "use strict";
  var summary = document.querySelector(".questionnaire-errors");
  if (summary) { summary.focus(); }
  // Links of the summary move the focus to the question's first option or its text field.
  document.addEventListener("click", function (event) {
    var link = event.target.closest(".questionnaire-errors a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({block: "center"}); }
  });
}());
