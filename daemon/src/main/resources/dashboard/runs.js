// The runs page: the list from /api/runs, then each change of a run from /api/stream (server-sent events).
"use strict";
(() => {
  const body = document.querySelector("#runs tbody");
  const rows = new Map();

  function cells(run) {
    const link = ccd.el("a", { href: "/runs/" + encodeURIComponent(run.name) }, run.name);
    return [
      ccd.el("td", { class: "name" }, link),
      ccd.el("td", { class: "status status-" + run.status }, run.status),
      ccd.el("td", { class: "end-reason" }, ccd.endReason(run)),
      ccd.el("td", { class: "num iterations" }, run.last_iteration),
      ccd.el("td", { class: "num tokens" }, ccd.tokens(run)),
      ccd.el("td", { class: "num cost" }, ccd.cost(run.cost_usd)),
      ccd.el("td", { class: "started" }, ccd.time(run.started_at)),
      ccd.el("td", { class: "ended" }, ccd.time(run.ended_at)),
    ];
  }

  function show(run) {
    let tr = rows.get(run.id);
    if (!tr) {
      tr = ccd.el("tr", { "data-run-id": run.id, "data-name": run.name });
      rows.set(run.id, tr);
      body.append(tr);
    }
    tr.replaceChildren(...cells(run));
    document.getElementById("empty").hidden = rows.size > 0;
  }

  async function load() {
    const answer = await ccd.getJson("/api/runs");
    answer.runs.forEach(show);
    if (!document.body.dataset.loaded) document.body.dataset.renderedMs = performance.now().toFixed(1);
    document.body.dataset.loaded = "true";
  }

  const source = new EventSource("/api/stream");
  ccd.live(source);
  // Each (re)connection reloads the list: what changed while disconnected is then shown too.
  source.addEventListener("open", () => load().catch((e) => console.error(e)));
  source.addEventListener("run", (m) => show(JSON.parse(m.data)));
})();
