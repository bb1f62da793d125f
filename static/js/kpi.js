// The KPI trend chart (Chart.js, vendored). The same figures are in the table
// under it, so the page says everything without JavaScript.
(function () {
  "use strict";
  function draw() {
    var canvas = document.getElementById("kpi-trend");
    if (!canvas || !window.Chart || canvas.dataset.drawn) return;
    canvas.dataset.drawn = "1";
    var data = canvas.dataset;
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: JSON.parse(data.labels),
        datasets: [
          { label: data.reviewLabel, data: JSON.parse(data.review), borderColor: "#1565c0", spanGaps: true },
          { label: data.csatLabel, data: JSON.parse(data.csat), borderColor: "#2e7d32", spanGaps: true }
        ]
      },
      options: { animation: false, scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } }
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:load", draw);
  if (document.readyState !== "loading") draw();
})();
