// Report charts: each <div data-report-chart="compliance|breaches|utilization|profitability|mrr-…|dispute_rate|reward_cost" data-source="…">
// holds a <canvas>; the data comes from the partner API's report endpoints (same figures as the table).
// Several charts of one page may share a source (the revenue page): it is fetched once.
// No inline scripts (strict CSP): this file and the vendored Chart.js are all there is.
(function () {
  "use strict";

  var PRIMARY = "#1f4e79";
  var DANGER = "#b02a37";
  var WARNING = "#d39e00";
  var MUTED = "#6c757d";
  var METRIC_COLOURS = { first_response: "#1f4e79", onsite: "#d39e00", resolution: "#b02a37" };
  var MOVEMENT_COLOURS = {
    new: "#198754", expansion: "#1f4e79", reactivated: "#20c997", contraction: "#d39e00", churned: "#b02a37",
  };
  var MOVEMENT_LABELS = {
    new: "New", expansion: "Expansion", reactivated: "Reactivated", contraction: "Contraction", churned: "Churned",
  };

  function amount(value) {
    return value === null || value === undefined ? null : parseFloat(value);
  }

  function moneyTick(currency) {
    var format;
    try {
      format = new Intl.NumberFormat(undefined, { style: "currency", currency: currency, maximumFractionDigits: 0 });
    } catch (e) {
      format = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
    }
    return function (v) { return format.format(v); };
  }

  function monthLabel(row) {
    var parts = row.month.split("-");
    var label = new Date(Date.UTC(+parts[0], +parts[1] - 1, 1))
      .toLocaleDateString(undefined, { month: "short", year: "2-digit", timeZone: "UTC" });
    return row.to_date ? label + " (to date)" : label;
  }

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

  var charts = new WeakMap();
  var pending = {};

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

    // Breaches per priority and metric (api:report-breaches-by-priority: counted in SQL, not the list's rows).
    breaches: function (data) {
      var priorities = ["P1", "P2", "P3", "P4"];
      var metrics = {};
      data.rows.forEach(function (r) {
        if (!metrics[r.metric]) metrics[r.metric] = { label: r.metric_label, counts: { P1: 0, P2: 0, P3: 0, P4: 0 } };
        metrics[r.metric].counts[r.priority] += r.count;
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

    // What the rewards programs cost per month (rewards:cost_json), stacked by program.
    reward_cost: function (data) {
      var colours = {
        utilization: PRIMARY, best_practices: "#198754", anniversary: WARNING,
        customer_of_the_month: "#6f42c1", referral: "#20c997",
      };
      return {
        type: "bar",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (s) {
            return {
              label: s.label, data: s.values.map(Number), backgroundColor: colours[s.program] || MUTED,
              borderRadius: 2, maxBarThickness: 32, stack: "cost",
            };
          }),
        },
        options: baseOptions({
          scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { callback: moneyTick(data.currency) } } },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 14 } } },
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

    "mrr-movements": function (data) {
      var rows = data.months;
      var money = moneyTick(data.currency);
      var datasets = ["new", "expansion", "reactivated", "contraction", "churned"].map(function (kind) {
        return {
          type: "bar", label: MOVEMENT_LABELS[kind], order: 1, stack: "moves",
          data: rows.map(function (r) { return amount(r[kind]); }),
          backgroundColor: MOVEMENT_COLOURS[kind], borderRadius: 2, maxBarThickness: 36,
        };
      });
      datasets.push({
        type: "line", label: "Net change", order: 0, data: rows.map(function (r) { return amount(r.net); }),
        borderColor: "#212529", backgroundColor: "#212529", borderWidth: 2, pointRadius: 2, fill: false,
      });
      return {
        type: "bar",
        data: { labels: rows.map(monthLabel), datasets: datasets },
        options: baseOptions({
          scales: { x: { stacked: true }, y: { stacked: true, ticks: { callback: money } } },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 14 } },
            tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + money(ctx.parsed.y); } } },
          },
        }),
      };
    },

    "mrr-trend": function (data) {
      var rows = data.months;
      var money = moneyTick(data.currency);
      return {
        type: "line",
        data: {
          labels: rows.map(monthLabel),
          datasets: [{
            label: "MRR", data: rows.map(function (r) { return amount(r.closing); }), borderColor: PRIMARY,
            backgroundColor: "rgba(31, 78, 121, 0.12)", fill: true, tension: 0.2, pointRadius: 2,
          }],
        },
        options: baseOptions({
          aspectRatio: window.matchMedia("(max-width: 575.98px)").matches ? 1.3 : 1.8,
          scales: { y: { beginAtZero: true, ticks: { callback: money } } },
          plugins: {
            legend: { display: false },
            tooltip: { callbacks: { label: function (ctx) { return "MRR " + money(ctx.parsed.y); } } },
          },
        }),
      };
    },

    "mrr-retention": function (data) {
      var rows = data.months;
      function trailing(key) {
        return rows.map(function (r) { return r.trailing_12_months ? r.trailing_12_months[key] : null; });
      }
      return {
        type: "line",
        data: {
          labels: rows.map(monthLabel),
          datasets: [
            { label: "Net retention (NRR)", data: trailing("nrr_percent"), borderColor: PRIMARY, backgroundColor: PRIMARY, pointRadius: 2 },
            { label: "Gross retention (GRR)", data: trailing("grr_percent"), borderColor: "#198754", backgroundColor: "#198754", pointRadius: 2 },
            { label: "Logo churn", data: trailing("logo_churn_percent"), borderColor: DANGER, backgroundColor: DANGER, borderDash: [4, 3], pointRadius: 2 },
            goalLine("100 %", 100, rows.length, MUTED),
          ],
        },
        options: baseOptions({
          aspectRatio: window.matchMedia("(max-width: 575.98px)").matches ? 1.3 : 1.8,
          scales: { y: { beginAtZero: true, suggestedMax: 110, ticks: { callback: function (v) { return v + " %"; } } } },
        }),
      };
    },

    "mrr-plans": function (data) {
      var rows = data.plans.filter(function (r) { return r.clients > 0; });
      var money = moneyTick(data.currency);
      return {
        type: "bar",
        data: {
          labels: rows.map(function (r) { return r.kind === "rider" ? r.name + " (rider)" : r.name; }),
          datasets: [{
            label: "MRR today", data: rows.map(function (r) { return amount(r.mrr); }),
            backgroundColor: rows.map(function (r) { return r.kind === "rider" ? "#20c997" : PRIMARY; }),
            borderRadius: 3, maxBarThickness: 28,
          }],
        },
        options: baseOptions({
          indexAxis: "y",
          aspectRatio: window.matchMedia("(max-width: 575.98px)").matches ? 1.3 : 2.2,
          scales: { x: { beginAtZero: true, ticks: { callback: money } } },
          plugins: {
            legend: { display: false },
            tooltip: {
              callbacks: {
                label: function (ctx) {
                  var r = rows[ctx.dataIndex];
                  return money(ctx.parsed.x) + " · " + r.clients + " client" + (r.clients === 1 ? "" : "s");
                },
              },
            },
          },
        }),
      };
    },

    "mrr-coverage": function (data) {
      var signed = data.coverage.filter(function (r) { return r.key === "signed"; })[0] || {};
      var unsigned = data.coverage.filter(function (r) { return r.key === "unsigned"; })[0] || {};
      return {
        type: "bar",
        data: {
          labels: ["Clients", "MRR"],
          datasets: [
            { label: "Signed", data: [signed.clients_percent, signed.mrr_percent], backgroundColor: "#198754", borderRadius: 2 },
            { label: "Not signed", data: [unsigned.clients_percent, unsigned.mrr_percent], backgroundColor: WARNING, borderRadius: 2 },
          ],
        },
        options: baseOptions({
          indexAxis: "y",
          aspectRatio: window.matchMedia("(max-width: 575.98px)").matches ? 1.8 : 2.6,
          scales: {
            x: { stacked: true, min: 0, max: 100, ticks: { callback: function (v) { return v + " %"; } } },
            y: { stacked: true },
          },
          plugins: {
            legend: { position: "bottom", labels: { boxWidth: 14 } },
            tooltip: { callbacks: { label: function (ctx) { return ctx.dataset.label + ": " + (ctx.parsed.x === null ? "—" : ctx.parsed.x + " %"); } } },
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

  // One request per source while it is in flight: the revenue page's five charts share one answer.
  function load(source) {
    if (!pending[source]) {
      pending[source] = fetch(source, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.json();
        });
      pending[source].then(forget, forget);
    }
    return pending[source];

    function forget() { window.setTimeout(function () { delete pending[source]; }, 0); }
  }

  function draw(container) {
    var kind = container.getAttribute("data-report-chart");
    var source = container.getAttribute("data-source");
    var canvas = container.querySelector("canvas");
    if (!builders[kind] || !source || !canvas || typeof window.Chart === "undefined") return;
    load(source)
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
