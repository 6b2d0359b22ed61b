// Agent phone state: count the wrap-up timer down and look for a new offer while ready.
(function () {
  "use strict";
  const timer = document.getElementById("wrap-up-timer");
  if (timer) {
    let left = parseInt(timer.dataset.seconds, 10);
    setInterval(() => { left = Math.max(left - 1, 0); timer.textContent = left; if (left === 0) { location.reload(); } }, 1000);
    return;
  }
  const state = document.getElementById("phone-state");
  if (state && state.dataset.state === "available") { setTimeout(() => location.reload(), 3000); }
})();
