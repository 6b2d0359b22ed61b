/* Operator FAQ pane (knowledge/console/_faq_pane.html): keyboard-first search. */
(function () {
  "use strict";
  function init(pane) {
    var box = pane.querySelector("#faq-pane-q");
    var form = pane.querySelector(".faq-pane-form");
    var list = pane.querySelector("#faq-pane-results");
    var terms = pane.querySelector("#faq-pane-terms");
    var status = pane.querySelector("#faq-pane-status");
    var answer = pane.querySelector("#faq-pane-answer");
    var csrf = pane.querySelector("input[name=csrfmiddlewaretoken]");
    var interaction = pane.dataset.interaction;
    var hits = [];
    var selected = -1;
    var timer = null;
    var serial = 0;

    function get(url, params) {
      var q = new URLSearchParams(params).toString();
      return fetch(url + "?" + q, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); });
    }

    function render(items, label) {
      hits = items;
      selected = -1;
      list.textContent = "";
      items.forEach(function (hit, i) {
        var li = document.createElement("li");
        li.id = "faq-pane-hit-" + i;
        li.className = "faq-pane-hit";
        li.setAttribute("role", "option");
        li.dataset.index = String(i);
        var code = document.createElement("span");
        code.className = "code";
        code.textContent = hit.code;
        li.appendChild(code);
        li.appendChild(document.createTextNode(" " + hit.question));
        li.addEventListener("click", function () { select(i); open(i); });
        list.appendChild(li);
      });
      status.textContent = label;
    }

    function renderTerms(words) {
      terms.textContent = "";
      words.forEach(function (word) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.className = "button link";
        b.textContent = word;
        b.addEventListener("click", function () { box.value = word; search(); });
        li.appendChild(b);
        terms.appendChild(li);
      });
    }

    function select(i) {
      var items = list.querySelectorAll("li");
      if (!items.length) { return; }
      selected = Math.max(0, Math.min(i, items.length - 1));
      items.forEach(function (li, j) { li.setAttribute("aria-selected", j === selected ? "true" : "false"); });
      items[selected].scrollIntoView({ block: "nearest" });
      box.setAttribute("aria-activedescendant", items[selected].id);
    }

    function open(i) {
      var hit = hits[i];
      if (!hit) { return; }
      answer.textContent = "";
      var h = document.createElement("h3");
      h.textContent = hit.code + " " + hit.question;
      var body = document.createElement("div");
      body.className = "answer";
      body.textContent = hit.answer;
      answer.appendChild(h);
      answer.appendChild(body);
      var target = pane.dataset.target ? document.getElementById(pane.dataset.target) : null;
      if (interaction || target) {
        var use = document.createElement("button");
        use.type = "button";
        use.className = "button primary faq-pane-use";
        use.textContent = "使用";
        use.addEventListener("click", function () {
          if (interaction) { markUsed(hit, use); } else { addToTarget(target, hit, use); }
        });
        answer.appendChild(use);
      }
      answer.hidden = false;
      answer.focus();
      countView(hit);
    }

    function countView(hit) {
      if (!pane.dataset.viewUrl) { return; }
      fetch(pane.dataset.viewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
        body: new URLSearchParams({ faq: hit.code })
      });
    }

    function addToTarget(input, hit, button) {
      var codes = input.value.split(/[\s,、]+/).filter(function (c) { return c; });
      if (codes.indexOf(hit.code) < 0) { codes.push(hit.code); }
      input.value = codes.join(",");
      button.textContent = "使用済み";
      button.disabled = true;
      status.textContent = hit.code + " を応対に追加しました（記録時に保存）。";
      pane.dispatchEvent(new CustomEvent("faq-pane:used", { detail: { faq: hit.code, faq_ids: codes } }));
    }

    function markUsed(hit, button) {
      var data = new URLSearchParams({ interaction: interaction, faq: hit.code });
      fetch(pane.dataset.useUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
        body: data
      }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (res.ok) {
            button.textContent = "使用済み";
            button.disabled = true;
            status.textContent = hit.code + " を応対に記録しました。";
            pane.dispatchEvent(new CustomEvent("faq-pane:used", { detail: res.body }));
          } else {
            status.textContent = res.body.error || "記録できませんでした。";
          }
        });
    }

    function suggest() {
      var text = box.value.trim();
      var mine = ++serial;
      if (!text) { render([], ""); renderTerms([]); return; }
      get(pane.dataset.suggestUrl, { q: text }).then(function (body) {
        if (mine !== serial) { return; }
        var seen = {};
        var items = [];
        body.top.concat(body.questions).forEach(function (h) {
          if (!seen[h.code]) { seen[h.code] = true; items.push(h); }
        });
        renderTerms(body.terms.slice(0, 6));
        render(items, items.length ? "候補 " + items.length + " 件（Enterで検索）" : "Enterで検索します。");
      });
    }

    function search() {
      clearTimeout(timer);  // a pending suggestion must not replace the results
      var text = box.value.trim();
      var mine = ++serial;
      if (!text) { return; }
      get(pane.dataset.searchUrl, { q: text }).then(function (body) {
        if (mine !== serial) { return; }
        renderTerms([]);
        var label = body.hits.length ? "検索結果 " + body.hits.length + " 件" : "該当するFAQがありません。";
        if (body.hits.length && !body.strict_hit) { label += "（確かな一致なし）"; }
        render(body.hits, label);
        if (body.hits.length) { select(0); }
      });
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); search(); });
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(suggest, 150);
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "ArrowDown") { e.preventDefault(); select(selected + 1); }
      else if (e.key === "ArrowUp") { e.preventDefault(); select(selected - 1); }
      else if (e.key === "Enter" && selected >= 0 && hits.length) { e.preventDefault(); open(selected); }
      else if (e.key === "Escape") { answer.hidden = true; }
    });
    answer.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { answer.hidden = true; box.focus(); }
    });
    document.addEventListener("keydown", function (e) {
      var t = e.target;
      var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
      if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        box.focus();
        box.select();
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".faq-pane").forEach(init);
  });
})();
