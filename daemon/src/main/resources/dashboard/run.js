// One run's page: its state from /api/runs/NAME, then its events from /api/runs/NAME/stream.
"use strict";
(() => {
  const name = decodeURIComponent(location.pathname.replace(/^\/runs\//, ""));
  const base = "/api/runs/" + encodeURIComponent(name);
  // A page shows the newest rows only: a run of 100,000 iterations must not grow it without end.
  const MAX_ITERATIONS = 1000;
  const MAX_LOG_LINES = 1000;
  const iterations = new Map();
  // What agent.resume takes: a budget's pause is lifted, an ended run goes on from its checkpoint
  // (a completed one only with force).
  const RESUMABLE = new Set(["paused_budget", "interrupted", "crashed", "stopped", "failed", "completed"]);
  let runId = null;
  // The reason of the run_ended event, for a record without an end_reason column.
  let endedBecause = "";
  const $ = (id) => document.getElementById(id);
  $("name").textContent = name;
  document.title = "ccd: " + name;

  function showRun(run) {
    runId = run.id;
    $("status").textContent = run.status;
    $("status").className = "status status-" + run.status;
    $("end-reason").textContent = ccd.endReason(run, endedBecause);
    $("template").textContent = run.template;
    $("args").textContent = run.args || "";
    $("provider").textContent = (run.provider || "") + (run.model ? " / " + run.model : "");
    $("iterations-count").textContent = run.last_iteration;
    $("tokens").textContent = ccd.tokens(run) + " (" + run.tokens_in + " in, " + run.tokens_out + " out)";
    $("cost").textContent = ccd.cost(run.cost_usd);
    $("started").textContent = ccd.time(run.started_at);
    $("ended").textContent = ccd.time(run.ended_at);
    const placed = [run.slurm_job_id != null ? "Slurm job " + run.slurm_job_id : "", run.placement_state || ""]
      .filter((s) => s).join(", ");
    $("placement").textContent = placed;
    document.querySelectorAll(".placement").forEach((e) => { e.hidden = !placed; });
    $("stop").hidden = !!run.ended_at;
    $("resume-form").hidden = !RESUMABLE.has(run.status);
    $("resume-force-label").hidden = run.status !== "completed";
    if (run.status !== "completed") $("resume-force").checked = false;
  }

  function showIteration(it) {
    let tr = iterations.get(it.iteration);
    if (!tr) {
      tr = ccd.el("tr", { "data-iteration": it.iteration });
      iterations.set(it.iteration, tr);
      $("iterations").tBodies[0].append(tr);
      if (iterations.size > MAX_ITERATIONS) {
        const oldest = iterations.keys().next().value;
        iterations.get(oldest).remove();
        iterations.delete(oldest);
      }
    }
    tr.replaceChildren(ccd.el("td", { class: "num" }, it.iteration), ccd.el("td", {}, it.status),
      ccd.el("td", { class: "num" }, ccd.seconds(it.duration_s)),
      ccd.el("td", { class: "num" }, (it.tokens_in || 0) + (it.tokens_out || 0)),
      ccd.el("td", { class: "num" }, ccd.cost(it.cost_usd)), ccd.el("td", {}, it.summary || ""));
  }

  function showApprovals(list) {
    const body = $("approvals").tBodies[0];
    const pending = list.filter((p) => p.status === "pending");
    body.replaceChildren(...pending.map((p) => {
      const approve = ccd.el("button", { class: "approve", type: "button", "data-id": p.id }, "Approve");
      const deny = ccd.el("button", { class: "deny", type: "button", "data-id": p.id }, "Deny");
      approve.addEventListener("click", () => answer(p.id, "approve", approve, deny));
      deny.addEventListener("click", () => answer(p.id, "deny", approve, deny));
      return ccd.el("tr", { "data-id": p.id }, ccd.el("td", {}, p.id), ccd.el("td", {}, p.tool),
        ccd.el("td", {}, ccd.el("code", {}, JSON.stringify(p.input))), ccd.el("td", {}, p.rationale || ""),
        ccd.el("td", {}, ccd.time(p.created_at)), ccd.el("td", {}, approve, deny));
    }));
    $("no-approvals").hidden = pending.length > 0;
  }

  async function answer(id, verb, ...buttons) {
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await ccd.action("/api/permissions/" + encodeURIComponent(id) + "/" + verb);
      $("action-error").textContent = "";
    } catch (e) {
      $("action-error").textContent = verb + " " + id + ": " + e.message;
    }
    await refresh();
  }

  function showTasks(tasks) {
    $("tasks").replaceChildren(...tasks.map((t) => ccd.el("div", { class: "task", "data-task": t.task_id },
      ccd.el("h3", {}, t.task_id + " " + t.status + (t.exit_code != null ? " (exit " + t.exit_code + ")" : "")),
      ccd.el("code", {}, t.command), t.tail ? ccd.el("pre", {}, t.tail) : ccd.el("p", { class: "muted" }, "no output"))));
    $("no-tasks").hidden = tasks.length > 0;
  }

  // Events are drawn in batches, at most every 250 ms: a run writing thousands of rows a second
  // costs the page one redraw per batch, and only the newest lines are ever put in it.
  let pendingLines = [];
  let shownLines = [];
  const pendingIterations = new Map();
  let drawScheduled = false;

  function draw() {
    drawScheduled = false;
    const logs = $("logs");
    const atEnd = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
    if (pendingLines.length) {
      shownLines = shownLines.concat(pendingLines).slice(-MAX_LOG_LINES);
      pendingLines = [];
      logs.textContent = shownLines.join("\n") + "\n";
      if (atEnd) logs.scrollTop = logs.scrollHeight;
    }
    const its = [...pendingIterations.values()].slice(-MAX_ITERATIONS);
    pendingIterations.clear();
    its.forEach(showIteration);
  }

  function later() {
    if (!drawScheduled) {
      drawScheduled = true;
      setTimeout(draw, 250);
    }
  }

  function log(line) {
    pendingLines.push(line);
    if (pendingLines.length > 2 * MAX_LOG_LINES) pendingLines = pendingLines.slice(-MAX_LOG_LINES);
    later();
  }

  async function chart() {
    const r = await fetch(base + "/chart.svg", { credentials: "same-origin" });
    if (!r.ok) return;
    // The SVG is built by the daemon with every text escaped; parsed as SVG, never run as a page.
    const doc = new DOMParser().parseFromString(await r.text(), "image/svg+xml");
    const svg = doc.documentElement;
    if (svg.nodeName !== "svg" || svg.querySelector("script, foreignObject")) return;
    $("chart").replaceChildren(document.importNode(svg, true));
    $("chart-section").hidden = false;
  }

  async function refresh() {
    const d = await ccd.getJson(base);
    showRun(d.run);
    d.iterations.forEach(showIteration);
    showApprovals(d.approvals);
    showTasks(d.tasks);
    return d;
  }

  let refreshing = null;
  // Several events in a row ask for one refresh of the lists they change.
  function refreshSoon() {
    if (!refreshing) refreshing = Promise.resolve().then(refresh).finally(() => { refreshing = null; });
  }

  function noteEnd(e) {
    if (e.kind === "run_ended" && e.payload && e.payload.reason) endedBecause = e.payload.reason;
  }

  async function start() {
    const d = await refresh();
    d.events.forEach(noteEnd);
    showRun(d.run);
    d.events.forEach((e) => log(e.line));
    if (d.has_chart) await chart();
    document.body.dataset.renderedMs = performance.now().toFixed(1);
    document.body.dataset.loaded = "true";
    const source = new EventSource(base + "/stream?since=" + d.last_event_id);
    ccd.live(source);
    source.addEventListener("run", (m) => showRun(JSON.parse(m.data)));
    source.addEventListener("chart", () => chart());
    let received = 0;
    source.addEventListener("events", (m) => {
      const batch = JSON.parse(m.data);
      if (batch.skipped > 0) log("… " + batch.skipped + " events not shown here ('ccd agent logs' has them all)");
      let refreshLists = false;
      for (const e of batch.events) {
        log(e.line);
        noteEnd(e);
        if (e.kind === "iteration") {
          pendingIterations.set(e.payload.iteration, e.payload);
        } else if (e.kind.startsWith("task_") || e.kind.startsWith("permission_") || e.kind === "run_ended") {
          refreshLists = true;
        }
      }
      received += batch.skipped + batch.events.length;
      document.body.dataset.events = received;
      later();
      if (refreshLists) refreshSoon();
    });
  }

  $("stop").addEventListener("click", async () => {
    try { await ccd.action(base + "/stop"); } catch (e) { $("action-error").textContent = "stop: " + e.message; }
  });
  $("resume").addEventListener("click", async () => {
    const body = {};
    if ($("resume-tokens").value) body.max_tokens = Number($("resume-tokens").value);
    if ($("resume-cost").value) body.max_cost_usd = Number($("resume-cost").value);
    if ($("resume-force").checked) body.force = true;
    try {
      await ccd.action(base + "/resume", body);
      $("action-error").textContent = "";
    } catch (e) {
      $("action-error").textContent = "resume: " + e.message;
    }
  });
  start().catch((e) => { $("action-error").textContent = e.message; });
})();
