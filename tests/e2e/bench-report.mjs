// Writes BENCHMARKS.md (to stdout) from one run of scripts/bench: the native benchmark's
// output and the browser benchmark's results.
//   node bench-report.mjs NATIVE.txt RESULTS.json
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";

const [nativePath, resultsPath] = process.argv.slice(2);
const native = readFileSync(nativePath, "utf8");
const r = JSON.parse(readFileSync(resultsPath, "utf8"));
const version = (cmd, args) => { try { return execFileSync(cmd, args).toString().trim().split("\n")[0]; } catch { return "unknown"; } };
const num = (re) => { const m = re.exec(native); return m ? Number(m[1].replace(/,/g, "")) : NaN; };
const n = (x, d = 0) => (x == null || Number.isNaN(x) ? "—" : Number(x).toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d }));
const kib = (b) => `${n(b)} B (${n(b / 1024, 1)} KiB)`;
const mb = (b) => `${n(b / 1e6, 1)} MB`;
const verdict = (ok) => (ok ? "met" : "**not met**");

const merge = num(/merge of two replicas with 100,000 edits each \(1,000 items\): ([\d.]+) ms/);
const auto = num(/automerge 0\.12 merging[^:]*: ([\d.]+) ms/);
const ratio = auto / merge;
const lh = r.lighthouse || {};
const syncMs = r.sync?.serverMs;
const serverMs = (lines) => (lines || []).reduce((s, l) => s + Number(/([\d.]+)ms$/.exec(l)?.[1] || 0), 0);

