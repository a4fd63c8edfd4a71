// Browser benchmarks (figures, not pass/fail): the release app served by the real
// jindu-server, in Debian's headless Chromium with the CPU throttled 4x through CDP to
// stand for a mid-range tablet, plus Lighthouse 12 (mobile preset) for the cold start.
// Run by scripts/bench, which builds everything first and writes BENCHMARKS.md:
//
//   node bench.mjs RESULTS.json
//
// Environment: JINDU_GENERATE (the generate example), JINDU_SERVER, JINDU_DIST,
// LIGHTHOUSE (the lighthouse command), and JINDU_BENCH_ONLY to run some sections while
// working on them (a comma list of warm, sync, list, photos, lighthouse; BENCHMARKS.md needs all).
import { execFileSync } from "node:child_process";
import { writeFileSync, readFileSync, readdirSync, mkdtempSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, openProfile, DIST } from "./harness.mjs";
import { benchPhotos } from "./bench-photos.mjs";
import { LABELS } from "./pages/labels.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { Settings } from "./pages/settings.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const BASELINE = `<!doctype html><meta charset="utf-8"><style>
body{font:18px/1.4 "Noto Sans CJK SC",sans-serif;margin:0}#list{list-style:none;margin:0;padding:8px;max-height:calc(100vh - 260px);overflow-y:auto}
li{border:1px solid #ccc;border-radius:8px;margin:8px 0;padding:12px}.head{display:flex;justify-content:space-between}
.bar{height:8px;background:#eee}.bar>div{height:8px;background:#2a7}</style>
<button id="show">show</button><ul id="list"></ul><script>
let shown = 0; // PAGE: set by the benchmark to the rows our list renders at first
function more() {
  const list = document.getElementById("list");
  const end = Math.min(rows.length, shown + PAGE);
  for (let i = shown; i < end; i++) {
    const [num, content, depts, pct] = rows[i];
    const li = document.createElement("li");
    const a = document.createElement("a"); a.href = "#";
    const head = document.createElement("div"); head.className = "head";
    const n = document.createElement("span"); n.textContent = num;
    const s = document.createElement("span"); s.textContent = pct == null ? "" : pct + "%";
    head.append(n, s);
    const p = document.createElement("p"); p.textContent = content;
    const d = document.createElement("p"); d.textContent = depts;
    a.append(head, p, d);
    const bar = document.createElement("div"); bar.className = "bar"; bar.setAttribute("role", "progressbar");
    const fill = document.createElement("div"); fill.style.width = (pct || 0) + "%"; bar.append(fill);
    li.append(a, bar); list.append(li);
  }
  shown = end;
}
document.getElementById("show").onclick = () => { shown = 0; more(); };
document.getElementById("list").addEventListener("scroll", (e) => {
  const el = e.target;
  if (el.scrollTop + el.clientHeight * 2 >= el.scrollHeight && shown < rows.length) more();
});
</script>`;

const RATE = 4;
/** One frame at 60 Hz. Animation frames come a whole number of frames apart: an interval
 * over one and a half frames means one was dropped (16.8 ms is one frame, timer jitter). */
const FRAME = 1000 / 60;
const RUNS = 5;
const out = process.argv[2] || "bench-results.json";
const gen = process.env.JINDU_GENERATE;
if (!gen) throw new Error("JINDU_GENERATE must name the generate example (scripts/bench sets it)");
const generate = (...args) => execFileSync(gen, args, { maxBuffer: 1 << 30 }).toString();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const results = { rate: RATE, runs: RUNS };
const log = (...a) => console.error("#", ...a);
const ONLY = process.env.JINDU_BENCH_ONLY?.split(",");
const only = (section) => !ONLY || ONLY.includes(section);

