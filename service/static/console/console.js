// 就业援助 countdowns: every [data-deadline] shows the time left and turns red once overdue.
(function () {
  function fmt(ms) {
    var late = ms < 0, s = Math.abs(ms) / 1000, h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (late ? "已超时 " : "剩余 ") + h + " 小时 " + m + " 分";
  }
  function tick() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = new Date(el.getAttribute("data-deadline")) - new Date();
      el.textContent = fmt(left);
      el.classList.toggle("late", left < 0);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 30000); });
})();

// 介绍信: the print button prints the page (print styles leave only the letter).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });
});
