// Shared helpers for the end-to-end tests: the real jindu-server on a loopback port
// serving the built app, and Debian's headless Chromium driven by playwright-core.
import { spawn, execFileSync } from "node:child_process";
import { createServer, request as httpRequest } from "node:http";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach } from "node:test";
import { chromium } from "playwright-core";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const target = process.env.CARGO_TARGET_DIR || join(ROOT, "target");
export const SERVER_BIN = process.env.JINDU_SERVER || join(target, "release", "jindu-server");
export const DIST = process.env.JINDU_DIST || join(ROOT, "dist");
export const SHOTS = join(ROOT, "docs", "screenshots");
export const TABLET = { width: 800, height: 1280 };

export function tempDir(tag) {
  return mkdtempSync(join(tmpdir(), `jindu-e2e-${tag}-`));
}

/**
 * Starts jindu-server; resolves once it prints its address. It serves the built app from
 * `staticDir` (default DIST); `staticDir: null` gives no `--static-dir`, so the binary
 * serves the app built into it (the one-file deployment). With JINDU_E2E_PG set (a
 * PostgreSQL server's URL) it starts two instances over one database instead (one
 * database per data directory) behind a small balancer, and each tablet profile talks
 * to its own instance: the same tests then run against several servers.
 */
export function startServer(options = {}) {
  return process.env.JINDU_E2E_PG ? startInstances(options) : startOne(options);
}

function startOne({ dataDir = tempDir("data"), port = 0, args = [], staticDir = DIST } = {}) {
  const app = staticDir === null ? [] : ["--static-dir", staticDir];
  return new Promise((resolveStart, reject) => {
    const child = spawn(SERVER_BIN, ["--listen", `127.0.0.1:${port}`, "--data-dir", dataDir, ...app, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20000);
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/serving on (http\S+?)\/?\s/);
      if (m && timer) {
        clearTimeout(timer);
        const base = m[1].replace(/\/$/, "");
        resolveStart({
          base,
          port: Number(new URL(base).port),
          dataDir,
          child,
          output: () => out,
          stop: () => new Promise((r) => { child.once("exit", r); child.kill("SIGKILL"); }),
        });
      }
    });
    child.stderr.on("data", (d) => { out += d; });
    child.on("error", reject);
  });
}

/** A database of the JINDU_E2E_PG server for a data directory (made the first time). */
function databaseFor(dataDir) {
  const admin = process.env.JINDU_E2E_PG;
  const name = "e2e_" + dataDir.split("/").pop().toLowerCase().replace(/[^a-z0-9]/g, "_");
  const exists = execFileSync("psql", [admin, "-X", "-A", "-t", "-c", `SELECT 1 FROM pg_database WHERE datname = '${name}'`]).toString().trim();
  if (exists !== "1") execFileSync("psql", [admin, "-X", "-q", "-c", `CREATE DATABASE ${name}`]);
  return admin.replace(/\/[^/]*$/, `/${name}`);
}

const TABLET_UA = /JinduTablet\/(\d+)/;

/** Two instances over one PostgreSQL database behind a balancer on `port`. */
async function startInstances({ dataDir = tempDir("data"), port = 0, args = [], staticDir = DIST } = {}) {
  const store = databaseFor(dataDir);
  const instances = [];
  for (let i = 0; i < 2; i++) {
    instances.push(await startOne({ dataDir: tempDir(`instance${i}`), staticDir, args: ["--store", store, ...args] }));
  }
  const served = [0, 0];
  const sockets = new Set();
  // Sticky by tablet, as a balancer pinning clients would be: tablet n goes to
  // instance n mod 2; anything else (the test itself) to instance 0.
  const balancer = createServer((req, res) => {
    const m = TABLET_UA.exec(req.headers["user-agent"] || "");
    const i = m ? Number(m[1]) % 2 : 0;
    if (req.url.startsWith("/files/")) served[i] += 1;
    const upstream = httpRequest(
      { host: "127.0.0.1", port: instances[i].port, method: req.method, path: req.url, headers: req.headers },
      (up) => { res.writeHead(up.statusCode, up.headers); up.pipe(res); },
    );
    upstream.on("error", () => { res.destroy(); });
    req.pipe(upstream);
  });
  balancer.on("connection", (s) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });
  await new Promise((r) => balancer.listen(port, "127.0.0.1", r));
  const bound = balancer.address().port;
  return {
    base: `http://127.0.0.1:${bound}`,
    port: bound,
    dataDir,
    instances,
    served,
    // The instances' logs one after the other (count lines; offsets shift between them).
    output: () => instances.map((inst) => inst.output()).join(""),
    stop: async () => {
      console.log(`# file requests per instance: ${served.join(", ")}`);
      for (const s of sockets) s.destroy();
      await new Promise((r) => balancer.close(r));
      for (const inst of instances) await inst.stop();
    },
  };
}

