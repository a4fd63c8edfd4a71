// Jindu's media worker: a record's photos, off the page's thread.
//
// Everything here is the browser's own work — decoding and encoding images, hashing,
// IndexedDB, fetch — so it is plain JavaScript rather than a wasm module that would only
// wrap the same calls. It speaks the protocol of the app's other workers (src/workers.rs):
// `{ready: true}` once, then one request at a time, answered `{ok: true, ...}` or
// `{ok: false, error}`.
//
// - add: files → each decoded (orientation applied), downscaled to at most 1600 px on its
//   long side as JPEG plus a thumbnail of at most 320 px, both with no metadata, named by
//   the SHA-256 of their bytes and kept in IndexedDB as pending until uploaded;
// - upload: PUT /files/media/{plan}/{hash}.jpg with If-None-Match: * for every pending
//   photo a record still lists (201 or 412: uploaded); stops on 401/403, reports 422;
// - get: a photo's bytes from IndexedDB, else from the server (checked against its
//   name, then cached, least recently used evicted past the cap, never one still
//   pending);
// - status: photos pending and bytes kept.
"use strict";

const DB = "jindu-media";
const STORE = "media";
const PHOTO_SIDE = 1600;
const THUMB_SIDE = 320;
const MAX_PIXELS = 50_000_000;
const QUALITY = 0.85;
// Cached (uploaded or fetched) photos are kept up to this many bytes; pending ones always.
const CACHE_CAP = 200 * 1024 * 1024;

let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const open = indexedDB.open(DB, 1);
      open.onupgradeneeded = () => {
        const store = open.result.createObjectStore(STORE, { keyPath: "hash" });
        store.createIndex("pending", "pending");
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  return dbPromise;
}

function tx(mode, fn) {
  return db().then((d) => new Promise((resolve, reject) => {
    const t = d.transaction(STORE, mode);
    let result;
    Promise.resolve(fn(t.objectStore(STORE))).then((r) => { result = r; });
    t.oncomplete = () => resolve(result);
    t.onabort = () => reject(t.error || new Error("aborted"));
    t.onerror = () => reject(t.error);
  }));
}

function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function sha256(blob) {
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function scaled(bitmap, side) {
  const ratio = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
  const w = Math.max(1, Math.round(bitmap.width * ratio));
  const h = Math.max(1, Math.round(bitmap.height * ratio));
  const canvas = new OffscreenCanvas(w, h);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(bitmap, 0, 0, w, h);
  // A canvas encodes pixels only: no EXIF, no location, whatever the file carried.
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: QUALITY });
  return { blob, w, h };
}

async function addOne(plan, file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch (e) {
    return { name: file.name, reason: "decode" };
  }
  try {
    if (bitmap.width * bitmap.height > MAX_PIXELS) {
      return { name: file.name, reason: "too_large" };
    }
    let photo, thumb, ph, th;
    try {
      photo = await scaled(bitmap, PHOTO_SIDE);
      thumb = await scaled(bitmap, THUMB_SIDE);
      [ph, th] = await Promise.all([sha256(photo.blob), sha256(thumb.blob)]);
    } catch (e) {
      // Out of memory encoding a huge picture, say: this file only, not the batch.
      return { name: file.name, reason: "decode" };
    }
    const now = Date.now();
    try {
      await tx("readwrite", (s) => {
        for (const [hash, blob, kind] of [[ph, photo.blob, "photo"], [th, thumb.blob, "thumb"]]) {
          s.put({ hash, plan, kind, blob, bytes: blob.size, pending: 1, added: now, used: now });
        }
      });
    } catch (e) {
      return { name: file.name, reason: "storage", detail: String(e && e.name || e) };
    }
    return { photo: { photo: ph, thumb: th, w: photo.w, h: photo.h, b: photo.blob.size } };
  } finally {
    bitmap.close();
  }
}

async function add({ plan, files }) {
  const photos = [];
  const errors = [];
  for (const file of files) {
    const r = await addOne(plan, file);
    if (r.photo) photos.push(r.photo); else errors.push(r);
  }
  return { photos, errors };
}

async function all() {
  return tx("readonly", (s) => req(s.getAll()));
}

async function status() {
  const rows = await all();
  const pending = rows.filter((r) => r.pending === 1);
  const bad = rows.filter((r) => r.pending === 2);
  return {
    pending: pending.filter((r) => r.kind === "photo").length,
    pendingBytes: pending.reduce((n, r) => n + r.bytes, 0),
    keptBytes: rows.reduce((n, r) => n + r.bytes, 0),
    refused: bad.map((r) => r.hash),
  };
}

function mediaUrl(base, plan, hash) {
  return `${base}media/${encodeURIComponent(plan)}/${hash}.jpg`;
}

