// A form with data-confirm="..." asks before it posts (restarting terminals, taking a whole group out of
// service): one mis-click on a 500-terminal group is otherwise 500 restarts. A file, not an inline script:
// the Content-Security-Policy allows scripts from this server only.
document.addEventListener("submit", function (event) {
  var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
