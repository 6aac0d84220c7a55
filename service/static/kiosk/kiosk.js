/* rengang kiosk page: taps → results with booth numbers → QR code / print → reset.
 * The fair's postings arrive inline with the page; matching asks the server (better with free text)
 * and falls back to the in-page scorer (scorer.js) whenever the network is slow or gone.
 * Nothing is written to storage; the screen resets after 60 s idle and on 完成. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("fair-data").textContent);
  var scorer = new window.KioskScorer(data);
  var byId = scorer.byId;
  var pending = { searches: 0, tiles: {} };  // anonymous counts gathered offline, sent when back online
  var state;

  var kiosk = window.kiosk = {
    idleMs: 60000, serverTimeoutMs: 2500, forceOffline: false, last: null, scorer: scorer, data: data,
  };

  function $(id) { return document.getElementById(id); }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function fresh() {
    return { tiles: [], education: null, work_type: null, room_board: false, travel_km: null };
  }

  function show(name) {
    ["start", "ask", "results"].forEach(function (s) { $("screen-" + s).hidden = s !== name; });
    window.scrollTo(0, 0);
  }

  // --- the choices -----------------------------------------------------------------------------

  function buildTiles() {
    var box = $("tiles");
    data.tiles.forEach(function (t) {
      var b = el("button", "tile");
      b.type = "button";
      b.dataset.tile = t.key;
      b.setAttribute("aria-pressed", "false");
      b.appendChild(el("span", "glyph", t.glyph));
      b.appendChild(el("span", "label", t.label));
      b.addEventListener("click", function () {
        var i = state.tiles.indexOf(t.key);
        if (i >= 0) state.tiles.splice(i, 1); else state.tiles.push(t.key);
        b.setAttribute("aria-pressed", String(i < 0));
      });
      box.appendChild(b);
    });
  }

  function buildChoices(id, options, key) {
    var box = $(id);
    options.forEach(function (o) {
      var b = el("button", "choice", o[1]);
      b.type = "button";
      b.dataset.value = JSON.stringify(o[0]);
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", function () {
        var on = b.getAttribute("aria-pressed") !== "true";
        Array.prototype.forEach.call(box.children, function (c) { c.setAttribute("aria-pressed", "false"); });
        b.setAttribute("aria-pressed", String(on));
        state[key] = on ? o[0] : fresh()[key];
      });
      box.appendChild(b);
    });
  }

  function resetChoices() {
    Array.prototype.forEach.call(document.querySelectorAll("[aria-pressed]"), function (b) {
      b.setAttribute("aria-pressed", "false");
    });
    $("words").value = "";
  }

  function query() {
    var order = data.tiles.map(function (t) { return t.key; });
    return {
      tiles: order.filter(function (k) { return state.tiles.indexOf(k) >= 0; }),
      education: state.education, work_type: state.work_type, room_board: state.room_board,
      travel_km: state.travel_km, text: $("words").value.trim(), k: 8,
    };
  }

  // --- asking the server, or not ---------------------------------------------------------------

  function online() { return navigator.onLine && !kiosk.forceOffline; }

  function setOffline(off) { $("net").hidden = !off; }

  function post(url, body) {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, kiosk.serverTimeoutMs);
    return fetch(url, {
      method: "POST", credentials: "same-origin", signal: ctl.signal,
      headers: { "Content-Type": "application/json", "X-Kiosk": "1" }, body: JSON.stringify(body),
    }).finally(function () { clearTimeout(timer); });
  }

  function flushCounts() {
    if (!pending.searches || !online()) return;
    var sent = pending;
    pending = { searches: 0, tiles: {} };
    post("/kiosk/api/counts", sent).then(function (r) {
      if (!r.ok) throw new Error(r.status);
    }).catch(function () {  // keep them for the next try
      pending.searches += sent.searches;
      Object.keys(sent.tiles).forEach(function (k) { pending.tiles[k] = (pending.tiles[k] || 0) + sent.tiles[k]; });
    });
  }

  function countLocally(q) {
    pending.searches += 1;
    q.tiles.forEach(function (k) { pending.tiles[k] = (pending.tiles[k] || 0) + 1; });
  }

  function withFallback(serverCall, local, q) {
    if (!online()) {
      setOffline(true);
      if (q) countLocally(q);
      return Promise.resolve(local());
    }
    return serverCall().then(function (r) {
      if (!r.ok) throw new Error("status " + r.status);
      return r.json();
    }).then(function (result) {
      setOffline(false);
      flushCounts();
      return result;
    }).catch(function () {
      setOffline(true);
      if (q) countLocally(q);
      return local();
    });
  }

  function search() {
    var q = query();
    withFallback(function () { return post("/kiosk/api/match", q); },
      function () { return scorer.score(q); }, q).then(function (result) {
        render(result, result.notice || "最适合您的岗位");  // an honest heading when what was asked is not here
      });
  }

  function moreLike(job) {
    withFallback(function () {
      return fetch("/kiosk/api/similar/" + job.id, { credentials: "same-origin" });
    }, function () { return scorer.similar(job.id, 6); }, null).then(function (result) {
      render(result, "和「" + (job.display_title || job.title) + "」相近的岗位");
    });
  }

  // --- results ---------------------------------------------------------------------------------

  function card(item, n) {
    var p = byId[item.id];
    var li = el("li", "card");
    li.dataset.job = String(item.id);
    var head = el("div", "card-head");
    head.appendChild(el("span", "booth", p.booth + " 号展位"));
    head.appendChild(el("span", "title", p.display_title || p.title));
    li.appendChild(head);
    li.appendChild(el("div", "employer", p.employer));
    var facts = el("div", "facts");
    facts.appendChild(el("span", "salary", p.salary_text));
    facts.appendChild(el("span", "fact", p.work_type_label));
    if (p.room_board) facts.appendChild(el("span", "fact", "包吃住"));
    facts.appendChild(el("span", "fact", "学历：" + p.education_label));
    if (p.km != null) facts.appendChild(el("span", "fact", "距会场约" + p.km + "公里"));
    li.appendChild(facts);
    li.appendChild(el("div", "why", "为什么推荐：" + item.why));
    p.measures.forEach(function (m) { li.appendChild(el("div", "measure", m)); });
    var buttons = el("div", "card-buttons");
    var more = el("button", "more", "更多类似");
    more.type = "button";
    more.addEventListener("click", function () { moreLike(p); });
    buttons.appendChild(more);
    if (canSpeak()) {
      var read = el("button", "more read", "朗读");
      read.type = "button";
      read.setAttribute("aria-label", "朗读：" + (p.display_title || p.title));
      read.addEventListener("click", function () { speak(spoken(item, n)); });
      buttons.appendChild(read);
    }
    li.appendChild(buttons);
    return li;
  }

  // --- read aloud: the browser's own speech synthesis, a zh-CN voice on this machine, no network ---------

  function canSpeak() { return "speechSynthesis" in window && typeof window.SpeechSynthesisUtterance === "function"; }

  function zhVoice() {
    var voices = window.speechSynthesis.getVoices().filter(function (v) { return /^zh(-|_)?(CN|Hans)?/i.test(v.lang); });
    var local = voices.filter(function (v) { return v.localService; });
    return local[0] || null;  // a remote voice would send the words over the network: use the default instead
  }

  function spoken(item, n) {
    var p = byId[item.id];
    return "第" + (n + 1) + "个，" + p.booth + "号展位，" + p.employer + "，" + (p.display_title || p.title) + "，" +
      p.salary_text + "，" + (p.room_board ? "包吃住，" : "") + "推荐原因：" + item.why.split(" · ").join("，") + "。";
  }

  function speak(text) {
    if (!canSpeak()) return;
    var synth = window.speechSynthesis;
    synth.cancel();
    var u = new window.SpeechSynthesisUtterance(text);
    u.lang = "zh-CN";
    u.rate = 0.9;
    var voice = zhVoice();
    if (voice) u.voice = voice;
    kiosk.spoken = text;
    synth.speak(u);
  }

  function hush() { if (canSpeak()) window.speechSynthesis.cancel(); }

  // --- the booth map, drawn from the fair's booth numbers ----------------------------------------

  function drawMap(ids) {
    var box = $("booth-map"), booths = data.booths || [];
    box.textContent = "";
    $("map").hidden = !booths.length;
    var shown = {};
    ids.forEach(function (id) { if (byId[id]) shown[byId[id].booth] = true; });
    var row = null, cells = null;
    booths.forEach(function (b) {
      if (row === null || b.row !== row) {
        row = b.row;
        var line = el("div", "hall-row");
        line.appendChild(el("span", "row-name", (row || "其他") + "区"));
        cells = el("ul", "cells");
        line.appendChild(cells);
        box.appendChild(line);
      }
      var cell = el("li", "cell" + (shown[b.booth] ? " on" : ""), b.booth);
      cell.dataset.booth = b.booth;
      if (shown[b.booth]) cell.appendChild(el("span", "sr", "（推荐岗位所在展位）"));
      cells.appendChild(cell);
    });
  }

  function takeUrl(ids) {
    return location.origin + "/kiosk/take/" + data.fair.id + "?j=" + ids.join(".");
  }

  function drawQr(text) {
    var box = $("qr");
    box.textContent = "";
    box.dataset.payload = text;
    var qr = window.qrcode(0, "M");
    qr.addData(text);
    qr.make();
    var n = qr.getModuleCount(), quiet = 4, scale = Math.max(4, Math.floor(360 / (n + 2 * quiet)));
    var canvas = el("canvas");
    canvas.width = canvas.height = (n + 2 * quiet) * scale;
    var ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = "#000";
    for (var r = 0; r < n; r++) {
      for (var c = 0; c < n; c++) {
        if (qr.isDark(r, c)) ctx.fillRect((c + quiet) * scale, (r + quiet) * scale, scale, scale);
      }
    }
    box.appendChild(canvas);
  }

  function render(result, title) {
    var items = result.items.filter(function (i) { return byId[i.id]; });  // only postings of this fair
    kiosk.last = { ids: items.map(function (i) { return i.id; }), source: result.source || "server",
                   model_id: result.model_id || null, notice: result.notice || "",
                   understood: result.understood || null };
    hush();
    $("results-title").textContent = items.length ? title : "本场暂时没有合适的岗位";
    var summary = result.understood && result.understood.summary;
    $("understood").hidden = !summary;
    $("understood-text").textContent = summary || "";
    $("read-all").hidden = !(items.length && canSpeak());
    kiosk.items = items;
    $("relaxed").hidden = !result.relaxed.length;
    $("relaxed").textContent = result.relaxed.length ?
      "完全符合的岗位没有找到，已放宽：" + result.relaxed.join("、") : "";
    var list = $("results");
    list.textContent = "";
    items.forEach(function (item, n) { list.appendChild(card(item, n)); });
    drawMap(kiosk.last.ids);
    drawQr(takeUrl(kiosk.last.ids));
    show("results");
  }

  // --- reset: on 完成 and after 60 s idle ---------------------------------------------------------

  var idleTimer = null, warnTimer = null, countdown = null;

  function reset() {
    state = fresh();
    resetChoices();
    hush();
    $("results").textContent = "";
    $("booth-map").textContent = "";
    $("understood-text").textContent = "";
    $("understood").hidden = true;
    kiosk.items = [];
    kiosk.spoken = null;
    $("qr").textContent = "";
    delete $("qr").dataset.payload;
    kiosk.last = null;
    $("idle").hidden = true;
    if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
    show("start");
  }

  function touched() {
    clearTimeout(idleTimer);
    clearTimeout(warnTimer);
    clearInterval(countdown);
    $("idle").hidden = true;
    if (!$("screen-start").hidden) return;  // nothing on screen to clear
    var warnAt = Math.max(0, kiosk.idleMs - 10000);
    warnTimer = setTimeout(function () {
      var left = Math.round((kiosk.idleMs - warnAt) / 1000);
      $("idle-left").textContent = String(left);
      $("idle").hidden = false;
      countdown = setInterval(function () {
        left -= 1;
        $("idle-left").textContent = String(Math.max(0, left));
      }, 1000);
    }, warnAt);
    idleTimer = setTimeout(function () { clearInterval(countdown); reset(); }, kiosk.idleMs);
  }

  kiosk.reset = reset;
  kiosk.touched = touched;

  // --- wiring ----------------------------------------------------------------------------------

  state = fresh();
  buildTiles();
  buildChoices("education", data.education, "education");
  buildChoices("work-type", data.work_types, "work_type");
  buildChoices("room-board", [[true, "需要包吃住"], [false, "不需要"]], "room_board");
  buildChoices("travel", data.travel.map(function (km) { return [km, km + " 公里内"]; }).concat([[null, "多远都行"]]),
    "travel_km");

  if ($("start")) $("start").addEventListener("click", function () { show("ask"); touched(); });
  $("search").addEventListener("click", search);
  $("again").addEventListener("click", function () { show("ask"); });
  $("print").addEventListener("click", function () { window.print(); });
  $("clear-words").addEventListener("click", function () { $("words").value = ""; search(); });
  $("read-all").addEventListener("click", function () {
    speak($("results-title").textContent + "。" + (kiosk.items || []).map(spoken).join(""));
  });
  $("done").addEventListener("click", reset);
  $("done-ask").addEventListener("click", reset);
  $("stay").addEventListener("click", touched);
  ["pointerdown", "keydown", "input", "touchstart"].forEach(function (ev) {
    document.addEventListener(ev, touched, { passive: true, capture: true });
  });
  $("words").addEventListener("keydown", function (e) { if (e.key === "Enter") search(); });
  window.addEventListener("online", function () { setOffline(false); flushCounts(); });
  window.addEventListener("offline", function () { setOffline(true); });
  // Refresh the fair's list every 10 minutes while online; a failed refresh keeps the list we have.
  setInterval(function () {
    if (!online() || !$("screen-start").hidden) return;
    fetch("/kiosk/api/fair", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fresh) {
        if (fresh && fresh.postings) {
          data = fresh; scorer = new window.KioskScorer(fresh); byId = scorer.byId;
          kiosk.data = data; kiosk.scorer = scorer;
        }
      }).catch(function () {});
  }, 600000);
  show("start");
})();
