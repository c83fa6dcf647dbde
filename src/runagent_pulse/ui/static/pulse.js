// Pulse dashboard: times in the viewer's zone, live regions, and the task form's preview.
// Every page reads without this script; it only adds to what the server rendered.
"use strict";

(function () {
  document.documentElement.classList.add("js");
  const viewerZone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

  // -- times ------------------------------------------------------------------------------
  function format(date, zone, withZoneName, timeOnly) {
    // "Tue 06 Jan 09:30 Europe/Paris", like the server writes it (the year when not this one).
    const parts = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, weekday: "short", year: "numeric", month: "short", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short",
    }).formatToParts(date);
    const get = (type) => (parts.find((p) => p.type === type) || {}).value || "";
    const name = withZoneName ? zone : get("timeZoneName");
    const time = `${get("hour")}:${get("minute")} ${name}`;
    if (timeOnly) return time;
    const year = Number(get("year")) !== new Date().getFullYear() ? ` ${get("year")}` : "";
    return `${get("weekday")} ${get("day")} ${get("month")}${year} ${time}`;
  }

  function sameDay(date, zone, other) {
    const day = (z) => new Intl.DateTimeFormat("en-CA", { timeZone: z }).format(date);
    return day(zone) === day(other);
  }

  function span(seconds) {
    seconds = Math.abs(seconds);
    if (seconds < 60) return `${Math.floor(seconds)} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
    if (seconds < 2 * 86400) {
      const hours = Math.floor(seconds / 3600);
      const minutes = Math.floor((seconds % 3600) / 60);
      return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
    }
    return `${Math.floor(seconds / 86400)} days`;
  }

  function relative(date) {
    const delta = (date.getTime() - Date.now()) / 1000;
    if (Math.abs(delta) < 5) return "just now";
    return delta > 0 ? `in ${span(delta)}` : `${span(delta)} ago`;
  }

  function showTimes(root) {
    root.querySelectorAll("time.instant[data-zone]").forEach((node) => {
      const date = new Date(node.getAttribute("datetime"));
      const zone = node.dataset.zone;
      let text = format(date, zone, true, false);
      if (zone !== viewerZone) {
        const mine = format(date, viewerZone, false, sameDay(date, zone, viewerZone));
        text += ` (${mine} your time)`;
      }
      node.textContent = text;
      node.title = `${date.toISOString()} (UTC)`;
    });
    refreshRelative(root);
  }

  function refreshRelative(root) {
    root.querySelectorAll("[data-rel]").forEach((node) => {
      node.textContent = relative(new Date(node.dataset.rel));
    });
  }

  // -- live regions -----------------------------------------------------------------------
  const LIVE_EVERY_MS = 1500;

  function busy(region) {
    // Someone is typing in, or has opened a menu of, this region: do not replace it now.
    return region.contains(document.activeElement) && document.activeElement !== document.body
      || region.querySelector("details[open]") !== null;
  }

  function follow(region) {
    const src = region.dataset.liveSrc;
    let last = region.innerHTML;
    async function poll() {
      if (!document.hidden && !busy(region)) {
        let response;
        try {
          response = await fetch(src, { credentials: "same-origin", headers: { "X-Pulse-Live": "1" } });
        } catch (error) {
          response = null;
        }
        if (response && response.status === 401) {
          const notice = element("p", "flash failed", "Your session ended: reload to log in again.");
          notice.setAttribute("role", "alert");
          (region.closest("table") || region).before(notice);
          region.dataset.liveStopped = "login";
          return;
        }
        if (response && response.ok) {
          const html = await response.text();
          if (html !== last && !busy(region)) {
            region.innerHTML = html;
            last = html;
            showTimes(region);
            region.dispatchEvent(new CustomEvent("pulse:updated", { bubbles: true }));
          }
          if (region.querySelector("[data-live-final]")) {
            region.dataset.liveStopped = "final";
            return;
          }
        }
      }
      window.setTimeout(poll, LIVE_EVERY_MS);
    }
    if (region.querySelector("[data-live-final]")) return;
    window.setTimeout(poll, LIVE_EVERY_MS);
  }

  // -- the task form ----------------------------------------------------------------------
  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function renderPreview(box, data) {
    box.replaceChildren();
    if (!data.ok) {
      box.append(element("p", "field-error", data.error));
      return;
    }
    const line = element("p", "preview-description");
    line.append(element("strong", "", data.description), " ",
      element("span", "muted small", `(${data.kind}, ${data.timezone})`));
    box.append(line);
    if (!data.fires.length) {
      box.append(element("p", "muted", "It never fires."));
      return;
    }
    const list = element("ol", "fires");
    data.fires.forEach((fire) => {
      const item = element("li");
      const time = element("time", "instant", fire.zone_text);
      time.setAttribute("datetime", fire.at);
      time.dataset.zone = data.timezone;
      const rel = element("span", "rel", fire.relative);
      rel.dataset.rel = fire.at;
      item.append(time, " ", rel);
      if (fire.note) item.append(" ", element("span", "dst", fire.note));
      list.append(item);
    });
    box.append(list);
    showTimes(box);
  }

  function watchPreview(form) {
    const box = document.getElementById("preview");
    const names = ["when", "timezone", "repeat_interval", "repeat_times", "repeat_until"];
    let timer = null;
    let asked = 0;
    async function ask() {
      const query = new URLSearchParams();
      names.forEach((name) => {
        const input = form.elements.namedItem(name);
        if (input && input.value.trim()) query.set(name, input.value.trim());
      });
      const mine = ++asked;
      const response = await fetch(`${form.dataset.previewSrc}?${query}`, { credentials: "same-origin" });
      if (mine !== asked) return; // a newer keystroke asked again
      if (response.ok) renderPreview(box, await response.json());
      else box.replaceChildren(element("p", "field-error", "Log in again to preview."));
    }
    names.forEach((name) => {
      const input = form.elements.namedItem(name);
      if (!input) return;
      input.addEventListener("input", () => {
        window.clearTimeout(timer);
        timer = window.setTimeout(ask, 200);
      });
    });
  }

  function watchParams(form) {
    const params = form.elements.namedItem("params");
    const status = document.getElementById("params-status");
    if (!params || !status) return;
    function check() {
      let message = "";
      try {
        const value = JSON.parse(params.value.trim() || "{}");
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          message = "Params must be a JSON object, such as {\"input\": \"hello\"}.";
        }
      } catch (error) {
        message = `Not valid JSON: ${error.message}`;
      }
      params.setCustomValidity(message);
      params.setAttribute("aria-invalid", message ? "true" : "false");
      status.textContent = message || "Valid JSON.";
      status.classList.toggle("field-error", Boolean(message));
    }
    params.addEventListener("input", check);
    check();
  }

  function watchExecutor(form) {
    const executor = document.getElementById("executor_type");
    const timeout = form.elements.namedItem("timeout");
    const value = form.querySelector("#team-timeout .timeout-value");
    const fallback = Number(form.dataset.scheduleTimeout);
    function update() {
      const team = executor && executor.value === "team";
      form.querySelectorAll(".team-only").forEach((node) => { node.hidden = !team; });
      form.querySelectorAll(".not-team").forEach((node) => { node.hidden = team; });
      if (value) {
        const own = timeout && timeout.value.trim();
        value.textContent = own ? (/^\d+(\.\d+)?$/.test(own) ? `${own} s` : own) : span(fallback);
      }
    }
    if (executor) executor.addEventListener("change", update);
    if (timeout) timeout.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", () => {
    showTimes(document);
    window.setInterval(() => refreshRelative(document), 15000);
    document.querySelectorAll("[data-live-src]").forEach(follow);
    const form = document.querySelector("form.task-form");
    if (form) {
      watchPreview(form);
      watchParams(form);
      watchExecutor(form);
    }
  });
})();
