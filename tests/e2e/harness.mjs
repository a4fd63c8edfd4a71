// Shared helpers for the end-to-end tests: the real jindu-server on a loopback port
// serving the built app, and Debian's headless Chromium driven by playwright-core.
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
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

/** Starts jindu-server; resolves once it prints its address. */
export function startServer({ dataDir = tempDir("data"), port = 0, args = [] } = {}) {
  return new Promise((resolveStart, reject) => {
    const child = spawn(SERVER_BIN, ["--listen", `127.0.0.1:${port}`, "--data-dir", dataDir, "--static-dir", DIST, ...args], {
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
          stop: () => new Promise((r) => { child.once("exit", r); child.kill("SIGKILL"); }),
        });
      }
    });
    child.stderr.on("data", (d) => { out += d; });
    child.on("error", reject);
  });
}

/** A browser profile of its own (a tablet), with a fresh user data dir. */
export async function openProfile(tag, viewport = TABLET) {
  const dir = tempDir(`profile-${tag}`);
  const context = await chromium.launchPersistentContext(dir, {
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
  const page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (e) => console.error(`[${tag}] page error:`, e.message));
  return { context, page };
}

/** The sync badge's state and pending count. */
export async function badge(page) {
  const b = page.getByTestId("sync-status");
  return { state: await b.getAttribute("data-state"), pending: Number(await b.getAttribute("data-pending")) };
}

/** Waits until the badge shows a state (and optionally a pending count). */
export async function waitForBadge(page, state, pending, timeout = 30000) {
  const sel = `[data-testid="sync-status"][data-state="${state}"]` + (pending === undefined ? "" : `[data-pending="${pending}"]`);
  await page.waitForSelector(sel, { timeout });
}

/** Sets the inspector's name (and mode) through the Settings page. */
export async function setInspector(page, base, name, { office = false } = {}) {
  await page.goto(`${base}/settings`);
  const input = page.locator('input[name="author"]');
  await input.fill(name);
  await input.dispatchEvent("change");
  if (office) await page.locator('input[name="mode"]').nth(1).check();
}

export async function waitForServiceWorker(page) {
  await page.waitForFunction(async () => {
    const r = await navigator.serviceWorker.getRegistration();
    return !!(r && r.active && navigator.serviceWorker.controller);
  }, null, { timeout: 30000 });
}
