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

document.addEventListener("DOMContentLoaded", () => {
  annotateTimes();
  refreshWhileLive();
});
