/* As-you-type suggestions for the FAQ search box (progressive enhancement).
 *
 * Without this script the search form simply submits. With it, the input becomes an
 * ARIA 1.2 combobox: a listbox of three groups (terms, FAQ questions containing the
 * text, the top three FAQs of a search for the text typed so far), arrow keys move,
 * Enter picks, Escape closes; the number of suggestions is announced politely.
 * Group labels and the announcement come from data-* attributes (translated). */
(function () {
  "use strict";
  var DELAY_MS = 150;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function enhance(form, formIndex) {
    var input = form.querySelector('input[name="q"]');
    var url = form.getAttribute("data-suggest-url");
    if (!input || !url || !window.fetch) { return; }
    var base = "suggest-" + formIndex;
    var list = el("div", { role: "listbox", id: base + "-list", "class": "suggest-list",
                           "aria-label": form.getAttribute("data-label-list") || "" });
    list.hidden = true;
    var status = el("p", { role: "status", "class": "visually-hidden", id: base + "-status" });
    input.parentNode.parentNode.insertBefore(list, input.parentNode.nextSibling);
    form.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);

    var timer = null, sequence = 0, options = [], active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(index) {
      options.forEach(function (o, i) { o.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(option) {
      var href = option.getAttribute("data-href");
      if (href) { window.location.assign(href); return; }
      input.value = option.getAttribute("data-term");
      close();
      form.submit();
    }

    function group(key, label, items, make) {
      if (!items.length) { return; }
      var g = el("div", { role: "group", "aria-labelledby": base + "-" + key, "class": "suggest-group" });
      g.appendChild(el("div", { role: "presentation", id: base + "-" + key, "class": "suggest-label" }, label));
      items.forEach(function (item) {
        var o = make(item);
        o.id = base + "-opt-" + options.length;
        o.setAttribute("role", "option");
        o.setAttribute("aria-selected", "false");
        o.className = "suggest-option";
        o.addEventListener("mousedown", function (e) { e.preventDefault(); });
        o.addEventListener("click", function () { choose(o); });
        options.push(o);
        g.appendChild(o);
      });
      list.appendChild(g);
    }

    function render(data) {
      list.textContent = "";
      options = [];
      active = -1;
      group("terms", form.getAttribute("data-label-terms"), data.terms, function (term) {
        var o = el("div", { "data-term": term }, term);
        return o;
      });
      var faq = function (item) {
        var o = el("div", { "data-href": item.url }, item.question);
        if (item.lang && item.lang !== document.documentElement.lang) { o.setAttribute("lang", item.lang); }
        return o;
      };
      group("top", form.getAttribute("data-label-top"), data.top, faq);
      group("questions", form.getAttribute("data-label-questions"), data.questions, faq);
      var count = options.length;
      status.textContent = (form.getAttribute("data-label-count") || "").replace("{n}", String(count));
      if (count) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      } else {
        close();
      }
    }

    function fetchNow() {
      var q = input.value.trim();
      var mine = ++sequence;
      if (!q) { close(); status.textContent = ""; return; }
      fetch(url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" },
                                                  credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : { terms: [], questions: [], top: [] }; })
        .then(function (data) { if (mine === sequence) { render(data); } })
        .catch(function () { close(); });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchNow, DELAY_MS);
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown" && options.length) {
        e.preventDefault();
        if (list.hidden) { list.hidden = false; input.setAttribute("aria-expanded", "true"); }
        setActive((active + 1) % options.length);
      } else if (e.key === "ArrowUp" && options.length) {
        e.preventDefault();
        setActive(active <= 0 ? options.length - 1 : active - 1);
      } else if (e.key === "Enter" && active >= 0 && !list.hidden) {
        e.preventDefault();
        choose(options[active]);
      } else if (e.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  function init() {
    var forms = document.querySelectorAll("form.faq-search[data-suggest-url]");
    Array.prototype.forEach.call(forms, enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