function headers(token) {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

async function setRow(hash, change) {
  await tx("readwrite", async (s) => {
    const row = await req(s.get(hash));
    if (row) s.put(Object.assign(row, change));
  });
}

// Uploads the pending photos that a record still lists (`listed`: their hashes), oldest
// first. A pending photo no record lists and older than a day was left by a record that
// was deleted or corrected without it, or by a form never saved: dropped.
async function upload({ base, token, listed, plan }) {
  const keep = new Set(listed);
  // The open plan's photos only: another plan's are listed by that plan's records.
  const rows = (await all())
    .filter((r) => r.pending === 1 && r.plan === plan)
    .sort((a, b) => a.added - b.added);
  let uploaded = 0;
  let requests = 0;
  const dayAgo = Date.now() - 86_400_000;
  for (const row of rows) {
    if (!keep.has(row.hash)) {
      if (row.added < dayAgo) {
        // Read again in the deleting transaction: the other worker may have just added
        // the same photo to a new record.
        await tx("readwrite", async (s) => {
          const now = await req(s.get(row.hash));
          if (now && now.pending === 1 && now.added < dayAgo) s.delete(row.hash);
        });
      }
      continue;
    }
    let res;
    try {
      requests += 1;
      res = await fetch(mediaUrl(base, row.plan, row.hash), {
        method: "PUT",
        headers: Object.assign({ "If-None-Match": "*", "Content-Type": "image/jpeg" }, headers(token)),
        body: row.blob,
        cache: "no-store",
      });
    } catch (e) {
      return { uploaded, requests, stopped: "offline", remaining: await pendingCount(plan) };
    }
    if (res.status === 201 || res.status === 200 || res.status === 204 || res.status === 412) {
      await setRow(row.hash, { pending: 0, used: Date.now() });
      uploaded += 1;
    } else if (res.status === 401 || res.status === 403) {
      return { uploaded, requests, stopped: String(res.status), remaining: await pendingCount(plan) };
    } else if (res.status === 422 || res.status === 413 || res.status === 415) {
      // The server hashed other bytes than the name says: sending again cannot help.
      await setRow(row.hash, { pending: 2 });
    } else {
      return { uploaded, requests, stopped: String(res.status), remaining: await pendingCount(plan) };
    }
  }
  await evict();
  return { uploaded, requests, remaining: await pendingCount(plan) };
}

async function pendingCount(plan) {
  return (await all()).filter((r) => r.pending === 1 && r.kind === "photo" && r.plan === plan).length;
}

// Drops the least recently used cached photos past the cap; never a pending one.
async function evict() {
  const rows = await all();
  let total = rows.filter((r) => r.pending === 0).reduce((n, r) => n + r.bytes, 0);
  if (total <= CACHE_CAP) return;
  const old = rows.filter((r) => r.pending === 0).sort((a, b) => a.used - b.used);
  await tx("readwrite", (s) => {
    for (const r of old) {
      if (total <= CACHE_CAP) break;
      // Only if still uploaded: the other worker may have made it pending again.
      const key = r.hash;
      s.get(key).onsuccess = (ev) => { if (ev.target.result && ev.target.result.pending === 0) s.delete(key); };
      total -= r.bytes;
    }
  });
}

// A photo's bytes: kept here, else fetched from the server and kept. `missing` when the
// server has never had it (the tablet that took it never uploaded it).
async function get({ base, token, plan, hash }) {
  const row = await tx("readonly", (s) => req(s.get(hash)));
  if (row) {
    setRow(hash, { used: Date.now() }).catch(() => {});
    return { blob: row.blob, pending: row.pending === 1 };
  }
  let res;
  try {
    res = await fetch(mediaUrl(base, plan, hash), { headers: headers(token) });
  } catch (e) {
    return { offline: true };
  }
  if (res.status === 404) return { missing: true };
  if (!res.ok) return { failed: res.status };
  const blob = await res.blob();
  // A plain WebDAV endpoint stores whatever it is sent: bytes that do not hash to their
  // name are damaged, shown as such and never kept.
  if ((await sha256(blob)) !== hash) return { damaged: true };
  const now = Date.now();
  try {
    await tx("readwrite", (s) => s.put({ hash, plan, kind: "cached", blob, bytes: blob.size, pending: 0, added: now, used: now }));
    await evict();
  } catch (e) {
    // A full disk: shown this time, fetched again next time.
  }
  return { blob };
}

const OPS = { add, upload, get, status };

self.onmessage = async (event) => {
  const { op, ...args } = event.data || {};
  const fn = OPS[op];
  if (!fn) {
    self.postMessage({ ok: false, error: `unknown request ${op}` });
    return;
  }
  try {
    self.postMessage(Object.assign({ ok: true }, await fn(args)));
  } catch (e) {
    self.postMessage({ ok: false, error: String((e && e.message) || e) });
  }
};

self.postMessage({ ready: true });