// ---- sizes of what the browser downloads -------------------------------------------
{
  // The build's .br/.gz copies are what the server sends, not more files: each file is
  // counted once, with its size gzipped and as sent (its .br copy when there is one).
  const names = readdirSync(DIST).filter((name) => !/\.(br|gz)$/.test(name));
  const files = names.map((name) => {
    const bytes = readFileSync(join(DIST, name));
    const brPath = join(DIST, name + ".br");
    const sent = existsSync(brPath) ? readFileSync(brPath).length : bytes.length;
    return { name, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, sent };
  });
  const onDemand = (f) => f.name.includes("xlsx-worker");
  // Started by the first sync round, in the background after the first screen.
  const background = (f) => f.name.includes("sync-worker");
  const sum = (fs, k) => fs.reduce((n, f) => n + f[k], 0);
  const total = (fs) => ({ raw: sum(fs, "raw"), gzip: sum(fs, "gzip"), sent: sum(fs, "sent") });
  const shell = files.filter((f) => !onDemand(f) && !background(f));
  const lazy = files.filter(onDemand);
  results.sizes = { files, shell: total(shell), sync: total(files.filter(background)), lazy: total(lazy) };
  log("shell", results.sizes.shell, "sync worker", results.sizes.sync, "on demand", results.sizes.lazy);
}

// ---- generated plans -----------------------------------------------------------------
const capacity = JSON.parse(generate("capacity"));
results.capacity = capacity;
log("capacity", capacity);
const tmp = mkdtempSync(join(tmpdir(), "jindu-bench-"));
/** A generated plan in the form the app stores it (a compressed snapshot). */
function storedPlan(name, ...args) {
  writeFileSync(join(tmp, name), generate(...args));
  return generate("stored", join(tmp, name));
}
const capacityPlan = storedPlan("capacity.json", "plan", String(capacity.items), "10");
const thousandPlan = storedPlan("thousand.json", "plan", "1000", "10");
const LIST_ITEMS = 5000;
const listPlan = storedPlan("list.json", "list", String(LIST_ITEMS));
const rows = JSON.parse(generate("rows", join(tmp, "list.json")));

/** Records the time the first screen is painted, and the wasm module, in every page. */
async function instrument(context) {
  await context.addInitScript(() => {
    window.__bench = {};
    addEventListener("TrunkApplicationStarted", (e) => { window.__bench.wasm = e.detail.wasm; });
    const seen = () => {
      if (window.__bench.firstScreen || window.__bench.pending) return;
      if (document.querySelector('[data-testid="category-card"], [data-testid="item-row"]')) {
        window.__bench.pending = true;
        requestAnimationFrame(() => { window.__bench.firstScreen = performance.now(); });
      }
    };
    new MutationObserver(seen).observe(document, { subtree: true, childList: true });
  });
}

async function throttle(page, rate = RATE) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Emulation.setCPUThrottlingRate", { rate });
  return cdp;
}

async function installPlan(page, json) {
  await page.evaluate((json) => {
    localStorage.setItem("jindu.v1.plan.generated", json);
    const s = JSON.parse(localStorage.getItem("jindu.v1.settings") || "{}");
    s.plan = "generated";
    s.author = s.author || "测试员";
    localStorage.setItem("jindu.v1.settings", JSON.stringify(s));
  }, json);
}

const measure = (page, name) => page.evaluate((n) => performance.getEntriesByName(n).map((e) => e.duration), name);

const server = await startServer();
const { base } = server;

// ---- warm start offline (1,000 items, then the capacity plan), memory, tap to stored --
/** Reloads offline RUNS times at 4x throttling; first screen, plan load, plan view. */
async function warmStart(page, stored, runs = RUNS) {
  await installPlan(page, stored);
  // Two starts first, not timed: the browser caches the app's compiled code only once
  // it has run a few times (until then it compiles functions as they are first called),
  // and a tablet that starts the app daily starts it with that cache.
  for (let i = 0; i < 2; i++) {
    await page.reload();
    await page.waitForFunction(() => window.__bench.firstScreen, null, { timeout: 120000 });
  }
  const first = [], load = [], view = [], ready = [];
  for (let i = 0; i < runs; i++) {
    log(`warm start ${i + 1}/${runs}`);
    await page.reload();
    await page.waitForFunction(() => window.__bench.firstScreen, null, { timeout: 120000 });
    first.push(await page.evaluate(() => window.__bench.firstScreen));
    load.push((await measure(page, "jindu:load-plan"))[0]);
    view.push((await measure(page, "jindu:plan-view"))[0]);
    // The first screen is painted from the stored summary; the plan is read after it.
    await page.waitForFunction(() => performance.getEntriesByName("jindu:plan-view").length, null, { timeout: 120000 });
    ready.push(await page.evaluate(() => { const e = performance.getEntriesByName("jindu:plan-view")[0]; return e.startTime + e.duration; }));
  }
  return {
    firstScreen: { median: round(median(first)), runs: first.map((x) => round(x)) },
    loadPlan: { median: round(median(load)), runs: load.map((x) => round(x)) },
    planView: { median: round(median(view)), runs: view.map((x) => round(x)) },
    planRead: { median: round(median(ready)), runs: ready.map((x) => round(x)) },
  };
}

