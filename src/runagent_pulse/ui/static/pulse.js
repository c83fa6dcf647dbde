// Pulse dashboard: relative times next to absolute ones, and a live run page. Reading works
// without this file.
"use strict";

function relative(date) {
  const seconds = Math.round((date.getTime() - Date.now()) / 1000);
  const steps = [["day", 86400], ["hour", 3600], ["min", 60], ["s", 1]];
  for (const [unit, size] of steps) {
    const amount = Math.trunc(Math.abs(seconds) / size);
    if (amount >= 1 || unit === "s") {
      const text = `${amount} ${unit}${unit === "day" || unit === "hour" ? (amount === 1 ? "" : "s") : ""}`;
      return seconds >= 0 ? `in ${text}` : `${text} ago`;
    }
  }
  return "";
}

function annotateTimes() {
  for (const element of document.querySelectorAll("time[datetime]")) {
    const date = new Date(element.getAttribute("datetime"));
    if (Number.isNaN(date.getTime())) continue;
    element.title = date.toLocaleString();
    const hint = document.createElement("span");
    hint.className = "dim";
    hint.textContent = ` (${relative(date)}; ${date.toLocaleTimeString()} your time)`;
    element.after(hint);
  }
}

function refreshWhileLive() {
  // A scheduled or running run's page reloads every 2 s until the run has ended.
  if (document.querySelector("[data-live='true']")) {
    setTimeout(() => window.location.reload(), 2000);
  }
}

function livePreview() {
  // The create form: how "when" reads and its next fires, as you type (the server's parser).
  const when = document.getElementById("when");
  const zone = document.getElementById("timezone");
  const out = document.getElementById("preview");
  if (!when || !zone || !out) return;
  let timer = null;
  const show = async () => {
    const query = new URLSearchParams({ when: when.value, timezone: zone.value });
    const response = await fetch(`/ui/preview?${query}`, { credentials: "same-origin" });
    const body = await response.json();
    out.textContent = response.ok
      ? `${body.description}: ${body.next_runs.map((f) => new Date(f).toLocaleString()).join(" · ")}`
      : body.error;
    out.classList.toggle("error", !response.ok);
  };
  for (const input of [when, zone]) {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(show, 250);
    });
  }
  show();
}

function teamTimeoutWarning() {
  // The configured team timeout is shown as a warning only when the executor is "team".
  const executor = document.getElementById("executor_type");
  const warning = document.getElementById("team-timeout");
  if (!executor || !warning) return;
  const update = () => { warning.hidden = executor.value !== "team"; };
  executor.addEventListener("change", update);
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  annotateTimes();
  refreshWhileLive();
  livePreview();
  teamTimeoutWarning();
});
