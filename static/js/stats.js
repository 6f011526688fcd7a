/* Statistics charts: every <canvas data-chart='{...}'> becomes a Chart.js chart. The data comes from the
   attribute (JSON, never evaluated), so no inline script is needed under the strict CSP. Charts are drawn on page
   load and again whenever htmx swaps new content in (filters, sorting, a saved target). */
(function () {
  "use strict";

  // Colour-blind-safe palette (Okabe-Ito); the charts also carry legends and data tables, never colour alone.
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];
  var TARGET_COLOUR = "#B3261E";

  function numberAxis(title, extra) {
    var axis = { beginAtZero: true, ticks: { precision: 0 }, title: { display: !!title, text: title || "" } };
    if (extra) { Object.keys(extra).forEach(function (k) { axis[k] = extra[k]; }); }
    return axis;
  }

  function config(spec) {
    var common = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom" } }
    };
    if (spec.kind === "stacked") {
      return {
        type: "bar",
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (d, i) {
            return { label: d.label, data: d.data, backgroundColor: PALETTE[i % PALETTE.length], maxBarThickness: 56 };
          })
        },
        options: Object.assign({}, common, {
          scales: { x: { stacked: true }, y: numberAxis(spec.y, { stacked: true }) }
        })
      };
    }
    if (spec.kind === "grouped") {
      // Bars side by side on one axis (e.g. hazards reported and confirmed per month).
      return {
        type: "bar",
        data: {
          labels: spec.labels,
          datasets: spec.datasets.map(function (d, i) {
            return { label: d.label, data: d.data, backgroundColor: PALETTE[i % PALETTE.length], maxBarThickness: 28 };
          })
        },
        options: Object.assign({}, common, { scales: { y: numberAxis(spec.y) } })
      };
    }
    if (spec.kind === "target") {
      return {
        type: "bar",
        data: {
          labels: spec.labels,
          datasets: [
            { label: spec.datasets[0].label, data: spec.datasets[0].data, backgroundColor: PALETTE[0], maxBarThickness: 72, order: 2 },
            { label: spec.datasets[1].label, data: spec.datasets[1].data, type: "line", showLine: false,
              pointStyle: "line", pointRadius: 14, pointBorderWidth: 3, pointHoverRadius: 16,
              borderColor: TARGET_COLOUR, backgroundColor: TARGET_COLOUR, order: 1 }
          ]
        },
        options: Object.assign({}, common, {
          scales: { y: numberAxis(spec.y, { max: spec.max || undefined, ticks: { precision: 0 } }) }
        })
      };
    }
    // "bar-line": bars on the left axis, a line on the right one.
    return {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [
          { label: spec.datasets[0].label, data: spec.datasets[0].data, backgroundColor: PALETTE[2], yAxisID: "y", maxBarThickness: 56, order: 2 },
          { label: spec.datasets[1].label, data: spec.datasets[1].data, type: "line", borderColor: PALETTE[5],
            backgroundColor: PALETTE[5], yAxisID: "y2", tension: 0, order: 1 }
        ]
      },
      options: Object.assign({}, common, {
        scales: {
          y: numberAxis(spec.y),
          y2: numberAxis(spec.y2, { position: "right", grid: { drawOnChartArea: false } })
        }
      })
    };
  }

  function draw(root) {
    if (typeof window.Chart === "undefined") { return; }
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var existing = window.Chart.getChart(canvas);
      if (existing) { existing.destroy(); }
      var spec;
      try {
        spec = JSON.parse(canvas.getAttribute("data-chart"));
      } catch (e) {
        return;
      }
      new window.Chart(canvas, config(spec));
      canvas.setAttribute("data-drawn", "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  // Free the charts of content htmx is about to replace.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || typeof window.Chart === "undefined") { return; }
    target.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var chart = window.Chart.getChart(canvas);
      if (chart) { chart.destroy(); }
    });
  });

  // "Print" buttons on the record page (no inline onclick under the CSP).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });
})();
