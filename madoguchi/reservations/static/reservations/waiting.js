// The waiting page reloads itself after Retry-After seconds (a GET: a form is never
// re-sent). The visitor can switch the reload off (WCAG 2.2.1); "check now" always works.
(function () {
  var note = document.getElementById("refresh-note");
  var box = document.getElementById("auto-refresh");
  if (!note || !box) { return; }
  box.closest(".auto-refresh").hidden = false;
  var seconds = parseInt(note.getAttribute("data-refresh-seconds"), 10) || 10;
  window.setTimeout(function () {
    if (box.checked) { window.location.replace(window.location.pathname); }
  }, seconds * 1000);
})();
