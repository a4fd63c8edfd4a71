// The harness's watch for the app's failures: an uncaught exception, a Rust panic or a
// wasm trap in a page or its worker is reported, and fails the test during which it
// happened; the console errors of failed requests, which tests provoke on purpose, are not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, openProfile, takeAppErrors } from "./harness.mjs";
import { Overview } from "./pages/overview.mjs";

/** Waits until the harness has reported `n` failures, and takes them (so this test passes). */
async function reported(n, timeout = 10000) {
  const found = [];
  const end = Date.now() + timeout;
  while (found.length < n && Date.now() < end) {
    found.push(...takeAppErrors());
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 300)); // anything more that would arrive
  found.push(...takeAppErrors());
  return found;
}

test("the harness reports the app's failures and not failed requests", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("app-errors");
  try {
    const overview = new Overview(page);
    await overview.open(server.base);
    await overview.waitForCards();
    assert.deepEqual(takeAppErrors(), [], "the app starts without failing");

    // Failed requests and an ordinary console error: not the app's failures.
    await page.evaluate(async () => {
      await fetch("/files/no-such-file.json").catch(() => {});
      await fetch("http://127.0.0.1:9/refused").catch(() => {});
      console.error("an ordinary console error");
    });
    console.log("# the app's failures logged next are injected by this test on purpose");
    // In the page: an exception thrown in a later task (uncaught) and a panic's message;
    // in a worker: a panic's message, then the trap that ends it.
    await page.evaluate(() => {
      setTimeout(() => { throw new Error("injected failure"); }, 0);
      console.error("panicked at src/injected.rs:1:2:\ninjected panic");
      const code = `console.error("panicked at src/worker.rs:3:4: injected in a worker");
        setTimeout(() => { throw new WebAssembly.RuntimeError("unreachable"); }, 0);`;
      window.__worker = new Worker(URL.createObjectURL(new Blob([code], { type: "text/javascript" })));
    });
    const found = await reported(4);
    const has = (...words) => found.some((f) => words.every((w) => f.includes(w)));
    assert.ok(has("page error", "injected failure"), found.join("\n"));
    assert.ok(has("console error:", "panicked at src/injected.rs"), found.join("\n"));
    assert.ok(has("console error in worker", "panicked at src/worker.rs"), found.join("\n"));
    assert.ok(has("page error", "RuntimeError: unreachable"), found.join("\n"));
    assert.equal(found.length, 4, found.join("\n"));
  } finally {
    await context.close();
    await server.stop();
  }
});

test("a test during which a page threw fails, with the error, and the next one passes", () => {
  const dir = dirname(fileURLToPath(import.meta.url));
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // a run of its own, not a part of this one
  const run = spawnSync(process.execPath, ["--test", "--test-reporter=tap", join(dir, "fixtures", "app-failure.mjs")], {
    cwd: dir, env, encoding: "utf8", timeout: 60000,
  });
  const out = run.stdout + run.stderr;
  assert.notEqual(run.status, 0, out);
  assert.match(out, /not ok 1 - a page that throws/, out);
  assert.match(out, /the app failed during the test/, out);
  assert.match(out, /thrown by the fixture/, out);
  assert.match(out, /^ok 2 - a page that does not throw/m, out);
});
