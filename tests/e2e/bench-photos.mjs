// Photo benchmarks (figures, not pass/fail), run by bench.mjs as its `photos` section:
// - a 12-megapixel photo (4000×3000 JPEG) from picked to thumbnail shown at 4× CPU
//   throttling, with the page's longest task meanwhile;
// - 100 photos kept offline: localStorage use before and after, IndexedDB bytes a photo;
// - 30 queued photos uploaded over loopback while two replies are lost: time, requests.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { openProfile, startServer, tempDir, waitForServiceWorker } from "./harness.mjs";
import { makeJpeg, cuttingProxy } from "./photo-tools.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { setInspector } from "./pages/settings.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

/** Bytes localStorage holds (UTF-16 code units of keys and values, times two). */
const localStorageBytes = (page) => page.evaluate(() => {
  let n = 0;
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    n += (k.length + localStorage.getItem(k).length) * 2;
  }
  return n;
});

/** Times one pick of `file` on the open record form: change → thumbnail loaded. */
async function timePick(page, form, file) {
  await page.evaluate(() => {
    const b = (window.__photoBench = { tasks: [] });
    new PerformanceObserver((l) => { for (const e of l.getEntries()) b.tasks.push([e.startTime, e.duration]); })
      .observe({ type: "longtask" });
    document.addEventListener("change", () => { b.t0 = performance.now(); }, { capture: true, once: true });
    const check = () => {
      const img = document.querySelector('[data-testid="photo-picker"] img[data-testid="photo-image"]');
      if (img && img.complete && img.naturalWidth > 0) { b.t1 = performance.now(); return; }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  });
  await form.gallery.setInputFiles([file]);
  await page.waitForFunction(() => window.__photoBench.t1, null, { timeout: 120000 });
  return page.evaluate(() => {
    const b = window.__photoBench;
    const during = b.tasks.filter(([s, d]) => s + d >= b.t0 && s <= b.t1).map(([, d]) => d);
    return { ms: b.t1 - b.t0, longest: Math.max(0, ...during) };
  });
}

export async function benchPhotos(rate, runs, log) {
  const results = {};
  const server = await startServer();
  const { base } = server;

  // A 12-megapixel photo, picked to thumbnail shown, at `rate`× CPU throttling.
  {
    const t = await openProfile("bench-photo");
    await setInspector(t.page, base, "测试员");
    const form = new RecordForm(t.page);
    const made = await makeJpeg(t.page, 4000, 3000, "12MP", { detail: true });
    // Picked from a file on disk, as a tablet's gallery gives it: a buffer would be
    // turned into a File by script in the page, a long task that is not the app's.
    const dir = tempDir("photos");
    const paths = [];
    for (let i = 0; i < runs; i++) {
      paths.push(join(dir, `12MP-${i}.jpg`));
      writeFileSync(paths[i], made.buffer);
    }
    const cdp = await t.context.newCDPSession(t.page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate });
    const picks = [];
    const badge = new SyncBadge(t.page);
    for (let i = 0; i < runs; i++) {
      await form.open(base, "item-4-1");
      // The pick is timed once the app has started and synced, as a person picks.
      await badge.waitFor("synced");
      await t.page.waitForTimeout(1000);
      picks.push(await timePick(t.page, form, paths[i]));
    }
    await cdp.detach();
    results.pick = {
      bytes: made.buffer.length,
      median: round(median(picks.map((p) => p.ms))),
      runs: picks.map((p) => round(p.ms)),
      longest: round(Math.max(...picks.map((p) => p.longest))),
    };
    log("photo pick", results.pick);
    await t.context.close();
  }

  // 100 photos kept offline (4 picks of 25 on one form): localStorage and IndexedDB.
  {
    const t = await openProfile("bench-100");
    await setInspector(t.page, base, "测试员");
    const form = new RecordForm(t.page);
    await form.open(base, "item-4-1");
    await new SyncBadge(t.page).waitFor("synced");
    await waitForServiceWorker(t.page);
    const files = [];
    for (let i = 0; i < 25; i++) files.push(await makeJpeg(t.page, 4000, 3000, `b${i}`, { detail: true }));
    const before = await localStorageBytes(t.page);
    const usage = () => t.page.evaluate(async () => (await navigator.storage.estimate()).usage);
    const usageBefore = await usage();
    await t.context.setOffline(true);
    for (let round = 0; round < 4; round++) {
      await form.addPhotos(files.map((f, i) => ({ ...f, name: `r${round}-${i}.jpg` })));
    }
    const thumbs = await form.thumbs.count();
    const after = await localStorageBytes(t.page);
    const kept = await t.page.evaluate(() => new Promise((res) => {
      const open = indexedDB.open("jindu-media");
      open.onsuccess = () => {
        const all = open.result.transaction("media").objectStore("media").getAll();
        all.onsuccess = () => res(all.result.reduce((n, r) => n + r.bytes, 0));
      };
    }));
    results.hundred = {
      photos: thumbs,
      localStorageBefore: before,
      localStorageAfter: after,
      idbBytes: kept,
      idbBytesPerPhoto: Math.round(kept / thumbs),
      usageGrowth: (await usage()) - usageBefore,
    };
    log("100 photos offline", results.hundred);
    await t.context.close();
  }

  // 30 photos queued offline, uploaded through a proxy that loses two replies.
  {
    const proxy = await cuttingProxy(server, [5, 20]);
    const t = await openProfile("bench-30");
    await setInspector(t.page, proxy.base, "测试员");
    const form = new RecordForm(t.page);
    const badge = new SyncBadge(t.page);
    await form.open(proxy.base, "item-4-2");
    await badge.waitFor("synced");
    await waitForServiceWorker(t.page);
    const files = [];
    for (let i = 0; i < 30; i++) files.push(await makeJpeg(t.page, 4000, 3000, `q${i}`, { detail: true }));
    await t.context.setOffline(true);
    await form.addPhotos(files);
    await form.record({ observed: "2021-07-20", note: "bench" });
    await badge.waitForPendingMedia(30);
    const started = Date.now();
    await t.context.setOffline(false);
    await badge.waitForPendingMedia(0, 300000);
    results.queue = {
      photos: 30,
      files: 60,
      ms: Date.now() - started,
      puts: proxy.puts.length,
      lost: proxy.puts.filter((p) => !p.delivered).length,
      repeats412: proxy.puts.filter((p) => p.status === 412).length,
    };
    log("30 photos queued", results.queue);
    await t.context.close();
    await proxy.close();
  }
  await server.stop();
  return results;
}
