/* Portal behaviour. Loaded with defer from static/, so no inline script is ever needed (strict CSP). */
(function () {
  "use strict";

  // htmx "settles" a swapped element by copying the old element's attributes onto the new one, style included.
  // Copying a style attribute is an inline style, which the CSP (style-src 'self') refuses with a console error
  // whenever a script or the browser had touched the old element's style. Nothing here animates inline styles.
  if (window.htmx) { window.htmx.config.attributesToSettle = ["class", "width", "height"]; }

  // Forms with data-confirm ask before submitting (destructive actions). Without JS they submit directly.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    // Disable the submit buttons of a plain form while it is sent, so nobody submits twice.
    if (!form.hasAttribute("hx-post") && !form.hasAttribute("hx-get") && !event.defaultPrevented) {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
          b.disabled = true;
          b.setAttribute("aria-busy", "true");
        });
      }, 0);
    }
  }, true);

  // Re-enable buttons when a page is shown again from the back/forward cache.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("button[aria-busy=true]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("aria-busy");
    });
  });

  // htmx confirmation uses the same attribute as plain forms.
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    var question = elt.getAttribute("data-confirm") || (elt.form && elt.form.getAttribute("data-confirm"));
    if (question && elt.tagName !== "FORM") {
      event.preventDefault();
      if (window.confirm(question)) { event.detail.issueRequest(true); }
    }
  });

  function toast(message, tone) {
    var box = document.getElementById("toasts");
    if (!box) { window.alert(message); return; }
    var el = document.createElement("div");
    el.className = "toast align-items-center text-bg-" + (tone || "danger") + " border-0 show";
    el.setAttribute("role", "alert");
    var body = document.createElement("div");
    body.className = "d-flex";
    var text = document.createElement("div");
    text.className = "toast-body";
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("aria-label", document.documentElement.lang === "en" ? "Close" : "关闭");
    close.addEventListener("click", function () { el.remove(); });
    body.appendChild(text);
    body.appendChild(close);
    el.appendChild(body);
    box.appendChild(el);
    window.setTimeout(function () { el.remove(); }, 8000);
  }
  window.portalToast = toast;

  // htmx does not swap error responses; tell the user instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var en = document.documentElement.lang === "en";
    var msg;
    if (status === 403) { msg = en ? "You are not allowed to do this." : "您没有权限执行这个操作。"; }
    else if (status === 404) { msg = en ? "This item no longer exists." : "该记录不存在或已被删除。"; }
    else if (status === 400) { msg = en ? "The page has expired. Please reload it and try again." : "页面已过期，请刷新后重试。"; }
    else if (status === 413) { msg = en ? "The upload is too large." : "上传的文件过大。"; }
    else if (status === 429) { msg = en ? "Too many attempts. Please wait a while." : "操作过于频繁，请稍后再试。"; }
    else { msg = en ? "Something went wrong on the server. Please try again." : "服务器出错了，请稍后重试。"; }
    toast(msg, "danger");
  });
  document.addEventListener("htmx:sendError", function () {
    var en = document.documentElement.lang === "en";
    toast(en ? "The server cannot be reached. Check the network and try again." : "无法连接服务器，请检查网络后重试。", "warning");
  });

  // Widths and heights come from data attributes, since the CSP forbids style attributes.
  function applySizes(root) {
    (root || document).querySelectorAll("[data-width]").forEach(function (el) {
      el.style.width = el.getAttribute("data-width");
    });
  }
  document.addEventListener("DOMContentLoaded", function () { applySizes(document); });
  document.addEventListener("htmx:afterSettle", function (event) { applySizes(event.target); });

  // An inline form that htmx has just put in place (a decision in the review queue) takes the keyboard focus:
  // its first refused field, else its first field. Otherwise the focus falls back to the top of the page.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.target;
    var form = root.matches && root.matches("form[data-focus-first]") ? root
      : root.querySelector && root.querySelector("form[data-focus-first]");
    if (!form) { return; }
    var field = form.querySelector("[aria-invalid=true]") ||
      form.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])");
    if (field) { field.focus(); }
  });
})();

/* Person picker: clicking a search result adds its 工号 to the picker's field (comma separated, no repeats). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-employee]");
    if (!button) { return; }
    var field = document.getElementById(button.getAttribute("data-target"));
    if (!field) { return; }
    var picker = field.closest(".person-picker");
    var search = picker && picker.querySelector("[data-picker-max]");
    var max = search ? parseInt(search.getAttribute("data-picker-max"), 10) : 99;
    var values = field.value.split(/[\s,;，；、]+/).filter(function (v) { return v; });
    var no = button.getAttribute("data-pick-employee");
    if (values.indexOf(no) === -1) {
      if (values.length >= max) {
        window.portalToast((document.documentElement.lang === "en" ? "At most " + max + " people." : "最多选择 " + max + " 人。"), "warning");
        return;
      }
      values.push(no);
    }
    field.value = max === 1 ? no : values.join(", ");
    field.dispatchEvent(new Event("change", { bubbles: true }));
    if (search) { search.value = ""; search.focus(); }
    var results = document.getElementById(field.id + "-results");
    if (results) { results.innerHTML = ""; }
  });
})();

/* Department and workshop pickers (macros/forms.html picker_box): a combobox whose matches come from /pick/<source>.
   Arrow keys move through the matches, Enter or a click takes one (its id goes to the hidden input, which fires
   "change" so a filter form refreshes), Escape closes the list. Typing clears the chosen id. */
