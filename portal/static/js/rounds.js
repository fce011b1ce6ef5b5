// Comment on a paragraph without leaving the text: the "Comment" link opens the form in place (without
// JavaScript the same link reloads the page with the form under the paragraph).
(function () {
  "use strict";
  var template = document.getElementById("comment-template");
  if (!template) { return; }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a.comment-link");
    if (!link) { return; }
    event.preventDefault();
    var open = document.getElementById("comment-form");
    if (open) { open.remove(); }
    var form = template.content.firstElementChild.cloneNode(true);
    form.querySelector("input[name=paragraph]").value = link.dataset.anchor;
    form.querySelector("a.close-comment").addEventListener("click", function (e) {
      e.preventDefault();
      form.remove();
      link.focus();
    });
    link.closest(".paragraph-extras").appendChild(form);
    form.querySelector("textarea").focus();
  });
})();
