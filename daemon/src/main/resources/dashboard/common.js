// Shared by the pages: requests with the action key, formatting, and safe element building
// (text only, never HTML from the record: what the agent writes is untrusted).
"use strict";
const ccd = (() => {
  const actionKey = document.querySelector('meta[name="ccd-action-key"]').content;

  async function getJson(url) {
    const r = await fetch(url, { credentials: "same-origin" });
    if (!r.ok) throw new Error(url + ": " + r.status + " " + (await r.text()));
    return r.json();
  }

  async function action(url, body) {
    const r = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "X-CCD-Token": actionKey, "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    const answer = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(answer.error || (r.status + ""));
    return answer;
  }

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
    return e;
  }

  const tokens = (run) => (run.tokens_in || 0) + (run.tokens_out || 0);
  const cost = (usd) => "$" + (usd || 0).toFixed(usd >= 1 ? 2 : 4);
  const time = (ts) => ts ? ts.replace("T", " ").replace(/\.\d+Z$/, "Z") : "";
  const seconds = (s) => s == null ? "" : s < 60 ? s.toFixed(1) + " s" : (s / 60).toFixed(1) + " min";
  // The end reason when the record has one (end_reason), else the one the page knows from the
  // run's run_ended event, else the error of an ended run.
  const endReason = (run, fromEvent) => run.end_reason || (run.ended_at ? (fromEvent || run.error || "") : "");

  function live(source) {
    const badge = document.getElementById("live");
    source.addEventListener("open", () => { badge.textContent = "live"; badge.className = "live on"; });
    source.addEventListener("error", () => { badge.textContent = "reconnecting"; badge.className = "live off"; });
  }

  return { getJson, action, el, tokens, cost, time, seconds, endReason, live };
})();
