/*
 * EventFlow service worker: keeps the door scanner and ticket wallet usable with no network.
 * Scanner (/scan/...), ticket (/t/...) and My tickets (/my-tickets) pages are fetched from the network when possible;
 * when that fails, a static copy of the page that runs the same socket-free modules is served.
 */
const CACHE = "eventflow-door-v5"; // v5: wallet pass codes offline (door.js); v4: My tickets' offline copy (v3: signed EF2 codes)
const SHELL = [
  "/door/offline-scan.html", "/door/offline-ticket.html", "/door/offline-my-tickets.html", "/door/my_tickets.js",
  "/door/door.js", "/door/scanner.js",
  "/door/wallet.js", "/door/door.css", "/door/zxing.min.js", "/door/app.webmanifest",
  "/door/icon-192.png", "/door/icon-512.png",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (url.origin !== self.location.origin || event.request.method !== "GET") return;
  if (event.request.mode === "navigate" && (url.pathname.startsWith("/scan/") || url.pathname.startsWith("/t/"))) {
    const shell = url.pathname.startsWith("/scan/") ? "/door/offline-scan.html" : "/door/offline-ticket.html";
    event.respondWith(fetch(event.request).catch(() => caches.match(shell)));
    return;
  }
  if (event.request.mode === "navigate" && url.pathname === "/my-tickets") {
    // My tickets: the list this device kept (static/my_tickets.js), each ticket's wallet offline too.
    event.respondWith(fetch(event.request).catch(() => caches.match("/door/offline-my-tickets.html")));
    return;
  }
  if (url.pathname.startsWith("/door/")) {
    // Network first so updates arrive; the cached copy when offline.
    event.respondWith(
      fetch(event.request)
        .then((response) => {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
          return response;
        })
        .catch(() => caches.match(event.request)),
    );
  }
});