const rows = [
  ["Capacity: items (ten records each) whose stored form fits in 2.5 M characters", "≥ 1,000", `${n(r.capacity.items)} items: ${n(r.capacity.stored_chars)} characters stored (${n(r.capacity.stored_chars_per_item)} per item, ${n(r.capacity.stored_chars_per_record)} per record); as JSON ${n(r.capacity.bytes)} bytes (${n(r.capacity.bytes_per_item)} per item, ${n(r.capacity.bytes_per_record)} per record), which alone would hold ${n(r.capacity.json_only_items)} items`, verdict(r.capacity.items >= 1000)],
  ["App shell (wasm, JS, CSS, HTML, manifest, icon, service worker), gzipped", "≤ 130 KiB", `${kib(r.sizes.shell.gzip)} (sent as brotli: ${kib(r.sizes.shell.sent)}); then the sync worker, fetched in the background by the first sync round: ${kib(r.sizes.sync.gzip)}`, verdict(r.sizes.shell.gzip <= 130 * 1024)],
  ["Cold start, built-in plan: Lighthouse performance score (mobile)", "≥ 95", lh.error ? `failed: ${lh.error}` : `${lh.score}`, verdict(lh.score >= 95)],
  ["Cold start: total blocking time (Lighthouse)", "≤ 150 ms", lh.error ? "—" : `${n(lh.tbt)} ms`, verdict(lh.tbt <= 150)],
  [`Warm start offline, capacity plan (${n(r.warm.items)} items): first screen`, "≤ 600 ms", `${n(r.warm.firstScreen.median)} ms, painted from the stored overview summary; the plan is read and its view built ${n(r.warm.planRead.median)} ms after start`, verdict(r.warm.firstScreen.median <= 600)],
  ["Warm start offline, 1,000 items with ten records each: first screen", "≤ 600 ms", `${n(r.warmThousand.firstScreen.median)} ms; the plan is read and its view built ${n(r.warmThousand.planRead.median)} ms after start`, verdict(r.warmThousand.firstScreen.median <= 600)],
  ["Warm start, 1,000 items: loading the plan from localStorage", "≤ 60 ms", `${n(r.warmThousand.loadPlan.median, 1)} ms (then ${n(r.warmThousand.planView.median, 1)} ms building the plan view)`, verdict(r.warmThousand.loadPlan.median <= 60)],
  ["Warm start, capacity plan: loading the plan from localStorage", "≤ 60 ms", `${n(r.warm.loadPlan.median, 1)} ms (then ${n(r.warm.planView.median, 1)} ms building the plan view)`, verdict(r.warm.loadPlan.median <= 60)],
  [`Items list, ${n(r.list.rows)} rows: first screen after the tap`, "≤ 100 ms", `${n(r.list.firstScreen.median, 1)} ms`, verdict(r.list.firstScreen.median <= 100)],
  ["Items list: scrolling, frame interval (p95 / max)", "≤ 16.7 ms (one frame at 60 Hz)", `${n(r.list.scroll.p95, 1)} / ${n(r.list.scroll.max, 1)} ms: ${r.list.scroll.dropped} of ${r.list.scroll.frames} frames late by a frame or more (frames come whole frames apart: ${r.list.scroll.over16_7} intervals measured over 16.7 ms, most of them 16.8, are timer jitter on one frame)`, verdict(r.list.scroll.p95 < 1.5 * 1000 / 60)],
  ["Items list against the plain JavaScript page (first screen)", "≤ 1.3×", `${r.list.ratio}× (${n(r.list.firstScreen.median, 1)} ms against ${n(r.baseline.firstScreen.median, 1)} ms)`, verdict(r.list.ratio <= 1.3)],
  ["Items list against the plain JavaScript page (scroll p95)", "≤ 1.3×", `${r.list.scrollRatio}× (${n(r.list.scroll.p95, 1)} ms against ${n(r.baseline.scroll.p95, 1)} ms)`, verdict(r.list.scrollRatio <= 1.3)],
  ["Recording progress on the capacity plan: tap to stored and shown", "≤ 100 ms", `${n(r.tap.median, 1)} ms (apply and store ${n(r.tap.edit, 1)} ms, of which writing localStorage ${n(r.tap.store, 1)} ms)`, verdict(r.tap.median <= 100)],
  ["Merge of 100,000 edits a side (native)", "≤ 100 ms", `${n(merge, 1)} ms`, verdict(merge <= 100)],
  ["… against automerge 0.12 on the same work", "faster", `${n(auto, 1)} ms: ours **${n(ratio, 1)}× faster**`, verdict(merge < auto)],
  ["One sync round, built-in plan, one new record: server time (GET + PUT)", "≤ 50 ms", `${n(syncMs, 1)} ms`, verdict(syncMs <= 50)],
  ["Memory of the app with the capacity plan (JS heap + wasm memory)", "≤ 60 MB", `${mb(r.memory.total)} (JS heap ${mb(r.memory.jsHeapTotal)} allocated, ${mb(r.memory.jsHeapUsed)} used; wasm ${mb(r.memory.wasmMemory)})`, verdict(r.memory.total <= 60e6)],
];
const ph = r.photos;
if (ph) {
  rows.push(
    ["A 12-megapixel photo (4000×3000 JPEG): picked to thumbnail shown / the page's longest task meanwhile", "≤ 1,500 ms / < 50 ms", `${n(ph.pick.median)} ms / ${n(ph.pick.longest)} ms (runs ${ph.pick.runs.join(", ")} ms; a ${n(ph.pick.bytes / 1e6, 1)} MB file)`, verdict(ph.pick.median <= 1500 && ph.pick.longest < 50)],
    ["100 photos kept offline: the plan's localStorage use", "unchanged", `${n(ph.hundred.localStorageBefore)} → ${n(ph.hundred.localStorageAfter)} bytes; IndexedDB ${n(ph.hundred.idbBytesPerPhoto)} bytes a photo (photo and thumbnail; ${mb(ph.hundred.idbBytes)} for ${ph.hundred.photos}), storage estimate grew ${mb(ph.hundred.usageGrowth)}`, verdict(ph.hundred.localStorageBefore === ph.hundred.localStorageAfter)],
    ["30 queued photos uploaded over loopback, two replies lost", "reported", `${n(ph.queue.ms)} ms, ${ph.queue.puts} PUTs for ${ph.queue.files} files (${ph.queue.lost} replies lost, each repeat answered 412: ${ph.queue.repeats412})`, "reported"],
  );
}

