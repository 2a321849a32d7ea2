/* The village-doctor portal's page script (no framework; the CSP allows no inline script).
 *
 * - Registers the service worker (portal-sw.js via /portal/sw.js) and keeps the pages for offline reading.
 * - Shows "离线 · 数据截至 HH:MM" when offline or when the page is a kept copy, and the pending-queue counter.
 * - A form marked data-offline="<kind>" is queued when there is no network (portal-queue.js); its data-param-*
 *   attributes are the entry's params, data-offline-label (with {field} marks) describes it in the queue. The queue is sent on each page load when online, when the connection comes back, and by Background Sync.
 * - The queue page (data-queue-list) lists this user's entries: pending, or refused with the reason, to fix
 *   (the form opens filled in: #fix=<id>) or delete.
 * Texts come from the template (#offline-strings, a JSON data block), so they are translated like the rest.
 */
(function () {
  "use strict";
  var Q = window.PortalQueue;
  var body = document.body;
  var root = document.documentElement;
  var stringsNode = document.getElementById("offline-strings");
  if (!Q || !stringsNode) return;
  var S = JSON.parse(stringsNode.textContent);
  var user = body.dataset.user ? Number(body.dataset.user) : null;
  var rendered = Number(body.dataset.rendered || 0) * 1000;
  var fromCache = body.dataset.fromCache || "0";
  var hasIDB = "indexedDB" in window;

  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, key) { return key in values ? values[key] : m; });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function when(ms) {
    var d = new Date(ms);
    var now = new Date();
    var time = pad(d.getHours()) + ":" + pad(d.getMinutes());
    if (d.toDateString() === now.toDateString()) return time;
    return fmt(S.date, { month: d.getMonth() + 1, day: d.getDate() }) + " " + time;
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ------------------------------------------------------------------ messages, banner, counter
  function say(text, kind, link) {
    var box = document.querySelector("[data-offline-msg]");
    if (!box) return;
    box.textContent = "";
    box.className = "msg offline-msg " + (kind || "info");
    box.appendChild(el("span", "", text));
    if (link) {
      var a = el("a", "", link.text);
      a.href = link.href;
      box.appendChild(document.createTextNode(" "));
      box.appendChild(a);
    }
    box.hidden = false;
  }

  function banner() {
    var node = document.querySelector("[data-offline-banner]");
    if (!node) return;
    var offline = !navigator.onLine || fromCache !== "0";
    node.hidden = !offline || !rendered || !user;
    node.textContent = "";
    node.appendChild(el("strong", "", fmt(S.banner, { time: when(rendered) })));
    node.appendChild(el("small", "", S.bannerHint));
    root.classList.toggle("is-offline", !navigator.onLine);
  }

  var WEEK = 7 * 24 * 3600 * 1000;

  // The counter, and a message for each answer not shown yet (sent by this page or by the worker).
  function count() {
    var node = document.querySelector("[data-queue-count]");
    if (!node || !hasIDB) return Promise.resolve();
    return Q.all().then(function (entries) {
      var old = entries.filter(function (e) { return e.state === "saved" && Date.now() - e.sentAt > WEEK; });
      entries = entries.filter(function (e) { return old.indexOf(e) < 0; });
      var mine = entries.filter(function (e) { return e.user === user; });
      var pending = mine.filter(function (e) { return e.state === "pending"; }).length;
      var refused = mine.filter(function (e) { return e.state === "refused"; }).length;
      if (user === null) {
        var waiting = entries.filter(function (e) { return e.state === "pending"; }).length;
        node.hidden = waiting === 0;
        node.textContent = fmt(S.countLoggedOut, { n: waiting });
        return Promise.all(old.map(function (e) { return Q.remove(e.id); }));
      }
      node.hidden = false;
      node.textContent = fmt(S.count, { n: pending }) + (refused ? " · " + fmt(S.countRefused, { n: refused }) : "");
      node.classList.toggle("has-pending", pending > 0);
      node.classList.toggle("has-refused", refused > 0);
      node.dataset.pending = String(pending);
      node.dataset.refused = String(refused);
      var fresh = mine.filter(function (e) { return e.state !== "pending" && !e.announced; });
      var savedNow = fresh.filter(function (e) { return e.state === "saved"; }).length;
      var refusedNow = fresh.length - savedNow;
      var text = savedNow ? fmt(S.sent, { n: savedNow }) : "";
      if (refusedNow) {
        say((text ? text + " " : "") + fmt(S.refusedNotice, { n: refusedNow }), "error",
          { text: S.seeQueue, href: body.dataset.queuePage });
      } else if (savedNow) {
        say(text, "success");
      }
      return Promise.all(old.map(function (e) { return Q.remove(e.id); }).concat(fresh.map(function (e) {
        e.announced = true;
        return Q.put(e);
      })));
    }).then(drawQueue);
  }

  // ------------------------------------------------------------------ sending
  var sync = body.dataset.sync;
  var sending = null;

  function warmIfDue(result) {
    if (!("caches" in window) || !result.user || !result.pages) return Promise.resolve();
    var key = "portal-warmed";
    var last = {};
    try { last = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { last = {}; }
    var due = last.user !== result.user || last.version !== S.version || result.saved > 0 ||
      Date.now() - (last.at || 0) > 30 * 60 * 1000;
    if (!due) return Promise.resolve();
    return Q.warm(result.pages, result.user).then(function () {
      localStorage.setItem(key, JSON.stringify({ user: result.user, at: Date.now(), version: S.version }));
    });
  }

  function send() {
    if (!sync || !user || !hasIDB || !navigator.onLine) return Promise.resolve();
    if (sending) return sending;
    root.dataset.queue = "sending";
    sending = Q.flush(sync).then(function (result) {
      if (result.user && result.user !== user) result.pages = null;  // another login meanwhile: not this page's
      if (!result.user && !result.offline) say(S.loginToSend, "warning");
      return warmIfDue(result);
    }).catch(function () {}).then(function () {
      sending = null;
      root.dataset.queue = "idle";
      return count();
    });
    return sending;
  }

  // ------------------------------------------------------------------ queueing a form offline
  function paramsOf(form) {
    var params = {};
    Object.keys(form.dataset).forEach(function (key) {
      if (key.indexOf("param") === 0 && key.length > 5) {
        params[key.charAt(5).toLowerCase() + key.slice(6)] = form.dataset[key];
      }
    });
    return params;
  }

  // "服务月报：2026年11月（提交给卫生院）", "药品销售：阿莫西林胶囊 2盒，单价 6.80 元": the form's
  // data-offline-label with {field} marks filled in, and the button pressed.
  function labelOf(form, fields, submitter) {
    var label = fmt(form.dataset.offlineLabel || "", fields);
    if (submitter && submitter.name) label += "（" + submitter.textContent.trim() + "）";
    return (S.kinds[form.dataset.offline] || "") + "：" + label;
  }

  function fieldsOf(form, submitter) {
    var fields = {};
    var data = new FormData(form, submitter || undefined);
    data.forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields[name] = value;
    });
    return fields;
  }

  function queueForm(form, submitter) {
    var fields = fieldsOf(form, submitter);
    var entry = {
      kind: form.dataset.offline,
      user: user,
      params: paramsOf(form),
      fields: fields,
      label: labelOf(form, fields, submitter),
      url: location.pathname + location.search
    };
    var fixing = form.dataset.fixing;
    // Ask the browser not to clear the site's storage when the phone runs short of space (Chromium decides without
    // asking: granted to an installed app; Firefox asks the doctor once). The queue's writes do not wait for it.
    if (navigator.storage && navigator.storage.persist) navigator.storage.persist().catch(function () {});
    return Q.add(entry).then(function () {
      return fixing ? Q.remove(fixing) : null;
    }).then(function () {
      delete form.dataset.fixing;
      return Q.all();
    }).then(function (entries) {
      var n = entries.filter(function (e) { return e.user === user && e.state === "pending"; }).length;
      say(fmt(S.queued, { n: n }), "warning", { text: S.seeQueue, href: body.dataset.queuePage });
      // Kept: the buttons rest, so the same entry is not queued twice (to change it, delete it in the queue).
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit], button:not([type])"), function (b) {
        b.disabled = true;
      });
      var note = form.querySelector(".queued-note") || form.appendChild(el("p", "msg warning queued-note"));
      note.textContent = S.queuedHere;
      window.scrollTo(0, 0);
      if (navigator.serviceWorker) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync) return reg.sync.register(Q.SYNC_TAG);
        }).catch(function () {});
      }
      return count();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form.logout")) {
      // Leaving: this user's kept pages go (the queue stays, for this user's next login).
      event.preventDefault();
      try { localStorage.removeItem("portal-warmed"); } catch (e) { /* private mode */ }
      var done = function () { form.submit(); };
      ("caches" in window ? Q.dropPages("") : Promise.resolve()).then(done, done);
      return;
    }
    if (!form.dataset.offline || !user || !hasIDB) return;
    var submitter = event.submitter;
    if (!navigator.onLine) {
      event.preventDefault();
      queueForm(form, submitter);
    } else if (form.dataset.fixing) {
      // Fixed and sent online: the refused entry it replaces goes first (the page then shows the answer).
      event.preventDefault();
      var id = form.dataset.fixing;
      if (submitter && submitter.name) {
        var pressed = el("input");
        pressed.type = "hidden";
        pressed.name = submitter.name;
        pressed.value = submitter.value;
        form.appendChild(pressed);
      }
      Q.remove(id).then(function () { form.submit(); }, function () { form.submit(); });
    }
  });

  // ------------------------------------------------------------------ fixing a refused entry
  function openFix() {
    var match = /^#fix=([0-9a-f-]+)$/.exec(location.hash);
    if (!match || !hasIDB) return;
    Q.get(match[1]).then(function (entry) {
      if (!entry || entry.user !== user) return;
      var form = document.querySelector('form[data-offline="' + entry.kind + '"]');
      if (!form) return;
      Object.keys(entry.fields).forEach(function (name) {
        var input = form.elements[name];
        if (!input || input.tagName === "BUTTON") return;
        if (input.type === "checkbox") input.checked = true;
        else if (input.type !== "hidden" || name !== "csrfmiddlewaretoken") input.value = entry.fields[name];
      });
      form.dataset.fixing = entry.id;
      say(fmt(S.fixing, { reason: entry.reason || "" }), "warning");
    });
  }

  // ------------------------------------------------------------------ the queue page
  function drawQueue() {
    var list = document.querySelector("[data-queue-list]");
    if (!list) return null;
    return Q.all().then(function (entries) {
      var mine = entries.filter(function (e) { return e.user === user; });
      var others = entries.filter(function (e) { return e.user !== user && e.state === "pending"; }).length;
      // Waiting and refused first (what needs the doctor), then what was sent.
      mine.sort(function (a, b) { return (a.state === "saved") - (b.state === "saved") || a.seq - b.seq; });
      list.textContent = "";
      if (!mine.length) list.appendChild(el("p", "empty", S.empty));
      mine.forEach(function (entry) {
        var refused = entry.state === "refused";
        var saved = entry.state === "saved";
        var item = el("li", "queue-item " + entry.state);
        item.dataset.entry = entry.id;
        var head = el("div", "queue-head");
        var badge = saved ? ["ok", S.saved] : refused ? ["danger", S.refused] : ["warn", S.pending];
        head.appendChild(el("span", "badge " + badge[0], badge[1]));
        head.appendChild(el("strong", "queue-what", entry.label));
        item.appendChild(head);
        item.appendChild(el("p", "hint", fmt(S.madeAt, { time: when(entry.seq) })));
        if (saved) {
          item.appendChild(el("p", "queue-answer", entry.reason + " " + fmt(S.sentAt, { time: when(entry.sentAt) })));
          list.appendChild(item);
          return;
        }
        if (refused) {
          item.appendChild(el("p", "queue-reason", S.reason + entry.reason));
          var fix = el("a", "button", S.fix);
          fix.href = entry.url + "#fix=" + entry.id;
          item.appendChild(fix);
        } else {
          item.appendChild(el("p", "hint", navigator.onLine ? S.willSend : S.waitNetwork));
        }
        var drop = el("button", "button secondary", S.discard);
        drop.type = "button";
        drop.addEventListener("click", function () {
          if (drop.dataset.armed) {
            Q.remove(entry.id).then(count);
          } else {
            drop.dataset.armed = "1";
            drop.textContent = S.discardConfirm;
            drop.classList.add("danger");
          }
        });
        item.appendChild(drop);
        list.appendChild(item);
      });
      var button = document.querySelector("[data-queue-send]");
      if (button) button.hidden = !mine.some(function (e) { return e.state === "pending"; }) || !navigator.onLine;
      var note = document.querySelector("[data-queue-others]");
      if (note) {
        note.hidden = others === 0;
        note.textContent = fmt(S.others, { n: others });
      }
    });
  }

  // ------------------------------------------------------------------ start
  banner();
  window.addEventListener("online", function () { banner(); send(); });
  window.addEventListener("offline", banner);
  if (fromCache === "missing") say(S.noCopy, "warning");
  if (user === null && "caches" in window && body.dataset.loginPage) Q.dropPages("").catch(function () {});
  var sendButton = document.querySelector("[data-queue-send]");
  if (sendButton) sendButton.addEventListener("click", function () { send(); });
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (!event.data || event.data.type !== "queue-changed") return;
      count();
    });
    if (user !== null && body.dataset.sw) {
      navigator.serviceWorker.register(body.dataset.sw, { scope: body.dataset.home }).catch(function () {});
    }
  }
  openFix();
  // After a form is saved the page reloads with its message (已提交…): focus goes to it, so that a screen
  // reader says it and a keyboard user starts there, not at the top of the page.
  var saved = document.querySelector(".messages .msg");
  if (saved) {
    saved.setAttribute("tabindex", "-1");
    saved.setAttribute("role", "status");
    saved.focus();
  }
  count().then(function () {
    return send();
  }).then(function () {
    root.dataset.offlineReady = "1";
  });
})();
