/* rengang kiosk: the in-page scorer, a line-for-line mirror of matching/kiosk.py.
 * It ranks the fair's postings held in the page when the hall network is down; with the same data
 * it gives the same order as the server, taps and words alike (int8 cosines are integer sums, then one
 * division; words are read by the same patterns and the same word list, sent with the page). */
(function (global) {
  "use strict";

  var EDUCATION_RANK = { junior_middle: 0, senior_high: 1, associate: 2, bachelor: 3, master: 4, doctorate: 5 };
  var RELAX_ORDER = ["travel", "room_board", "work_type"];
  var RELAX_LABELS = { travel: "距离", room_board: "包吃住", work_type: "工作类型" };

  function bigrams(text) {
    var out = {};
    var runs = String(text || "").match(/[\u4e00-\u9fffA-Za-z0-9]+/g) || [];
    runs.forEach(function (run) {
      run = run.toLowerCase();
      for (var i = 0; i + 1 < run.length; i++) out[run.slice(i, i + 2)] = true;
    });
    return Object.keys(out).sort();
  }

  function decodeInt8(b64) {
    if (!b64) return null;
    var raw = atob(b64), out = new Int8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = (raw.charCodeAt(i) << 24) >> 24;
    return out;
  }

  function int8Cosine(a, b) {
    var dot = 0, na = 0, nb = 0;
    for (var i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    if (na === 0 || nb === 0) return 0;
    return dot / Math.sqrt(na * nb);
  }

  var INTENT_LABELS = {};
  var ALTERNATIVES = "以下是相近的岗位";

  function fold(text) { return String(text || "").normalize("NFKC").toLowerCase(); }

  /* matching/kiosk.py notice(): the honest heading when what was asked for is not among the results. */
  function notice(missing, heard, wordsFound, tapped) {
    if (missing.length) {
      return "本场暂无" + (missing[0].at_fair ? "符合条件的" : "") + missing[0].label + "岗位，" + ALTERNATIVES;
    }
    if (heard.words.length && !wordsFound) {
      return "本场暂无符合条件的「" + heard.words.slice(0, 2).join("、") + "」相关岗位，" + ALTERNATIVES;
    }
    if (heard.absent.length && !heard.words.length) {
      return "本场暂无「" + heard.absent.slice(0, 2).join("、") + "」岗位，" + ALTERNATIVES;
    }
    if (heard.unheard.length && !heard.words.length) {
      return "没有找到与「" + heard.unheard.slice(0, 2).join("、") + "」相关的岗位，" +
        (tapped ? "以下按您点选的工作排列" : "以下是本场的其他岗位");
    }
    return "";
  }

  function summary(heard) {
    var said = heard.words.concat(heard.absent);
    var labels = said.concat(heard.intents.map(function (i) { return INTENT_LABELS[i]; })
      .filter(function (l) { return said.indexOf(l) < 0; }));
    return labels.length ? "理解为：" + labels.join(" · ") : "";
  }

  function Scorer(data) {
    this.w = data.weights;
    this.vocab = data.vocabulary || {};
    this.known = {};
    this.longest = data.longest_word || 8;
    var known = this.known;
    (data.known || []).forEach(function (w) { known[w] = true; });
    this.intents = (data.intents || []).map(function (i) {
      INTENT_LABELS[i.key] = i.label;
      return { key: i.key, test: new RegExp(i.pattern), all: new RegExp(i.pattern, "g") };
    });
    this.filler = data.filler ? new RegExp(data.filler, "g") : null;
    this.tiles = {};
    var self = this;
    data.tiles.forEach(function (t) { self.tiles[t.key] = t; });
    this.tileVectors = null;
    if (data.tile_vectors) {
      this.tileVectors = {};
      Object.keys(data.tile_vectors).forEach(function (k) { self.tileVectors[k] = decodeInt8(data.tile_vectors[k]); });
    }
    this.postings = data.postings.map(function (p) {
      var gramSet = {};
      p.grams.forEach(function (g) { gramSet[g] = true; });
      return Object.assign({}, p, { vec: decodeInt8(p.vector), gramSet: gramSet });
    });
    this.byId = {};
    this.postings.forEach(function (p) { self.byId[p.id] = p; });
  }

  /* matching/kiosk.py hear(): intents, then (fillers out) the longest known word at each place. */
  Scorer.prototype.hear = function (text) {
    var t = fold(text);
    var intents = this.intents.filter(function (i) { return i.test.test(t); }).map(function (i) { return i.key; });
    var vocab = this.vocab, words = [];
    this.intents.forEach(function (i) {  // an intent's words are taken out, and heard as words where a post says them
      (t.match(i.all) || []).forEach(function (said) {
        if (Object.prototype.hasOwnProperty.call(vocab, said) && words.indexOf(said) < 0) words.push(said);
      });
      t = t.replace(i.all, " ");
    });
    if (this.filler) t = t.replace(this.filler, " ");
    var chars = Array.from(t), n = chars.length, absent = [], unheard = [], run = "", i = 0;
    function flush() {
      if (Array.from(run).length >= 2 && unheard.indexOf(run) < 0) unheard.push(run);
      run = "";
    }
    while (i < n) {
      var step = 0;
      for (var size = Math.min(this.longest, n - i); size > 1; size--) {
        var w = chars.slice(i, i + size).join("");
        var inVocab = Object.prototype.hasOwnProperty.call(this.vocab, w);
        if (inVocab || this.known[w]) {
          var said = inVocab ? words : absent;
          if (said.indexOf(w) < 0) said.push(w);
          flush();
          step = size; break;
        }
      }
      if (!step) {
        if (chars[i] >= "\u4e00" && chars[i] <= "\u9fff") run += chars[i]; else flush();
        step = 1;
      }
      i += step;
    }
    flush();
    return { words: words, intents: intents, absent: absent, unheard: unheard };
  };

  Scorer.prototype.rescale = function (cos) {
    return Math.min(1, Math.max(0, (cos - this.w.cos_floor) / this.w.cos_span));
  };

  Scorer.prototype.passes = function (p, q, skip) {
    if (skip.indexOf("education") < 0 && q.education && p.education_min) {
      if ((EDUCATION_RANK[p.education_min] || 0) > (EDUCATION_RANK[q.education] || 0)) return false;
    }
    if (skip.indexOf("work_type") < 0 && q.work_type && p.work_type !== q.work_type) return false;
    if (skip.indexOf("room_board") < 0 && q.room_board && !p.room_board) return false;
    if (skip.indexOf("travel") < 0 && q.travel_km != null && p.km != null && p.km > q.travel_km) return false;
    return true;
  };

  Scorer.prototype.tileHit = function (code, tiles) {
    if (!code) return null;
    for (var i = 0; i < tiles.length; i++) {
      for (var j = 0; j < tiles[i].prefixes.length; j++) {
        if (code.indexOf(tiles[i].prefixes[j]) === 0) return tiles[i];
      }
    }
    return null;
  };

  function order(a, b) {
    if (a.score !== b.score) return b.score - a.score;
    var sa = a.posting.salary_max || a.posting.salary_min || 0, sb = b.posting.salary_max || b.posting.salary_min || 0;
    if (sa !== sb) return sb - sa;
    return a.posting.id - b.posting.id;
  }

  function has(obj, key) { return Object.prototype.hasOwnProperty.call(obj, key); }

  /* matching/kiosk.py _near(): same 中类 (4-09) 0.5, same 大类 (4) 0.25. */
  function near(code, tiles) {
    var best = 0, by = "";
    tiles.forEach(function (t) {
      t.prefixes.forEach(function (prefix) {
        var n = code && prefix.length >= 4 && code.slice(0, 4) === prefix.slice(0, 4) ? 0.5 :
          (code && code.slice(0, 1) === prefix.slice(0, 1) ? 0.25 : 0);
        if (n > best) { best = n; by = t.label; }
      });
    });
    return { near: best, by: by };
  }

  /* q: {tiles: [key…] in the fair's tile order, education, work_type, room_board, travel_km, text, k} */
  Scorer.prototype.score = function (q) {
    var self = this, w = this.w, vocab = this.vocab;
    var tiles = (q.tiles || []).filter(function (k) { return self.tiles[k]; }).map(function (k) { return self.tiles[k]; });
    var text = q.text || "";
    var heard = text.trim() ? this.hear(text) : { words: [], intents: [], absent: [], unheard: [] };
    var saidTotal = 0;
    heard.words.forEach(function (x) { saidTotal += vocab[x]; });
    var unheardChars = [];
    heard.unheard.forEach(function (run) {
      if (Array.from(run).length > w.short_run) return;
      Array.from(run).forEach(function (c) { if (unheardChars.indexOf(c) < 0) unheardChars.push(c); });
    });
    var relaxed = [];
    var pool = this.postings.filter(function (p) { return self.passes(p, q, []); });
    for (var r = 0; r < RELAX_ORDER.length && pool.length === 0; r++) {
      relaxed.push(RELAX_ORDER[r]);
      pool = this.postings.filter(function (p) { return self.passes(p, q, relaxed); });
    }
    var wordsFound = !heard.words.length;
    var out = pool.map(function (p) {
      var s = 0, reasons = [];
      var pw = p.words || {}, hit = null;
      if (tiles.length) {
        hit = self.tileHit(p.occupation_code, tiles);
        if (hit) {
          s += w.tap;
          reasons.push("您选的「" + hit.label + "」：" + (p.occupation || p.title));
        } else {
          var nb = near(p.occupation_code, tiles);
          if (nb.near) {
            s += w.tap_near * nb.near;
            if (nb.near === 0.5) reasons.push("与您选的「" + nb.by + "」相近：" + (p.occupation || p.title));
          }
        }
        if (self.tileVectors && p.vec) {
          var best = null;
          tiles.forEach(function (t) {
            if (self.tileVectors[t.key]) {
              var v = self.rescale(int8Cosine(self.tileVectors[t.key], p.vec));
              if (best === null || v > best) best = v;
            }
          });
          if (best !== null) s += w.tap_vector * best;
        }
      }
      if (heard.words.length) {
        var got = 0;
        heard.words.forEach(function (x) { got += vocab[x] * (has(pw, x) ? pw[x] : 0); });
        var said = heard.words.filter(function (x) { return has(pw, x) && pw[x] > 0; });
        if (said.length) {
          wordsFound = true;
          s += w.words * got / saidTotal;
          reasons.push("您说的「" + said.slice(0, 3).join("、") + "」" +
            (p.occupation && !hit ? "：" + p.occupation : ""));
        }
      }
      if (unheardChars.length && !heard.words.length) {
        var have = {};
        Object.keys(pw).forEach(function (x) { if (pw[x] >= w.char_evidence) Array.from(x).forEach(function (c) { have[c] = true; }); });
        var hit = unheardChars.filter(function (c) { return have[c]; }).length;
        if (hit && hit * 2 >= unheardChars.length) {  // half the characters at least: one of six is chance
          s += w.chars * hit / unheardChars.length;
          reasons.push("可能与「" + heard.unheard.slice(0, 2).join("、") + "」有关");
        }
      }
      if (heard.intents.length) {
        var met = heard.intents.filter(function (i) { return p.intents.indexOf(i) >= 0; });
        s += w.intent * met.length / heard.intents.length;
        var shown = met.filter(function (i) { return !(q.room_board && i === "room_board"); })
          .map(function (i) { return INTENT_LABELS[i]; });
        if (shown.length) reasons.push(shown.join("、"));
      }
      if (q.room_board && p.room_board) reasons.push("包吃住");
      if (p.km != null && q.travel_km != null && p.km <= q.travel_km) reasons.push("离会场约" + p.km + "公里");
      if (q.education && p.education_min) reasons.push("学历符合");
      return { posting: p, score: s, reasons: reasons };
    });
    out.sort(order);
    var missing = [];
    tiles.forEach(function (t) {
      var inResults = out.some(function (x) { return self.tileHit(x.posting.occupation_code, [t]); });
      if (!inResults) {
        missing.push({ label: t.label.split(" ").join("、"),
                       at_fair: self.postings.some(function (p) { return self.tileHit(p.occupation_code, [t]); }) });
      }
    });
    if (missing.length < tiles.length) missing = [];
    return {
      items: out.slice(0, q.k || 8).map(function (x) {
        return { id: x.posting.id, score: Math.round(x.score * 1e6) / 1e6, why: x.reasons.join(" · ") || "本场在招岗位" };
      }),
      relaxed: relaxed.map(function (r) { return RELAX_LABELS[r]; }),
      understood: { summary: summary(heard), words: heard.words, absent: heard.absent, unheard: heard.unheard,
                    intents: heard.intents,
                    intent_labels: heard.intents.map(function (i) { return INTENT_LABELS[i]; }) },
      notice: notice(missing, heard, wordsFound, tiles.length > 0),
      missing: missing,
      source: "page",
    };
  };

  Scorer.prototype.similar = function (jobId, k) {
    var base = this.byId[jobId];
    if (!base) return { items: [], relaxed: [], source: "page" };
    var out = [];
    this.postings.forEach(function (p) {
      if (p.id === jobId) return;
      var s;
      if (base.vec && p.vec) {
        s = int8Cosine(base.vec, p.vec);
      } else {
        var a = base.occupation_code || "", b = p.occupation_code || "";
        var same = a && a === b ? 1.0 : (a.slice(0, 7) && a.slice(0, 7) === b.slice(0, 7) ? 0.6 :
          (a.slice(0, 4) && a.slice(0, 4) === b.slice(0, 4) ? 0.3 : 0.0));
        var union = {}, inter = 0;
        base.grams.forEach(function (g) { union[g] = true; });
        p.grams.forEach(function (g) { if (union[g]) inter += 1; union[g] = true; });
        s = same + inter / (Object.keys(union).length || 1);
      }
      out.push({ posting: p, score: s, reasons: ["与「" + base.title + "」相近"] });
    });
    out.sort(function (x, y) { return x.score !== y.score ? y.score - x.score : x.posting.id - y.posting.id; });
    return {
      items: out.slice(0, k || 6).map(function (x) {
        return { id: x.posting.id, score: Math.round(x.score * 1e6) / 1e6, why: x.reasons.join(" · ") };
      }),
      relaxed: [], source: "page",
    };
  };

  global.KioskScorer = Scorer;
  global.kioskBigrams = bigrams;
})(window);
