/* Suggestions pages: rubric total, answer templates, bulk selection, award amounts. No eval, no inline script. */
(function () {
  "use strict";

  // Rubric: show the computed total and the grade it suggests while the reviewer types (the server recomputes).
  function updateRubric(box) {
    var total = 0, complete = true;
    box.querySelectorAll("input[type=number], input[inputmode=numeric]").forEach(function (input) {
      var v = parseInt(input.value, 10);
      if (isNaN(v)) { complete = false; } else { total += v; }
    });
    var form = box.closest("form");
    var totalEl = form && form.querySelector("[data-rubric-total]");
    var gradeEl = form && form.querySelector("[data-rubric-grade]");
    if (!totalEl) { return; }
    totalEl.textContent = complete ? String(total) : "—";
    if (gradeEl) {
      var key = !complete ? null : total >= 90 ? "first" : total >= 80 ? "second" : total >= 70 ? "third" : total >= 60 ? "excellence" : "none";
      gradeEl.textContent = key ? box.getAttribute("data-grade-" + key) : "—";
    }
  }
  function initRubrics(root) {
    (root || document).querySelectorAll("[data-rubric]").forEach(updateRubric);
  }
  document.addEventListener("input", function (event) {
    var box = event.target.closest && event.target.closest("[data-rubric]");
    if (box) { updateRubric(box); }
  });

  // Answer templates: choosing one fills the comment box with its text (still editable).
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select.classList || !select.classList.contains("template-picker")) { return; }
    var option = select.options[select.selectedIndex];
    var body = option && option.getAttribute("data-body");
    var form = select.closest("form");
    var box = form && form.querySelector("textarea[name=comment]");
    if (box && body) { box.value = body; box.dispatchEvent(new Event("input", { bubbles: true })); }
  });

  // Bulk forms: "select all" and the live count; the submit button stays off until something is selected.
  function bulkForms() { return document.querySelectorAll("form[data-bulk]"); }
  function updateBulk() {
    bulkForms().forEach(function (form) {
      var boxes = document.querySelectorAll("input[name=ids][form='" + form.id + "']");
      var n = 0;
      boxes.forEach(function (b) { if (b.checked) { n += 1; } });
      var count = form.querySelector("[data-bulk-count]");
      if (count) { count.textContent = count.getAttribute("data-template-text").replace("__N__", String(n)); }
      var button = form.querySelector("[data-bulk-submit]");
      if (button) { button.disabled = n === 0; }
    });
  }
  document.addEventListener("change", function (event) {
    var t = event.target;
    if (t.hasAttribute && t.hasAttribute("data-check-all")) {
      var table = t.closest("table");
      table.querySelectorAll("input[name=ids]").forEach(function (b) { b.checked = t.checked; });
    }
    if (t.name === "ids" || (t.hasAttribute && t.hasAttribute("data-check-all"))) { updateBulk(); }
  });
  // The bulk template list shows only templates that fit the chosen action.
  document.addEventListener("change", function (event) {
    if (event.target.id !== "bulk-action") { return; }
    var kind = event.target.value;
    var select = document.getElementById("bulk-template");
    if (!select) { return; }
    Array.prototype.forEach.call(select.options, function (o) {
      var k = o.getAttribute("data-kind");
      o.hidden = !!k && k !== kind;
      if (o.hidden && o.selected) { select.value = ""; }
    });
  });

  // Award: changing the grade puts that grade's reward in the amount box, unless the admin typed an amount.
  document.addEventListener("input", function (event) {
    if (event.target.name === "amount" && event.target.closest("form[data-award]")) {
      event.target.setAttribute("data-touched", "1");
    }
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-award]");
    if (!form || event.target.name !== "grade") { return; }
    var amount = form.querySelector("input[name=amount]");
    var value = form.getAttribute("data-reward-" + event.target.value);
    if (amount && value && !amount.getAttribute("data-touched")) {
      amount.value = value;
      amount.dispatchEvent(new Event("input", { bubbles: true }));
      amount.removeAttribute("data-touched");
    }
  });

  // In the suggestion form, Enter in the person search looks people up instead of saving the form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("#suggestion-form input[type=search]")) {
      event.preventDefault();
    }
  });

  function init(root) { initRubrics(root); updateBulk(); }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