(function () {
  "use strict";
  function parts(el) {
    var box = el.closest("[data-picker]");
    if (!box) { return null; }
    return { box: box, input: box.querySelector("[data-picker-input]"), value: box.querySelector("[data-picker-value]"),
             results: box.querySelector(".picker-results") };
  }
  function options(p) { return Array.prototype.slice.call(p.results.querySelectorAll("[role=option]")); }
  function close(p) {
    p.results.innerHTML = "";
    p.input.setAttribute("aria-expanded", "false");
    p.input.removeAttribute("aria-activedescendant");
  }
  function add(p, option) {
    // A multiple picker: the chosen row becomes one more ticked box named like the field (no repeats).
    var name = p.box.getAttribute("data-picker-multi"), value = option.getAttribute("data-pick-value");
    var chosen = p.box.querySelector(".picker-chosen");
    var present = Array.prototype.some.call(chosen.querySelectorAll("input[type=checkbox]"), function (b) {
      if (b.value === value) { b.checked = true; return true; }
      return false;
    });
    if (!present) {
      var wrap = document.createElement("div");
      wrap.className = "form-check form-check-inline border rounded px-4 py-1 m-0";
      var box = document.createElement("input");
      box.type = "checkbox"; box.className = "form-check-input"; box.name = name; box.value = value; box.checked = true;
      box.id = p.input.id + "-chosen-v" + value;
      var text = document.createElement("label");
      text.className = "form-check-label"; text.htmlFor = box.id; text.textContent = option.getAttribute("data-pick-label");
      wrap.appendChild(box); wrap.appendChild(text); chosen.appendChild(wrap);
    }
    p.input.value = "";
    close(p);
    p.input.focus();
  }
  function choose(p, option) {
    if (p.box.hasAttribute("data-picker-multi")) { add(p, option); return; }
    p.value.removeAttribute("data-picker-cleared");
    var changed = p.value.value !== option.getAttribute("data-pick-value");
    p.value.value = option.getAttribute("data-pick-value");
    p.input.value = option.getAttribute("data-pick-label");
    p.input.title = p.input.value;
    p.input.classList.remove("is-invalid");
    close(p);
    p.box.querySelectorAll(".picker-candidates").forEach(function (el) { el.remove(); });
    p.input.focus();
    if (changed) { p.value.dispatchEvent(new Event("change", { bubbles: true })); }
  }
  function activate(p, index) {
    var list = options(p);
    if (!list.length) { return; }
    index = (index + list.length) % list.length;
    list.forEach(function (o, i) {
      o.classList.toggle("active", i === index);
      o.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    p.input.setAttribute("aria-activedescendant", list[index].id);
    list[index].scrollIntoView({ block: "nearest" });
  }
  function current(p) {
    var list = options(p);
    for (var i = 0; i < list.length; i++) { if (list[i].classList.contains("active")) { return i; } }
    return -1;
  }
  document.addEventListener("keydown", function (event) {
    if (!event.target.matches || !event.target.matches("[data-picker-input]")) { return; }
    var p = parts(event.target);
    if (!p) { return; }
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!options(p).length) { window.htmx && window.htmx.trigger(p.input, "input"); return; }
      event.preventDefault();
      var at = current(p);
      activate(p, event.key === "ArrowDown" ? at + 1 : (at < 0 ? -1 : at - 1));
    } else if (event.key === "Enter") {
      var list = options(p), index = current(p);
      if (index >= 0) { event.preventDefault(); choose(p, list[index]); }
      else if (list.length === 1) { event.preventDefault(); choose(p, list[0]); }
    } else if (event.key === "Escape" && options(p).length) {
      event.preventDefault();
      close(p);
    }
  });
  // A chosen department reads as its path; a long one is shown from its end (the unit itself), in full on hover.
  function showEnd(input) { if (input.value && document.activeElement !== input) { input.scrollLeft = input.scrollWidth; } }
  function showEnds(root) { root.querySelectorAll("[data-picker-input]").forEach(showEnd); }
  document.addEventListener("DOMContentLoaded", function () { showEnds(document); });
  document.addEventListener("htmx:afterSettle", function (event) { showEnds(event.target); });
  document.addEventListener("focusout", function (event) {
    if (event.target.matches && event.target.matches("[data-picker-input]")) { showEnd(event.target); }
  });
  document.addEventListener("input", function (event) {
    if (!event.target.matches || !event.target.matches("[data-picker-input]")) { return; }
    var p = parts(event.target);
    if (p && p.value && p.value.value) {
      p.value.value = "";
      p.value.setAttribute("data-picker-cleared", "1");
    }
  });
  // A box emptied and left: the choice is gone (a filter form refreshes then, not while someone types).
  document.addEventListener("change", function (event) {
    if (!event.target.matches || !event.target.matches("[data-picker-input]")) { return; }
    var p = parts(event.target);
    if (p && p.value && p.value.hasAttribute("data-picker-cleared") && !p.input.value.trim()) {
      p.value.removeAttribute("data-picker-cleared");
      p.value.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  document.addEventListener("click", function (event) {
    var option = event.target.closest && event.target.closest("[data-picker] [data-pick-value]");
    if (option) { choose(parts(option), option); return; }
    document.querySelectorAll("[data-picker] .picker-results").forEach(function (results) {
      if (!results.closest("[data-picker]").contains(event.target)) { close(parts(results)); }
    });
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    var p = event.target.classList && event.target.classList.contains("picker-results") ? parts(event.target) : null;
    if (p) { p.input.setAttribute("aria-expanded", options(p).length ? "true" : "false"); }
  });
})();
