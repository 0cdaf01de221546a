// Report charts: each <div data-report-chart="compliance|breaches|utilization|dispute_rate" data-source="…">
// holds a <canvas>; the data comes from the partner API's report endpoints (same figures as the table).
// No inline scripts (strict CSP): this file and the vendored Chart.js are all there is.
(function () {
  "use strict";

  var PRIMARY = "#1f4e79";
  var DANGER = "#b02a37";
  var WARNING = "#d39e00";
  var MUTED = "#6c757d";
  var METRIC_COLOURS = { first_response: "#1f4e79", onsite: "#d39e00", resolution: "#b02a37" };
  var charts = new WeakMap();

  function aspect() {
    return window.matchMedia("(max-width: 575.98px)").matches ? 1.3 : 3;
  }

  function baseOptions(extra) {
    var options = {
      responsive: true,
      maintainAspectRatio: true,
      aspectRatio: aspect(),
      animation: false,
      plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
      scales: {},
    };
    return Object.assign(options, extra || {});
  }

  function goalLine(label, value, count, colour) {
    var data = [];
    for (var i = 0; i < count; i++) data.push(value);
    return {
      type: "line", label: label, data: data, borderColor: colour, borderDash: [6, 4], borderWidth: 2,
      pointRadius: 0, pointHitRadius: 0, fill: false, order: 0,
    };
  }

  var builders = {
    compliance: function (data) {
      var rows = data.rows;
      var goal = data.goal_percent;
      return {
        type: "bar",
        data: {
          labels: rows.map(function (r) { return r.label; }),
          datasets: [
            {
              type: "bar", label: "% met", order: 1,
              data: rows.map(function (r) { return r.percent; }),
              backgroundColor: rows.map(function (r) {
                if (r.percent === null) return MUTED;
                return r.percent >= goal ? PRIMARY : r.percent >= goal - 10 ? WARNING : DANGER;
              }),
              borderRadius: 3, maxBarThickness: 48,
            },
            goalLine("Goal " + goal + " %", goal, rows.length, "#198754"),
          ],
        },
        options: baseOptions({
          scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } } },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 14 } },
            tooltip: {
              callbacks: {
                afterLabel: function (ctx) {
                  var r = rows[ctx.dataIndex];
                  return ctx.dataset.type === "bar" && r ? r.met + " met, " + r.breached + " breached" : "";
                },
              },
            },
          },
        }),
      };
    },

    breaches: function (data) {
      var priorities = ["P1", "P2", "P3", "P4"];
      var metrics = {};
      data.rows.forEach(function (r) {
        if (!metrics[r.metric]) metrics[r.metric] = { label: r.metric_label, counts: { P1: 0, P2: 0, P3: 0, P4: 0 } };
        metrics[r.metric].counts[r.priority] += 1;
      });
      var datasets = Object.keys(metrics).map(function (key) {
        return {
          label: metrics[key].label,
          data: priorities.map(function (p) { return metrics[key].counts[p]; }),
          backgroundColor: METRIC_COLOURS[key] || MUTED, borderRadius: 3, maxBarThickness: 64,
        };
      });
      return {
        type: "bar",
        data: { labels: priorities, datasets: datasets },
        options: baseOptions({
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        }),
      };
    },

    utilization: function (data) {
      var rows = data.rows.filter(function (r) { return r.percent !== null; }).slice(0, 20);
      var target = data.target_percent;
      var top = Math.max.apply(null, rows.map(function (r) { return r.percent; }).concat([target * 1.5]));
      return {
        type: "bar",
        data: {
          labels: rows.map(function (r) { return r.client; }),
          datasets: [
            {
              type: "bar", label: "Tickets per 100 endpoints", order: 1,
              data: rows.map(function (r) { return r.percent; }),
              backgroundColor: rows.map(function (r) { return r.over_target ? DANGER : PRIMARY; }),
              borderRadius: 3, maxBarThickness: 36,
            },
            goalLine("Target " + target + " %", target, rows.length, WARNING),
          ],
        },
        options: baseOptions({
          scales: {
            x: { ticks: { autoSkip: false, maxRotation: 60, minRotation: 30 } },
            y: { beginAtZero: true, suggestedMax: Math.ceil(top / 10) * 10, ticks: { callback: function (v) { return v + " %"; } } },
          },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 14 } },
            tooltip: {
              callbacks: {
                afterLabel: function (ctx) {
                  var r = rows[ctx.dataIndex];
                  return ctx.dataset.type === "bar" && r ? r.tickets + " tickets, " + r.endpoints + " endpoints" : "";
                },
              },
            },
          },
        }),
      };
    },

    // Billing's dispute rate (billing:dispute_rate_json): two shares per month issued.
    dispute_rate: function (data) {
      var rows = data.rows;
      function percent(v) { return v === null ? null : v; }
      return {
        type: "bar",
        data: {
          labels: rows.map(function (r) { return r.label; }),
          datasets: [
            {
              label: "% of invoices disputed", data: rows.map(function (r) { return percent(r.invoice_percent); }),
              backgroundColor: PRIMARY, borderRadius: 3, maxBarThickness: 32,
            },
            {
              label: "% of the amount billed", data: rows.map(function (r) { return percent(r.amount_percent); }),
              backgroundColor: WARNING, borderRadius: 3, maxBarThickness: 32,
            },
          ],
        },
        options: baseOptions({
          scales: { y: { beginAtZero: true, suggestedMax: 10, ticks: { callback: function (v) { return v + " %"; } } } },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 14 } },
            tooltip: {
              callbacks: {
                afterLabel: function (ctx) {
                  var r = rows[ctx.dataIndex];
                  if (!r) return "";
                  return ctx.datasetIndex === 0
                    ? r.disputed + " of " + r.invoices + " invoices"
                    : r.amount_disputed + " of " + r.billed + " " + data.currency;
                },
              },
            },
          },
        }),
      };
    },

    // Revenue and labour cost side by side for the weakest margins (the API answers losses first).
    profitability: function (data) {
      var rows = data.results.slice(0, 10);
      var money = function (v) { return Number(v); };
      return {
        type: "bar",
        data: {
          labels: rows.map(function (r) { return r.client; }),
          datasets: [
            { label: "Revenue", data: rows.map(function (r) { return money(r.revenue); }),
              backgroundColor: PRIMARY, borderRadius: 3, maxBarThickness: 28 },
            { label: "Labour cost", data: rows.map(function (r) { return money(r.cost); }),
              backgroundColor: rows.map(function (r) { return r.is_loss ? DANGER : MUTED; }),
              borderRadius: 3, maxBarThickness: 28 },
          ],
        },
        options: baseOptions({
          scales: {
            x: { ticks: { autoSkip: false, maxRotation: 60, minRotation: 30 } },
            y: { beginAtZero: true, ticks: { callback: function (v) { return data.currency + " " + v; } } },
          },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 14 } },
            tooltip: {
              callbacks: {
                afterBody: function (items) {
                  var r = rows[items[0].dataIndex];
                  return r ? "Margin " + data.currency + " " + r.margin : "";
                },
              },
            },
          },
        }),
      };
    },
  };

  function showProblem(container, text) {
    var note = container.querySelector("[data-chart-problem]");
    if (!note) {
      note = document.createElement("p");
      note.className = "small text-body-secondary mb-0";
      note.setAttribute("data-chart-problem", "");
      container.appendChild(note);
    }
    note.textContent = text;
  }

  function draw(container) {
    var kind = container.getAttribute("data-report-chart");
    var source = container.getAttribute("data-source");
    var canvas = container.querySelector("canvas");
    if (!builders[kind] || !source || !canvas || typeof window.Chart === "undefined") return;
    fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        var previous = charts.get(canvas);
        if (previous) previous.destroy();
        charts.set(canvas, new window.Chart(canvas, builders[kind](data)));
      })
      .catch(function () {
        showProblem(container, "The chart could not be loaded; the table below has the figures.");
      });
  }

  function drawAll(root) {
    (root || document).querySelectorAll("[data-report-chart]").forEach(draw);
  }

  // Typing dates of your own means a custom range: switch the period to it (a preset ignores dates).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-report-filters] input[type=date]")) return;
    var select = input.form && input.form.querySelector("[data-period-select]");
    if (select) select.value = "custom";
  });

  // A preset ignores dates: leave them out of the request, so the URL that is pushed (and bookmarked) is clean.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    var params = event.detail.parameters;
    if (!form || !form.matches || !form.matches("[data-report-filters]")) return;
    if (params.period && params.period !== "custom") {
      delete params.start;
      delete params.end;
    }
  });

  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  // Filters swap the report in place (htmx): draw the new charts.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "report") drawAll(event.detail.target);
  });
})();