// ---- the app's own failures --------------------------------------------------------
// An uncaught exception in a page, a Rust panic (console_error_panic_hook logs it as a
// console error with "panicked at") or a wasm trap ("RuntimeError: unreachable"), in a
// page or in one of its workers, fails the test during which it happened. Console errors
// of failed requests (offline, a stopped server, a blocked script) are not among them:
// the tests provoke those on purpose and the app recovers from them.

/** Whether a console error reports a Rust panic or a wasm trap. */
export function isPanic(text) {
  return /panicked at|RuntimeError: unreachable/.test(text);
}

/** The app's failures seen since the last call of takeAppErrors (one string each). */
const appErrors = [];

/**
 * Watches a page and its workers for the app's failures, adding them to `into`
 * (by default the list each test is checked against) and logging them at once.
 */
export function watchForAppErrors(page, tag, into = appErrors) {
  const report = (what) => {
    into.push(`[${tag}] ${what}`);
    console.error(`[${tag}] ${what}`);
  };
  page.on("pageerror", (e) => report(`page error: ${e.stack?.includes(e.message) ? e.stack : `${e.message}\n${e.stack || ""}`}`));
  // A page's console and errors include its dedicated workers' (an uncaught exception in
  // a worker is a page error too).
  page.on("console", (m) => {
    if (m.type() !== "error" || !isPanic(m.text())) return;
    const worker = m.worker();
    report(`console error${worker ? ` in worker ${worker.url()}` : ""}: ${m.text()}`);
  });
}

/** The app's failures seen since the last call, which are then forgotten. */
export function takeAppErrors() {
  return appErrors.splice(0);
}

// Under the test runner (not in the benchmark, which shares this file) each test ends by
// failing if the app failed during it.
if (process.env.NODE_TEST_CONTEXT || /\.test\.mjs$/.test(process.argv[1] || "")) {
  afterEach(() => {
    const found = takeAppErrors();
    if (found.length) throw new Error(`the app failed during the test:\n${found.join("\n")}`);
  });
}

let profiles = 0;

/**
 * A browser profile of its own (a tablet), with a fresh user data dir. Its pages are
 * watched for the app's failures (see watchForAppErrors).
 */
export async function openProfile(tag, viewport = TABLET) {
  const dir = tempDir(`profile-${tag}`);
  profiles += 1;
  // Over several instances, the balancer tells tablets apart by this mark.
  const userAgent = process.env.JINDU_E2E_PG
    ? `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36 JinduTablet/${profiles}`
    : undefined;
  const context = await chromium.launchPersistentContext(dir, {
    userAgent,
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport,
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
  const watched = new WeakSet();
  const watch = (page) => {
    if (watched.has(page)) return;
    watched.add(page);
    watchForAppErrors(page, tag);
  };
  context.on("page", watch);
  context.pages().forEach(watch);
  const page = context.pages()[0] || (await context.newPage());
  watch(page);
  return { context, page };
}

export async function waitForServiceWorker(page) {
  await page.waitForFunction(async () => {
    const r = await navigator.serviceWorker.getRegistration();
    return !!(r && r.active && navigator.serviceWorker.controller);
  }, null, { timeout: 30000 });
}

/** The tablet is locked or another app comes to the front: the page is hidden. */
export function hide(page) {
  return page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
    document.dispatchEvent(new Event("visibilitychange", { bubbles: true }));
  });
}
