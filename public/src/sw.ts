/**
 * The terminal's service worker (served at /sw.js, scope /): the counter keeps working offline.
 * - The shell (the terminal page, its script, styles and manifest) is cached at install.
 * - GETs of what the counter reads (catalogue, settings, masters, recent customers, who am I,
 *   loyalty) go to the network first and fall back to the last good answer when it is out.
 * Everything else (bills, payments, the socket) passes through: the page's outbox handles those.
 */
const CACHE = 'tajir-terminal-v1';
const SHELL = ['/terminal', '/assets/terminal.js', '/assets/styles.css', '/manifest.webmanifest'];
const READS = [/^\/api\/products$/, /^\/api\/shop-settings$/, /^\/api\/masters$/, /^\/api\/counter\/customers$/, /^\/api\/auth\/me$/, /^\/api\/loyalty\/(config|tiers)$/];

// the DOM lib has no ServiceWorkerGlobalScope: the little used here, typed by hand
const sw = self as unknown as {
  addEventListener(type: 'install' | 'activate' | 'fetch', fn: (e: any) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  location: Location;
};

sw.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => sw.skipWaiting()));
});

sw.addEventListener('activate', (e) => {
  e.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

async function networkFirst(req: Request): Promise<Response> {
  const cache = await caches.open(CACHE);
  try {
    const res = await fetch(req);
    if (res.ok) await cache.put(req, res.clone());
    return res;
  } catch (err) {
    const hit = await cache.match(req);
    if (hit) return hit;
    throw err;
  }
}

sw.addEventListener('fetch', (e) => {
  const req: Request = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== sw.location.origin) return;
  if (SHELL.includes(url.pathname) || READS.some((r) => r.test(url.pathname))) e.respondWith(networkFirst(req));
});