if (only("warm")) {
  const t = await openProfile("bench-warm");
  await instrument(t.context);
  await t.page.goto(base + "/");
  await t.page.getByTestId("category-card").first().waitFor();
  await t.page.waitForFunction(async () => !!(await navigator.serviceWorker.getRegistration())?.active);
  await t.page.reload(); // now controlled by the service worker
  await t.context.setOffline(true);
  const cdp = await throttle(t.page);
  results.warmThousand = { items: 1000, ...(await warmStart(t.page, thousandPlan)) };
  log("warm (1,000 items)", results.warmThousand);
  // The capacity plan takes seconds a load at this throttling: three runs.
  results.warm = { items: capacity.items, ...(await warmStart(t.page, capacityPlan, 3)) };
  const cards = await t.page.getByTestId("category-card").count();
  results.warm.cards = cards;
  await cdp.send("Performance.enable");
  await t.page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
  const metrics = Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const wasm = await t.page.evaluate(() => window.__bench.wasm?.memory?.buffer?.byteLength ?? null);
  results.memory = { jsHeapUsed: metrics.JSHeapUsedSize, jsHeapTotal: metrics.JSHeapTotalSize, wasmMemory: wasm, total: metrics.JSHeapTotalSize + (wasm || 0) };
  log("warm", results.warm, "memory", results.memory);

  // Tap to stored and shown: the record form's save on the capacity plan.
  const taps = [], edits = [], stores = [];
  const go = (path) => t.page.evaluate((path) => { history.pushState(null, "", path); dispatchEvent(new PopStateEvent("popstate")); }, path);
  for (let i = 0; i < RUNS; i++) {
    log(`tap ${i + 1}/${RUNS}`);
    await go("/");
    await t.page.getByTestId("category-card").first().waitFor();
    await go(RecordForm.path("item-0"));
    const form = new RecordForm(t.page);
    await form.field("percent").waitFor();
    await form.fill({ observed: "2021-07-15", percent: String(10 + i), note: `基准记录 ${i}` });
    const r = await t.page.evaluate(async ({ note, formSelector, savedSelector, saveNames }) => {
      const button = [...document.querySelectorAll(`${formSelector} button[type="submit"], ${formSelector} button`)].find((b) => saveNames.some((n) => b.textContent.includes(n)));
      const t0 = performance.now();
      button.click();
      const handled = performance.now();
      const stored = [...Array(localStorage.length).keys()].map((k) => localStorage.key(k)).filter((k) => k.endsWith(".generated")).some((k) => localStorage.getItem(k).includes(note));
      await new Promise((res, rej) => {
        const give_up = setTimeout(() => rej(new Error("the save was not shown within 10 s")), 10000);
        const done = () => document.querySelector(savedSelector)
          ? requestAnimationFrame(() => { clearTimeout(give_up); res(); })
          : requestAnimationFrame(done);
        done();
      });
      return { handled: handled - t0, shown: performance.now() - t0, stored };
    }, { note: `基准记录 ${i}`, formSelector: RecordForm.FORM, savedSelector: RecordForm.SAVED, saveNames: [LABELS.zh.save, LABELS.en.save] });
    if (!r.stored) throw new Error("the record was not in localStorage when the tap's handler returned");
    taps.push(r.shown);
    const e = await measure(t.page, "jindu:edit");
    const s = await measure(t.page, "jindu:store");
    edits.push(e[e.length - 1]);
    stores.push(s[s.length - 1]);
  }
  results.tap = { median: round(median(taps)), runs: taps.map((x) => round(x)), edit: round(median(edits)), store: round(median(stores)) };
  log("tap", results.tap);

  await t.context.close();
}

/**
 * Records a percentage on a record page, waits until the badge says synced with
 * nothing pending, and returns the server's log lines for the plan since `marker`.
 */
