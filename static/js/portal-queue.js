/* The offline portal's queue, shared by the pages (portal.js) and the service worker (portal-sw.js).
 *
 * An entry is a form filled while offline: {id (UUID made here), kind, user (who made it), params, fields,
 * label, url, seq, state: "pending" | "refused" | "saved", reason (the server's answer), announced}. Entries live in IndexedDB, so they survive closing
 * the browser. flush() sends the logged-in user's pending entries to the sync endpoint one at a time, oldest
 * first; the server answers each id once (a retry gets the first answer). "saved" entries stay a week as sent,
 * "refused" ones stay with the reason until the doctor fixes or deletes them; another user's entries are never
 * sent. warm() keeps the pages the server lists for reading offline, in one cache per user.
 */
(function (root) {
  "use strict";
  var DB_NAME = "portal-offline";
  var STORE = "entries";
  var PAGES = "portal-pages-";

  function request(req) {
    return new Promise(function (resolve, reject) {
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function open() {
    var req = root.indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = function () {
      req.result.createObjectStore(STORE, { keyPath: "id" });
    };
    return request(req);
  }

  function withStore(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        // A write resolves on the transaction's "complete" (never before): the page says "已存在手机里" only then,
        // so an entry the doctor was told is kept survives the browser closing (or being killed) right after.
        // "strict": Chromium also flushes it to disk before "complete" (its default, "relaxed", leaves it in the
        // system's buffers, lost if the phone's battery dies at that moment).
        var tx = db.transaction(STORE, mode, { durability: mode === "readwrite" ? "strict" : "default" });
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return withStore("readonly", function (store) { return store.getAll(); }).then(function (entries) {
      return entries.sort(function (a, b) { return a.seq - b.seq; });
    });
  }

  function get(id) {
    return withStore("readonly", function (store) { return store.get(id); });
  }

  function put(entry) {
    return withStore("readwrite", function (store) { store.put(entry); });
  }

  function remove(id) {
    return withStore("readwrite", function (store) { store.delete(id); });
  }

  var lastSeq = 0;
  function uuid() {
    if (root.crypto && root.crypto.randomUUID) return root.crypto.randomUUID();
    var b = root.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function add(entry) {
    entry.id = uuid();
    entry.seq = Math.max(Date.now(), lastSeq + 1);
    lastSeq = entry.seq;
    entry.state = "pending";
    return put(entry).then(function () { return entry; });
  }

  function isJson(resp) {
    return !resp.redirected && (resp.headers.get("Content-Type") || "").indexOf("json") >= 0;
  }

  // Who is logged in (null: nobody, or no network: "offline"), a CSRF token and the pages to keep.
  function state(syncUrl) {
    return fetch(syncUrl, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (resp) { return resp.ok && isJson(resp) ? resp.json() : null; }, function () { return "offline"; });
  }

  function sendAll(syncUrl) {
    var result = { saved: 0, refused: 0, user: null, offline: false, pages: [] };
    return state(syncUrl).then(function (st) {
      if (st === "offline") { result.offline = true; return result; }
      if (!st) return result;
      result.user = st.user;
      result.pages = st.pages;
      return all().then(function (entries) {
        var mine = entries.filter(function (e) { return e.user === st.user && e.state === "pending"; });
        var chain = Promise.resolve(true);
        mine.forEach(function (entry) {
          chain = chain.then(function (goOn) {
            if (!goOn) return false;
            return fetch(syncUrl, {
              method: "POST",
              credentials: "same-origin",
              headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": st.csrf },
              body: JSON.stringify({
                id: entry.id, kind: entry.kind, user: entry.user, params: entry.params, fields: entry.fields
              })
            }).then(function (resp) {
              if (!isJson(resp) || resp.status >= 500) return false;  // logged out, CSRF, server trouble: later
              return resp.json().then(function (answer) {
                if (answer.status === "saved") {
                  // Kept a week as "已发送" with the server's answer, so the doctor sees it arrived.
                  result.saved += 1;
                  entry.state = "saved";
                  entry.reason = answer.message;
                  entry.sentAt = Date.now();
                  return put(entry).then(function () { return true; });
                }
                if (answer.status === "refused") {
                  result.refused += 1;
                  entry.state = "refused";
                  entry.reason = answer.message;
                  return put(entry).then(function () { return true; });
                }
                return true;  // another user's entry: it waits for its own doctor
              });
            }, function () { result.offline = true; return false; });
          });
        });
        return chain.then(function () { return result; });
      });
    });
  }

  // One sender at a time, across the pages and the worker.
  function flush(syncUrl) {
    var locks = root.navigator && root.navigator.locks;
    if (locks) return locks.request("portal-offline-queue", function () { return sendAll(syncUrl); });
    return sendAll(syncUrl);
  }

  function dropPages(exceptUser) {
    return root.caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf(PAGES) === 0 && key !== PAGES + exceptUser;
      }).map(function (key) { return root.caches.delete(key); }));
    });
  }

  // Keep one copy of a page for this user (a page of someone else is never kept).
  function keep(cache, path, resp, user) {
    if (!resp.ok || resp.headers.get("X-Portal-User") !== String(user)) return Promise.resolve();
    return resp.blob().then(function (body) {
      var copy = new Response(body, { status: 200, headers: resp.headers });
      var target = new URL(resp.url);
      var puts = [cache.put(target.pathname + target.search, copy)];
      if (resp.redirected) puts.push(cache.put(path, Response.redirect(target.href, 302)));
      return Promise.all(puts);
    });
  }

  function warm(pages, user) {
    return dropPages(user).then(function () { return root.caches.open(PAGES + user); }).then(function (cache) {
      var chain = Promise.resolve();
      pages.forEach(function (path) {
        chain = chain.then(function () {
          return fetch(path, { credentials: "same-origin", cache: "no-store" }).then(function (resp) {
            return keep(cache, path, resp, user);
          }, function () {});
        });
      });
      return chain;
    });
  }

  root.PortalQueue = {
    SYNC_TAG: "portal-queue",
    PAGES: PAGES,
    all: all,
    get: get,
    put: put,
    remove: remove,
    add: add,
    flush: flush,
    warm: warm,
    keep: keep,
    dropPages: dropPages
  };
})(self);
