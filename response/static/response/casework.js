/* Case work in the browser: helpers for the note and sign-off forms and the error pages. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    // Error pages: "返回上一页" only when there is a page to go back to.
    document.querySelectorAll("[data-back]").forEach(function (button) {
      if (window.history.length > 1) {
        button.hidden = false;
        button.addEventListener("click", function () { window.history.back(); });
      }
    });
    // Returning a draft needs a comment: say so before the round trip.
    document.querySelectorAll("form.signoff-decide").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        var button = event.submitter;
        var comment = form.querySelector("textarea[name=comment]");
        if (button && button.value === "return" && comment && !comment.value.trim()) {
          event.preventDefault();
          comment.setCustomValidity("退回须填写审核意见");
          comment.reportValidity();
          comment.addEventListener("input", function () { comment.setCustomValidity(""); }, { once: true });
        }
      });
    });
    // Ctrl/⌘+Enter sends a note, as in chat tools.
    var note = document.querySelector("#note-form textarea");
    if (note) {
      note.addEventListener("keydown", function (event) {
        if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          note.form.requestSubmit();
        }
      });
    }
  });
})();