async function recordAndSync(page, path, percent, marker, plan, timeout, beforeSave = async () => {}) {
  const form = new RecordForm(page);
  await page.goto(base + path);
  await form.fill({ observed: "2021-07-15", percent });
  await beforeSave();
  await form.save();
  await form.saved.waitFor();
  await new SyncBadge(page).waitFor("synced", 0, timeout);
  await new Promise((r) => setTimeout(r, 300));
  return server.output().slice(marker).split("\n").filter((l) => l.includes(`/files/plans/${plan}.json`)).map((l) => l.trim());
}

// ---- sync rounds with a 1,000-item plan: its first upload, then one new record --------
// (the capacity plan's JSON is larger than the server's default body limit)
if (only("sync")) {
  log("sync with a 1,000-item plan");
  const t = await openProfile("bench-sync-big");
  // The main thread's long tasks (over 50 ms) in each page: a sync round's parsing,
  // merging and encoding run there, and a tap waits behind them.
  await t.context.addInitScript(() => {
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
      .observe({ type: "longtask" });
  });
  await t.page.goto(base + "/");
  await t.page.getByTestId("category-card").first().waitFor();
  const marker = server.output().length;
  await installPlan(t.page, thousandPlan);
  const cdp = await throttle(t.page);
  const longTasks = () => t.page.evaluate(() => ({ longest: Math.max(0, ...window.__long), total: window.__long.reduce((a, b) => a + b, 0) }));
  await t.page.goto(base + "/");
  await new SyncBadge(t.page).waitFor("synced", undefined, 300000);
  const upload = await longTasks();
  // From here on, one page load: the sync worker keeps its copy of the plan (loaded by
  // the first round), and a round posts it only what changed since. The record form is
  // reached through the app's router, not a reload.
  const counts = () => t.page.evaluate(() => JSON.parse(JSON.stringify(globalThis.__jinduCounts ?? {})));
  const sameLoad = () => t.page.evaluate(() => window.__sameLoad === true);
  await t.page.evaluate(() => { window.__sameLoad = true; });
  const before = await counts();
  const form = new RecordForm(t.page);
  await t.page.evaluate((path) => {
    const a = document.createElement("a");
    a.href = path;
    document.body.append(a);
    a.click();
    a.remove();
  }, RecordForm.path("item-1"));
  await form.fill({ observed: "2021-07-15", percent: "42" });
  // Long tasks from the save on: the page's own start is not the round's.
  await t.page.evaluate(() => { window.__long = []; });
  await form.save();
  await form.saved.waitFor();
  await new SyncBadge(t.page).waitFor("synced", 0, 300000);
  await new Promise((r) => setTimeout(r, 300));
  const lines = server.output().slice(marker).split("\n").filter((l) => l.includes("/files/plans/generated.json")).map((l) => l.trim());
  const record = await longTasks();
  const after = await counts();
  const since = (name, from, to) => (to[name] ?? []).slice((from[name] ?? []).length);
  const recordPosts = since("jindu:sync-posted", before, after);
  const worker = {
    sameLoad: await sameLoad(),
    // The whole form, posted once by the first round (measured apart).
    loaded: after["jindu:sync-loaded"] ?? [],
    // Bytes posted to the worker by the rounds carrying the record (budget: under 4 KB).
    recordPosted: recordPosts,
    recordLoads: since("jindu:sync-loaded", before, after).length,
  };

  // A round that finds the file changed: another tablet records on the same plan, then
  // this one syncs. One GET brings the file (budget: 1), merged once, in the worker; the
  // page's longest task meanwhile at 4x throttling (budget: under 50 ms).
  const other = await openProfile("bench-sync-big-other");
  await other.page.goto(base + "/");
  await other.page.getByTestId("category-card").first().waitFor();
  await installPlan(other.page, thousandPlan);
  await other.page.goto(base + "/");
  await new SyncBadge(other.page).waitFor("synced", undefined, 300000);
  const otherForm = new RecordForm(other.page);
  await other.page.goto(base + RecordForm.path("item-2"));
  await otherForm.record({ observed: "2021-07-16", percent: "43" });
  await new SyncBadge(other.page).waitFor("synced", 0, 300000);
  await other.context.close();
  const badge = new SyncBadge(t.page);
  const { last } = await badge.read();
  const mark = server.output().length;
  const beforeChanged = await counts();
  await t.page.evaluate(() => { window.__long = []; });
  await badge.syncNow();
  await badge.waitForRoundAfter(last, 300000);
  await new Promise((r) => setTimeout(r, 300));
  const changedLines = server.output().slice(mark).split("\n").filter((l) => l.includes("/files/plans/generated.json")).map((l) => l.trim());
  const afterChanged = await counts();
  worker.changed = {
    lines: changedLines,
    gets: changedLines.filter((l) => /\bGET\b/.test(l)).length,
    posted: since("jindu:sync-posted", beforeChanged, afterChanged),
    loads: since("jindu:sync-loaded", beforeChanged, afterChanged).length,
    tasks: await longTasks(),
    // The page's steps of that round: reconciling it with the live replica (merging what
    // it learned, storing it) and refreshing the plan view.
    finish: (await measure(t.page, "jindu:sync-finish")).at(-1) ?? null,
    absorb: (await measure(t.page, "jindu:sync-absorb")).at(-1) ?? null,
  };
  worker.sameLoadAtEnd = await sameLoad();
  // The page's part of a round in the sync worker: the subset of the plan changed since
  // the worker's copy; and of the first round, the whole binary form.
  const request = (await measure(t.page, "jindu:sync-request")).at(-1) ?? null;
  const load = (await measure(t.page, "jindu:sync-load")).at(-1) ?? null;
  await cdp.detach();
  results.syncBig = { lines, upload, record, request, load, worker };
  log("sync (1,000-item plan)", results.syncBig);
  await t.context.close();
}

