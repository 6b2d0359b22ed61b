// Operator desk: keys, and a new contact pushed over the WebSocket when a call is offered.
(function () {
  "use strict";
  const desk = document.getElementById("desk");
  if (!desk) { return; }
  const record = document.getElementById("desk-record");
  let dirty = false;
  if (record) { record.addEventListener("input", () => { dirty = true; }); }

  function typing(target) {
    return target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && record) {
      event.preventDefault();
      record.requestSubmit();
      return;
    }
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (/^[1-9]$/.test(event.key)) {
      const button = desk.querySelector('[data-key="' + event.key + '"]');
      if (button) { event.preventDefault(); button.click(); }
    } else if (event.key === "n") {
      event.preventDefault();
      document.getElementById("new-contact").click();
    } else if (event.key === "/") {
      const search = document.querySelector("#faq-pane-q, [data-faq-search]") || document.getElementById("desk_faq_ids");
      if (search) { event.preventDefault(); search.focus(); }
    } else if (event.key === "r") {
      event.preventDefault();
      document.getElementById("desk_summary").focus();
    } else if (event.key === "t") {
      event.preventDefault();
      document.getElementById("transfer").scrollIntoView();
      document.getElementById("transfer-heading").focus();
    }
  });

  desk.dataset.ready = "1";  // keys work from here on (browser tests wait for it)

  const url = desk.dataset.socket;
  if (!url || !("WebSocket" in window)) { return; }
  const current = desk.dataset.call || "";
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + url);
    socket.onmessage = (message) => {
      const data = JSON.parse(message.data);
      // Only a ringing offer opens a contact; a call already on the desk stays put.
      if (!data.call || data.state !== "ringing" || data.call.id === current) { return; }
      const target = desk.dataset.deskUrl + "?call=" + encodeURIComponent(data.call.id);
      if (!dirty) { location.assign(target); return; }
      const banner = document.getElementById("offer-banner");
      banner.hidden = false;
      banner.querySelector("a").href = target;
    };
    socket.onclose = () => { setTimeout(connect, 3000); };
  }
  connect();
})();