const cpu = os.cpus()[0]?.model || "unknown CPU";
const out = [];
out.push("# Benchmarks", "");
out.push(`Written by \`scripts/bench\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, from one run.`, "");
out.push(`Machine: ${cpu}, ${os.cpus().length} cores, ${n(os.totalmem() / 2 ** 30)} GiB; ${version("rustc", ["--version"])}; ${version("chromium", ["--version"])}; Node ${process.version}; Lighthouse ${lh.version || "—"}.`, "");
out.push(`Browser figures are medians of ${r.runs} runs in headless Chromium with the CPU throttled ${r.rate}× through CDP (a mid-range tablet); Lighthouse uses its mobile preset (simulated 4× CPU and a slow 4G network). Release builds throughout. These are measurements, not tests.`, "");
out.push("## Budgets", "", "| what | budget | measured | |", "| --- | --- | --- | --- |");
for (const row of rows) out.push(`| ${row.join(" | ")} |`);
out.push("", "## Sizes", "", "The bundled server sends each file's brotli copy (quality 11, written at build time by `scripts/precompress.mjs`) to browsers that accept it.", "", "| file | raw | gzipped (level 9) | sent (brotli) |", "| --- | --- | --- | --- |");
for (const f of r.sizes.files) out.push(`| \`${f.name}\` | ${n(f.raw)} | ${n(f.gzip)} | ${n(f.sent)} |`);
out.push(`| **shell** | ${n(r.sizes.shell.raw)} | **${n(r.sizes.shell.gzip)}** | **${n(r.sizes.shell.sent)}** |`);
out.push(`| loaded after the first screen (sync worker) | ${n(r.sizes.sync.raw)} | ${n(r.sizes.sync.gzip)} | ${n(r.sizes.sync.sent)} |`);
out.push(`| loaded on demand (.xlsx worker) | ${n(r.sizes.lazy.raw)} | ${n(r.sizes.lazy.gzip)} | ${n(r.sizes.lazy.sent)} |`, "");
out.push("## Browser details", "");
out.push(`- Warm start with 1,000 items, first screen, runs: ${r.warmThousand.firstScreen.runs.join(", ")} ms; plan load: ${r.warmThousand.loadPlan.runs.join(", ")} ms.`);
out.push(`- Warm start with the capacity plan, first screen, runs: ${r.warm.firstScreen.runs.join(", ")} ms; plan load: ${r.warm.loadPlan.runs.join(", ")} ms; plan view: ${r.warm.planView.runs.join(", ")} ms; plan read and shown at: ${r.warm.planRead.runs.join(", ")} ms.`);
out.push(`- Items list first screen, runs: ${r.list.firstScreen.runs.join(", ")} ms (${r.list.firstRows} rows on the first screen, ${r.list.rendered} rendered after scrolling: only those in view); baseline: ${r.baseline.firstScreen.runs.join(", ")} ms (the same ${r.list.firstRows} rows first, ${r.baseline.rendered} after scrolling). Scroll frames, ours: median ${r.list.scroll.median} ms, p95 ${r.list.scroll.p95}, max ${r.list.scroll.max}; baseline: median ${r.baseline.scroll.median}, p95 ${r.baseline.scroll.p95}, max ${r.baseline.scroll.max}.`);
out.push(`- Tap to stored and shown, runs: ${r.tap.runs.join(", ")} ms.`);
if (!lh.error) out.push(`- Lighthouse (${lh.formFactor}, CPU ×${lh.cpuSlowdown}): score ${lh.score}, FCP ${n(lh.fcp)} ms, LCP ${n(lh.lcp)} ms, Speed Index ${n(lh.si)} ms, TTI ${n(lh.tti)} ms, TBT ${n(lh.tbt)} ms, CLS ${lh.cls}.`);
out.push(`- Sync round, built-in plan (server log: method path status bytes time):`, ...r.sync.lines.map((l) => `  - \`${l}\``));
const big = r.syncBig;
out.push(`- Sync with a 1,000-item plan at 4× throttling (first upload, then one record; ${n(serverMs(big.lines), 1)} ms of server time in all):`, ...big.lines.map((l) => `  - \`${l}\``));
out.push(`  - Rounds run in the sync worker: the page's part is the replica's binary form for the worker (${big.request == null ? "—" : n(big.request, 1) + " ms"} for this plan) and merging what the round learned. The page's longest task from the start of the app to the end of the first upload: ${n(big.upload.longest)} ms (${n(big.upload.total)} ms in tasks over 50 ms; the app's start is among them). From the tap on "save" to the end of the round that carries the record: ${n(big.record.longest)} ms (${n(big.record.total)} ms in all; the save itself is among them).`);
if (big.worker) {
  const w = big.worker;
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  out.push(`  - The sync worker keeps its copy of the plan between rounds: the first round posted the whole binary form once (${w.loaded.map((b) => n(b)).join(", ")} bytes, ${big.load == null ? "—" : n(big.load, 1) + " ms"} to encode on the page); the round carrying the record then posted ${n(sum(w.recordPosted))} bytes (${w.recordPosted.length} message${w.recordPosted.length === 1 ? "" : "s"}; budget under 4 KB). A round that found the file changed (another tablet's record): ${w.changed.gets} GET (budget 1), ${n(sum(w.changed.posted))} bytes posted, the page's longest task ${n(w.changed.tasks.longest)} ms (budget under 50 ms).`);
}
out.push("", "## Native (`cargo bench -p jindu-core --bench sync`)", "", "```", native.trim(), "```", "");
process.stdout.write(out.join("\n"));