// ---- one sync round of the built-in plan carrying one record -------------------------
if (only("sync")) {
  const t = await openProfile("bench-sync");
  const settings = new Settings(t.page);
  await settings.open(base);
  await settings.setInspector("测试员");
  await t.page.goto(base + "/");
  await new SyncBadge(t.page).waitFor("synced", undefined, 60000);
  const marker = server.output().length;
  const lines = await recordAndSync(t.page, RecordForm.path("item-4-1", { site: "site-baihe" }), "66", marker, "xixing-2021", 60000);
  const ms = (l) => Number(/([\d.]+)ms$/.exec(l)?.[1] ?? NaN);
  results.sync = { lines, serverMs: round(lines.reduce((n, l) => n + ms(l), 0)) };
  log("sync (built-in plan)", results.sync);
  await t.context.close();
}

// ---- the items list with 5,000 rows, and the plain JavaScript baseline ---------------
if (only("list")) {
  log("items list");
  // A server of its own: the sync section left a plan with the same id ("generated") on
  // the shared one, which this tablet would fetch and merge into the list plan.
  const own = await startServer();
  const t = await openProfile("bench-list");
  await t.page.goto(own.base + "/");
  await t.page.getByTestId("category-card").first().waitFor();
  await installPlan(t.page, listPlan);
  await t.page.reload();
  await t.page.getByTestId("category-card").first().waitFor({ timeout: 60000 });
  // The list is timed after the plan's first upload, so the figure is the list's own.
  await new SyncBadge(t.page).waitFor("synced", undefined, 300000);
  const cdp = await throttle(t.page);
  const firsts = [];
  for (let i = 0; i < RUNS; i++) {
    await t.page.evaluate(() => { history.pushState(null, "", "/"); dispatchEvent(new PopStateEvent("popstate")); });
    await t.page.getByTestId("category-card").first().waitFor();
    // A person taps once the overview is on screen, not in the frame it appears: the tap
    // comes 300 ms later (a quick reaction), so it is not timed against the overview's
    // own rendering.
    await t.page.waitForTimeout(300);
    firsts.push(await t.page.evaluate(() => new Promise((res) => {
      const link = [...document.querySelectorAll('a[href="/items"]')][0];
      const t0 = performance.now();
      link.click();
      const check = () => document.querySelector('[data-testid="item-row"]') ? requestAnimationFrame(() => res(performance.now() - t0))
        : performance.now() - t0 > 60000 ? res(NaN) : requestAnimationFrame(check);
      check();
    })));
  }
  // The baseline builds as many rows as our list put on its first screen.
  const firstRows = await t.page.getByTestId("item-row").count();
  log("scrolling the items list");
  const scroll = await scrollFrames(t.page, '[data-testid="item-list"]');
  const rendered = await t.page.getByTestId("item-row").count();
  results.list = { rows: LIST_ITEMS, firstRows, firstScreen: { median: round(median(firsts)), runs: firsts.map((x) => round(x)) }, scroll, rendered };
  log("list", results.list);
  await cdp.detach();

  // The baseline: the same rows, built with plain DOM calls, a first screen's worth at a
  // time (it appends as it scrolls; ours renders only the rows in view).
  const b = await t.context.newPage();
  await b.setContent(BASELINE);
  await b.evaluate(([rows, page]) => { window.rows = rows; window.PAGE = page; }, [rows, firstRows]);
  await throttle(b);
  const bf = [];
  for (let i = 0; i < RUNS; i++) {
    bf.push(await b.evaluate(() => new Promise((res) => {
      document.querySelector("#list").replaceChildren();
      const t0 = performance.now();
      document.querySelector("#show").click();
      requestAnimationFrame(() => res(performance.now() - t0));
    })));
  }
  const bscroll = await scrollFrames(b, "#list");
  results.baseline = { firstScreen: { median: round(median(bf)), runs: bf.map((x) => round(x)) }, scroll: bscroll, rendered: await b.locator("#list li").count() };
  results.list.ratio = round(results.list.firstScreen.median / results.baseline.firstScreen.median, 2);
  results.list.scrollRatio = round(results.list.scroll.p95 / results.baseline.scroll.p95, 2);
  log("baseline", results.baseline);
  await t.context.close();
  await own.stop();
}

