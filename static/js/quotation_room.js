/*
 * The live room of a quotation, on the staff, client and portal pages.
 *
 * Connects to the room named by [data-room-url], reconnects with exponential
 * backoff and jitter, and resumes from the last sequence number it saw, so
 * nothing is missed while the socket was down. Frames arrive already filtered
 * for this viewer by the server; this script only shows them:
 *   - message.posted: appended to [data-room="messages"] (as text, never HTML),
 *     and the regions listing "message" (the staff's activity timeline) refreshed;
 *   - other events: the page regions whose data-room-refresh lists the event's
 *     prefix (bid, invitation, status, quote, deadline) are fetched again and
 *     swapped in place, matched by data-testid; data-room-reload="status" on
 *     the room reloads the whole page instead for those prefixes.
 * [data-room="indicator"] shows whether the room is live.
 *
 * Gaps. Each event frame and each heartbeat carries `after`, the position the
 * server last told this socket of; the server skips events this viewer may not
 * see, and a heartbeat's `seq` moves the position past them, so filtering is
 * never a gap. A frame whose `after` is ahead of the position kept here means
 * frames were lost: the script drops the socket and resumes with ?last_seq=.
 */
(function () {
  "use strict";

  var room = document.querySelector("[data-room-url]");
  if (!room || !("WebSocket" in window)) return;

  var MAX_DELAY = 30000;
  var BASE_DELAY = 500;
  var storageKey = "room-seq:" + room.dataset.roomUrl;
  var lastSeq = null;
  var attempt = 0;
  var socket = null;
  var refreshTimer = null;
  var pendingPrefixes = {};
  var list = room.querySelector('[data-room="messages"]');
  var indicator = room.querySelector('[data-room="indicator"]');
  var reloadPrefixes = (room.dataset.roomReload || "").split(/\s+/).filter(Boolean);

  try {
    var stored = window.sessionStorage.getItem(storageKey);
    if (stored !== null && /^\d+$/.test(stored)) lastSeq = parseInt(stored, 10);
  } catch (e) { /* storage may be disabled: start from a snapshot */ }

  function remember(seq) {
    lastSeq = seq;
    try { window.sessionStorage.setItem(storageKey, String(seq)); } catch (e) { /* ignore */ }
  }

  function show(state) {
    if (!indicator) return;
    indicator.dataset.state = state;
    indicator.textContent = indicator.dataset["label" + state.charAt(0).toUpperCase() + state.slice(1)] || state;
    indicator.className = "badge " + ({ live: "text-bg-success", offline: "text-bg-warning", denied: "text-bg-danger" }[state] || "text-bg-secondary");
  }

  // The style of the pages' own times (figures.when): "13 Dec 2026, 18:00 CET", in the site's time zone.
  function formatWhen(when) {
    var lang = document.documentElement.lang || undefined;
    var zone = (room && room.dataset.timeZone) || undefined;
    var day = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", year: "numeric", timeZone: zone }).format(when);
    var time = new Intl.DateTimeFormat(lang, { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short", timeZone: zone }).format(when);
    return day.replace(/\./g, "") + ", " + time;
  }

  function formatTimes(scope) {
    var times = (scope || document).querySelectorAll("time[data-room-time]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (!isNaN(when)) times[i].textContent = formatWhen(when);
    }
  }

  function audienceLabel(message) {
    if (!list) return "";
    var label = list.dataset["audience" + message.audience.charAt(0).toUpperCase() + message.audience.slice(1)] || "";
    if (message.audience === "hotel" && message.hotel_name) label = label + ": " + message.hotel_name;
    return label;
  }

  function appendMessage(message) {
    if (!list || list.querySelector('[data-message-id="' + message.id + '"]')) return;
    var empty = list.querySelector('[data-room="empty"]');
    if (empty) empty.remove();
    var item = document.createElement("li");
    item.className = "room-message room-message-" + message.author_kind;
    item.dataset.messageId = message.id;
    var meta = document.createElement("div");
    meta.className = "small text-body-secondary";
    var author = document.createElement("strong");
    author.textContent = message.author_name;
    meta.appendChild(author);
    var to = message.hotel_name !== undefined ? audienceLabel(message) : "";
    if (to) meta.appendChild(document.createTextNode(" → " + to));
    meta.appendChild(document.createTextNode(" · "));
    var time = document.createElement("time");
    time.setAttribute("datetime", message.sent_at);
    time.setAttribute("data-room-time", "");
    meta.appendChild(time);
    var body = document.createElement("div");
    body.className = "room-message-body";
    body.textContent = message.body;
    item.appendChild(meta);
    item.appendChild(body);
    list.appendChild(item);
    formatTimes(item);
  }

  function refresh(prefix) {
    if (reloadPrefixes.indexOf(prefix) !== -1) {
      window.location.reload();
      return;
    }
    pendingPrefixes[prefix] = true;
    if (refreshTimer) return;
    refreshTimer = window.setTimeout(function () {
      var prefixes = pendingPrefixes;
      pendingPrefixes = {};
      refreshTimer = null;
      fetch(window.location.href, { credentials: "same-origin", headers: { "X-Requested-With": "room" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var fresh = new DOMParser().parseFromString(html, "text/html");
          var regions = document.querySelectorAll("[data-room-refresh]");
          for (var i = 0; i < regions.length; i++) {
            var wanted = regions[i].dataset.roomRefresh.split(/\s+/).some(function (p) { return prefixes[p]; });
            var key = regions[i].dataset.testid;
            var replacement = key && fresh.querySelector('[data-testid="' + key + '"]');
            if (wanted && replacement) regions[i].replaceWith(replacement);
          }
          if (window.htmx) window.htmx.process(document.body);
        })
        .catch(function () { /* the next event or reconnect tries again */ });
    }, 150);
  }

  function handle(frame) {
    if (frame.type === "snapshot") {
      var resumed = lastSeq !== null;
      remember(frame.seq);
      attempt = 0;
      (frame.data.messages || []).forEach(appendMessage);
      if (resumed) ["bid", "invitation", "status", "quote", "deadline"].forEach(function (p) { if (reloadPrefixes.indexOf(p) === -1) refresh(p); });
      return;
    }
    if (frame.type !== "event" && frame.type !== "heartbeat") return;
    if (lastSeq !== null && typeof frame.after === "number" && frame.after > lastSeq) {
      resume();
      return;
    }
    attempt = 0;  // reset by a frame that fits, not by the open: a socket that keeps failing backs off
    if (frame.type === "heartbeat") {
      if (lastSeq === null || frame.seq > lastSeq) remember(frame.seq);
      return;
    }
    if (lastSeq !== null && frame.seq <= lastSeq) return;
    remember(frame.seq);
    room.dispatchEvent(new CustomEvent("room:event", { detail: frame }));
    if (frame.kind === "message.posted") {
      appendMessage(frame.data);
      if (document.querySelector('[data-room-refresh~="message"]')) refresh("message");
    } else refresh(frame.kind.split(".")[0]);
  }

  function resume() {
    // Close code 4000: this script's own "resuming after a gap"; onclose reconnects
    // with the position kept here, after the usual backoff.
    socket.onmessage = null;  // whatever else is on its way is replayed after last_seq
    socket.close(4000);
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var url = scheme + window.location.host + room.dataset.roomUrl + (lastSeq !== null ? "?last_seq=" + lastSeq : "");
    socket = new WebSocket(url);
    socket.onopen = function () { show("live"); };
    socket.onmessage = function (message) {
      try { handle(JSON.parse(message.data)); } catch (e) { /* a malformed frame is skipped */ }
    };
    socket.onclose = function (closed) {
      if (closed.code === 4403) { show("denied"); return; }
      show("offline");
      var ceiling = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, attempt));
      attempt += 1;
      window.setTimeout(connect, ceiling / 2 + Math.random() * ceiling / 2);  // "equal jitter"
    };
  }

  formatTimes(room);
  connect();
})();
