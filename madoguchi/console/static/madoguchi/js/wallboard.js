// Live wallboard: draws the snapshot the server pushes over the WebSocket (TEL-7).
(function () {
  "use strict";
  const board = document.getElementById("wallboard");
  if (!board) { return; }
  const stateLabels = { available: "受付可", ringing: "呼出し中", on_call: "通話中", wrap_up: "後処理", not_ready: "離席" };
  const pct = (v) => (v === null || v === undefined) ? "—" : (v * 100).toFixed(1) + "%";
  const sec = (v) => (v === null || v === undefined) ? "—" : v.toFixed(1) + " 秒";
  function cell(row, text) { const td = document.createElement("td"); td.textContent = text; row.appendChild(td); }
  function table(id, rows) {
    const body = document.getElementById(id);
    body.replaceChildren();
    for (const f of rows) {
      const tr = document.createElement("tr");
      cell(tr, f.label); cell(tr, f.offered); cell(tr, f.answered); cell(tr, f.abandoned);
      cell(tr, pct(f.answer_rate)); cell(tr, sec(f.asa_s)); cell(tr, pct(f.service_level));
      body.appendChild(tr);
    }
  }
  function draw(s) {
    document.getElementById("wb-waiting").textContent = s.waiting;
    document.getElementById("wb-longest").textContent = s.longest_wait_s + " 秒";
    document.getElementById("wb-answer-rate").textContent = pct(s.total.answer_rate);
    document.getElementById("wb-asa").textContent = sec(s.total.asa_s);
    document.getElementById("wb-sl").textContent = pct(s.total.service_level);
    document.getElementById("wb-offered").textContent = s.total.offered;
    document.getElementById("wb-answered").textContent = s.total.answered;
    document.getElementById("wb-at").textContent = s.at.replace("T", " ").slice(0, 19);
    const agents = document.getElementById("wb-agents");
    agents.replaceChildren();
    for (const [state, count] of Object.entries(s.agents)) {
      const dt = document.createElement("dt"); dt.textContent = stateLabels[state] || state;
      const dd = document.createElement("dd"); dd.textContent = count;
      dd.id = "wb-agents-" + state;
      agents.append(dt, dd);
    }
    table("wb-queues", s.queues);
    table("wb-numbers", s.numbers);
  }
  draw(JSON.parse(document.getElementById("wallboard-data").textContent));
  const status = document.getElementById("wb-connection");
  let delay = 1000;
  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/wallboard/" + board.dataset.center + "/");
    socket.onopen = () => { status.textContent = "接続中（自動更新）"; delay = 1000; board.dataset.live = "1"; };
    socket.onmessage = (event) => draw(JSON.parse(event.data));
    socket.onclose = () => {
      board.dataset.live = "0";
      status.textContent = "再接続しています…";
      setTimeout(connect, delay); delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
  const demo = document.getElementById("demo-call");
  if (demo) {
    demo.addEventListener("submit", (event) => {
      event.preventDefault();
      fetch(demo.action, { method: "POST", body: new FormData(demo), credentials: "same-origin" });
    });
  }
})();