/** Scrolls a list by 300 px a frame for 120 frames; frame intervals in ms. */
async function scrollFrames(page, selector) {
  const frames = await page.evaluate((selector) => new Promise((res) => {
    const el = document.querySelector(selector);
    const times = [];
    let last = performance.now();
    const step = (now) => {
      times.push(now - last);
      last = now;
      el.scrollTop += 300;
      el.dispatchEvent(new Event("scroll"));
      if (times.length < 120) requestAnimationFrame(step); else res(times.slice(1));
    };
    requestAnimationFrame(step);
  }), selector);
  return { median: round(median(frames)), p95: round(pct(frames, 0.95)), max: round(Math.max(...frames)), over16_7: frames.filter((f) => f > 16.7).length, dropped: frames.filter((f) => f > FRAME * 1.5).length, frames: frames.length };
}

await server.stop();

// ---- photos: pick to thumbnail, 100 kept offline, 30 uploaded through cuts ----------
if (only("photos")) {
  log("photos");
  results.photos = await benchPhotos(RATE, 3, log);
}

// ---- Lighthouse 12, mobile preset, cold start with the built-in plan -----------------
if (only("lighthouse")) {
  log("Lighthouse");
  const lh = process.env.LIGHTHOUSE;
  const fresh = await startServer();
  const report = join(tmp, "lighthouse.json");
  const flags = "--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --user-data-dir=" + mkdtempSync(join(tmpdir(), "jindu-lh-"));
  try {
    execFileSync(lh, [fresh.base + "/", "--quiet", "--output=json", `--output-path=${report}`, "--only-categories=performance", `--chrome-flags=${flags}`], {
      env: { ...process.env, CHROME_PATH: process.env.CHROMIUM || "/usr/bin/chromium" }, stdio: ["ignore", "ignore", "inherit"], timeout: 180000,
    });
    const r = JSON.parse(readFileSync(report, "utf8"));
    const a = (id) => r.audits[id]?.numericValue;
    results.lighthouse = {
      version: r.lighthouseVersion, formFactor: r.configSettings.formFactor, cpuSlowdown: r.configSettings.throttling.cpuSlowdownMultiplier,
      score: Math.round(r.categories.performance.score * 100), tbt: round(a("total-blocking-time")), fcp: round(a("first-contentful-paint")),
      lcp: round(a("largest-contentful-paint")), si: round(a("speed-index")), tti: round(a("interactive")), cls: a("cumulative-layout-shift"),
    };
  } catch (e) {
    results.lighthouse = { error: String(e.message || e).split("\n")[0] };
  }
  log("lighthouse", results.lighthouse);
  await fresh.stop();
}

writeFileSync(out, JSON.stringify(results, null, 2));

