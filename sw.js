// Jindu's service worker: the app shell from the cache, so the app opens and reloads
// with no network. Sync documents (/files/) and health checks always go to the network.
// The asset list and version are written in by scripts/sw-manifest at build time.
const VERSION = "__VERSION__";
const ASSETS = ["__ASSETS__"];
const CACHE = "jindu-shell-" + VERSION;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(ASSETS))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("jindu-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/files/") || url.pathname === "/healthz") return;
  if (request.mode === "navigate") {
    // Deep links are the app: answer with the cached shell.
    event.respondWith(caches.match("/index.html").then((r) => r || fetch(request)));
    return;
  }
  // The media worker runs twice (its upload instance is named with a query): one file.
  const ignoreSearch = url.pathname === "/media-worker.js";
  event.respondWith(caches.match(request, { ignoreSearch }).then((r) => r || fetch(request)));
});
