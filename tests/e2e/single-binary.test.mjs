// One file to deploy: the release binary, started with no --static-dir, serves the app
// built into it. The app loads, works offline from the service worker, and a record made
// offline reaches the server once it is back, as with the app served from a directory
// (offline-sync.test.mjs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { startServer, openProfile, waitForServiceWorker, SERVER_BIN, DIST } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { Overview } from "./pages/overview.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const NOTE = "单文件部署：离线记录同步";

test("the binary alone serves the app, which works offline and syncs", async () => {
  // The binary carries the build under test (the test command builds the app first).
  const version = execFileSync(SERVER_BIN, ["--version"]).toString();
  const index = readFileSync(join(DIST, "index.html"));
  const hash = createHash("sha256").update(index).digest("hex").slice(0, 12);
  assert.match(version, new RegExp(`\\(app ${hash}, \\d+ files\\)`), version);

  let server = await startServer({ staticDir: null });
  const { port, dataDir, base } = server;
  // Said on stderr before the address on stdout; the two pipes may arrive in any order.
  for (let i = 0; i < 50 && !/Serving the app built into this binary/.test(server.output()); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(server.output(), /Serving the app built into this binary/);
  const a = await openProfile("single-binary");
  const overview = new Overview(a.page);
  const form = new RecordForm(a.page);
  const item = new ItemPage(a.page);
  const badge = new SyncBadge(a.page);
  try {
    // A deep link loads the app (index.html for any path) with its plan.
    const deep = await fetch(`${base}/items/item-4-1`);
    assert.equal(deep.status, 200);
    assert.deepEqual(Buffer.from(await deep.arrayBuffer()), index);
    await setInspector(a.page, base, "赵检查");
    await overview.open(base);
    await overview.waitForCards();
    assert.equal(await overview.categoryCards.count(), 6);
    await waitForServiceWorker(a.page);
    await badge.waitFor("synced");

    // Server gone: the app reloads from the service worker, and a record is kept.
    await server.stop();
    await a.page.reload();
    await overview.waitForCards();
    await form.open(base, "item-4-1", { site: "site-baihe" });
    await form.record({ observed: "2021-07-17", percent: "66", note: NOTE });
    await item.inHistory(NOTE).waitFor();
    await badge.waitForPending(1);

    // The binary back on the same address: synced without user action.
    server = await startServer({ port, dataDir, staticDir: null });
    await badge.waitFor("synced", 0, 90000);
    const stored = await (await fetch(`${base}/files/plans/xixing-2021.json`)).text();
    assert.ok(stored.includes(NOTE), "the server's file holds the record");
  } finally {
    await a.context.close();
    await server.stop();
  }
});
