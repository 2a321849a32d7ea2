/* The village-doctor portal's service worker, served at /portal/sw.js (scope /portal/) by
 * clinics.portal.offline.service_worker, which puts self.PORTAL in front of this file: the shell version (a hash
 * of the shell files: a change installs a new worker), the shell's static URLs, the queue script, the sync and
 * queue URLs and the Chinese text of the last-resort offline page.
 *
 * - The shell (CSS, JS, icons) is kept in "portal-shell-<version>"; older versions are dropped on activation.
 * - Portal pages: network first. A page that arrives is kept in "portal-pages-<user>" (the user is the page's
 *   X-Portal-User header; another user's caches are dropped first). With no network the kept copy is shown,
 *   marked data-from-cache="1" so the page shows the offline banner; a page never kept shows the queue page.
 * - Background Sync ("portal-queue"): the queue is sent when the connection is back, even with no page open.
 */
/* global PORTAL, PortalQueue */
importScripts(PORTAL.queueScript);

var SHELL = "portal-shell-" + PORTAL.version;

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) {
      return cache.addAll(PORTAL.shell.map(function (url) { return new Request(url, { cache: "reload" }); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (key) {
        return key.indexOf("portal-shell-") === 0 && key !== SHELL;
      }).map(function (key) { return caches.delete(key); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function marked(resp, flag) {
  var headers = new Headers(resp.headers);
  headers.delete("Content-Length");  // the marked page is longer
  return resp.text().then(function (html) {
    return new Response(html.replace('data-from-cache="0"', 'data-from-cache="' + flag + '"'), {
      status: 200, headers: headers
    });
  });
}

function userCaches() {
  return caches.keys().then(function (keys) {
    return keys.filter(function (key) { return key.indexOf(PortalQueue.PAGES) === 0; });
  });
}

function offlinePage(request) {
  var url = new URL(request.url);
  return userCaches().then(function (names) {
    var chain = Promise.resolve(null);
    names.forEach(function (name) {
      chain = chain.then(function (found) {
        return found || caches.open(name).then(function (cache) {
          return cache.match(url.pathname + url.search, { ignoreVary: true }).then(function (hit) {
            return hit || cache.match(PORTAL.queuePage, { ignoreVary: true }).then(function (queue) {
              return queue ? marked(queue, "missing") : null;
            });
          });
        }).then(function (hit) {
          if (!hit || hit.status !== 200 || hit.headers.get("X-Portal-User") === null) return hit;
          return hit.bodyUsed ? hit : marked(hit, "1");
        });
      });
    });
    return chain;
  }).then(function (found) {
    return found || new Response(PORTAL.offlineText, {
      status: 503, headers: { "Content-Type": "text/html; charset=utf-8" }
    });
  });
}

function keepPage(url, resp) {
  var user = resp.headers.get("X-Portal-User");
  if (!resp.ok || resp.type !== "basic" || !user) return Promise.resolve();
  return PortalQueue.dropPages(user).then(function () {
    return caches.open(PortalQueue.PAGES + user);
  }).then(function (cache) {
    return PortalQueue.keep(cache, url.pathname + url.search, resp, user);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (PORTAL.shell.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.open(SHELL).then(function (cache) {
      return cache.match(request, { ignoreVary: true, ignoreSearch: true });
    }).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode === "navigate" && url.pathname.indexOf(PORTAL.home) === 0) {
    event.respondWith(fetch(request).then(function (resp) {
      event.waitUntil(keepPage(url, resp.clone()));
      return resp;
    }, function () { return offlinePage(request); }));
  }
});

function tellPages(result) {
  return self.clients.matchAll({ type: "window" }).then(function (pages) {
    pages.forEach(function (page) {
      page.postMessage({ type: "queue-changed", saved: result.saved, refused: result.refused });
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag !== PortalQueue.SYNC_TAG) return;
  if (self.navigator.onLine === false) {
    event.waitUntil(Promise.reject(new Error("offline")));  // the browser tries again later
    return;
  }
  event.waitUntil(PortalQueue.flush(PORTAL.syncUrl).then(function (result) {
    return tellPages(result).then(function () {
      if (result.offline) throw new Error("still offline");  // the browser tries again later
    });
  }));
});
