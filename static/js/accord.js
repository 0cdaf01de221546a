// Small behaviours shared by the staff pages. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";

  // <form data-confirm="Archive this client?"> asks once before submitting.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // <button data-copy="#element"> copies that element's text; a [data-copy-status] next to it says so.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    var status = button.parentElement && button.parentElement.querySelector("[data-copy-status]");
    if (!source) return;
    var text = source.textContent.trim();
    var done = function (message) {
      if (status) status.textContent = message;
      var label = button.getAttribute("data-label") || button.textContent;
      button.setAttribute("data-label", label);
      button.textContent = message.indexOf("Copied") === 0 ? "Copied" : label;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(
        function () { done("Copied to the clipboard."); },
        function () { selectText(source); done("Select the key and copy it with Ctrl+C or ⌘C."); }
      );
    } else {
      // Plain http (a dev server on a LAN address): no clipboard API. Select the key instead.
      selectText(source);
      done("Key selected: press Ctrl+C or ⌘C to copy it.");
    }
  });

  // <details data-open-when="audience=chosen">: choosing that radio (or ticking that checkbox) in the
  // same form unfolds the details, e.g. the client list of "Only the clients I tick".
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.form || !input.name || !input.checked) return;
    var wanted = input.name + "=" + input.value;
    input.form.querySelectorAll("details[data-open-when]").forEach(function (details) {
      if (details.getAttribute("data-open-when") === wanted) details.open = true;
    });
  });

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // Inline errors: tie each one to its input (screen readers read it with the field), and put the
  // cursor in the first field that needs fixing.
  function wireFormErrors(root) {
    var errors = root.querySelectorAll(".invalid-feedback[data-error-for][id]");
    errors.forEach(function (error) {
      var input = document.getElementById(error.getAttribute("data-error-for"));
      if (!input) return;
      var ids = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      if (ids.indexOf(error.id) === -1) ids.push(error.id);
      input.setAttribute("aria-describedby", ids.join(" "));
      input.setAttribute("aria-invalid", "true");
    });
    if (errors.length) {
      var first = document.getElementById(errors[0].getAttribute("data-error-for"));
      if (first && typeof first.focus === "function") first.focus();
    }
  }

  // Search results swapped in by htmx: announce the new count once (not the whole table).
  function announceResults() {
    var status = document.getElementById("results-status");
    var summary = document.querySelector("#results [data-results-summary]");
    if (status && summary) status.textContent = summary.textContent.trim();
  }

  // The top bar's search: the down arrow goes from the box into the live results, the arrows move
  // through them, Escape (or a click elsewhere) closes them and returns to the box.
  function topSearchHits(form) {
    return Array.prototype.slice.call(form.querySelectorAll("#top-search-results [data-search-hit]"));
  }
  function closeTopSearch(form, refocus) {
    var results = form.querySelector("#top-search-results");
    if (results) results.innerHTML = "";
    if (refocus) form.querySelector("input[name=q]").focus();
  }
  document.addEventListener("keydown", function (event) {
    var form = event.target.closest && event.target.closest("[data-top-search]");
    if (!form) return;
    var hits = topSearchHits(form);
    var index = hits.indexOf(event.target);
    if (event.key === "Escape") {
      closeTopSearch(form, true);
    } else if (event.key === "ArrowDown" && hits.length) {
      event.preventDefault();
      hits[Math.min(index + 1, hits.length - 1)].focus();
    } else if (event.key === "ArrowUp" && index >= 0) {
      event.preventDefault();
      if (index === 0) form.querySelector("input[name=q]").focus();
      else hits[index - 1].focus();
    }
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("[data-top-search]").forEach(function (form) {
      if (!form.contains(event.target)) closeTopSearch(form, false);
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    wireFormErrors(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "results") announceResults();
  });
})();
