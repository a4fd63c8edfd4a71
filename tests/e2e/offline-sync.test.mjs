// Offline first: the app reloads from the service worker with the server stopped, a
// record made offline survives a reload, and reaches the server and a second tablet
// once the server is back, without anyone pressing a button.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile, waitForServiceWorker } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { Overview } from "./pages/overview.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const NOTE = "离线检查：白鹤苑外立面基本完成";

test("record offline, reload, and sync when the server is back", async () => {
  let server = await startServer();
  const { port, dataDir, base } = server;
  const a = await openProfile("tablet-a");
  const b = await openProfile("tablet-b");
  const overview = new Overview(a.page);
  const form = new RecordForm(a.page);
  const item = new ItemPage(a.page);
  const badge = new SyncBadge(a.page);
  const onPage = [];
  a.page.on("console", (m) => { if (m.text().includes("syncing on the page")) onPage.push(m.text()); });
  try {
    // First visit online loads the built-in plan.
    await setInspector(a.page, base, "张检查");
    await overview.open(base);
    await overview.waitForCards();
    assert.equal(await overview.categoryCards.count(), 6);
    await waitForServiceWorker(a.page);
    await badge.waitFor("synced");

    // Server gone: the app reloads from the service worker.
    await server.stop();
    await a.page.reload();
    await overview.waitForCards();
    assert.equal(await overview.categoryCards.count(), 6);

    // Record progress on item 4.1 at 白鹤苑.
    await form.open(base, "item-4-1", { site: "site-baihe" });
    await form.record({ observed: "2021-07-15", percent: "65", note: NOTE });
    await item.inHistory(NOTE).waitFor();
    await badge.waitForPending(1);
    const offline = await badge.read();
    assert.ok(["pending", "offline"].includes(offline.state), offline.state);

    // A reload keeps the record.
    await a.page.reload();
    await item.inHistory(NOTE).waitFor();
    assert.equal((await badge.read()).pending, 1);

    // Server back on the same address: synced without user action.
    server = await startServer({ port, dataDir });
    await badge.waitFor("synced", 0, 90000);
    const stored = await (await fetch(`${base}/files/plans/xixing-2021.json`)).text();
    assert.ok(stored.includes(NOTE), "the server's file holds the record");
    // The rounds ran in the sync worker (the page only made their requests).
    assert.ok(await a.page.evaluate(() => performance.getEntriesByName("jindu:sync-request").length) > 0);
    assert.deepEqual(onPage, [], "no round fell back to the page");

    // A second tablet sees it after its own sync.
    const itemB = new ItemPage(b.page);
    await itemB.open(base, "item-4-1");
    await new SyncBadge(b.page).waitFor("synced");
    await itemB.inHistory(NOTE).waitFor();
  } finally {
    await a.context.close();
    await b.context.close();
    await server.stop();
  }
});

test("without the sync worker, rounds run on the page and lose nothing", async () => {
  const server = await startServer();
  const { base } = server;
  const t = await openProfile("no-sync-worker");
  const warnings = [];
  t.page.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  // The worker's script cannot load (as on a browser that refuses it).
  await t.context.route("**/jindu-sync-worker*", (route) => route.abort());
  try {
    await setInspector(t.page, base, "李检查");
    const form = new RecordForm(t.page);
    await form.open(base, "item-4-1", { site: "site-baihe" });
    await form.record({ observed: "2021-07-16", percent: "70", note: "页面上同步" });
    await new SyncBadge(t.page).waitFor("synced", 0, 60000);
    const stored = await (await fetch(`${base}/files/plans/xixing-2021.json`)).text();
    assert.ok(stored.includes("页面上同步"), "the server's file holds the record");
    assert.ok(warnings.some((w) => w.includes("syncing on the page")), warnings.join("\n"));
  } finally {
    await t.context.close();
    await server.stop();
  }
});

test("a round with nothing to send and nothing new downloads and encodes nothing", async () => {
  const server = await startServer();
  const { base } = server;
  const t = await openProfile("idle-round");
  const badge = new SyncBadge(t.page);
  try {
    await setInspector(t.page, base, "王检查");
    await new Overview(t.page).open(base);
    await badge.waitFor("synced");
    // What was posted to the sync worker in this page load, in bytes: every message
    // (jindu:sync-posted) and the whole replica's (jindu:sync-loaded). The settings
    // page's load made the first upload; this one may have found the file unchanged
    // already, or loaded the worker with the replica.
    const counts = (name) => t.page.evaluate((n) => (globalThis.__jinduCounts?.[n] ?? []).slice(), name);
    const loadsBefore = (await counts("jindu:sync-loaded")).length;
    const postedBefore = (await counts("jindu:sync-posted")).length;
    const { last } = await badge.read();
    const planLines = () => server.output().split("\n").filter((l) => l.includes("/files/plans/xixing-2021.json"));
    const notModified = (lines) => lines.filter((l) => /GET \S+ 304 /.test(l)).length;
    const logged = planLines();
    await new Promise((r) => setTimeout(r, 20)); // a later clock reading
    await badge.syncNow();
    await badge.waitForRoundAfter(last);
    assert.equal((await badge.read()).state, "synced");
    // One request for the plan, a conditional GET answered 304, and the replica was not
    // handed to the worker (at most a round's small message, when the worker holds a
    // copy and made the GET itself).
    const now = planLines();
    assert.equal(now.length - logged.length, 1, now.slice(logged.length).join("\n"));
    assert.equal(notModified(now) - notModified(logged), 1);
    assert.equal((await counts("jindu:sync-loaded")).length, loadsBefore, "no replica posted");
    const idle = (await counts("jindu:sync-posted")).slice(postedBefore);
    assert.ok(idle.every((bytes) => bytes < 4096), `posted ${idle.join(", ")} bytes`);

    // Once the sync worker keeps a copy (a round with a record loaded it), a round with
    // nothing new is its one conditional GET, and the replica is not posted again: the
    // round's message carries only what changed since the worker's copy (nothing).
    const form = new RecordForm(t.page);
    await form.open(base, "item-4-1", { site: "site-baihe" });
    await form.record({ observed: "2021-07-17", percent: "71", note: "空闲轮次" });
    await badge.waitFor("synced", 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await counts("jindu:sync-loaded")).length, 1, "the record's round loaded the worker once");
    const posted = (await counts("jindu:sync-posted")).length;
    const { last: after } = await badge.read();
    const logged2 = planLines();
    await new Promise((r) => setTimeout(r, 20));
    await badge.syncNow();
    await badge.waitForRoundAfter(after);
    assert.equal((await badge.read()).state, "synced");
    const now2 = planLines();
    assert.equal(now2.length - logged2.length, 1, now2.slice(logged2.length).join("\n"));
    assert.equal(notModified(now2) - notModified(logged2), 1);
    assert.equal((await counts("jindu:sync-loaded")).length, 1, "no replica posted");
    const round = (await counts("jindu:sync-posted")).slice(posted);
    assert.equal(round.length, 1, "one message, the round's");
    assert.ok(round[0] < 4096, `the round posted ${round[0]} bytes`);
  } finally {
    await t.context.close();
    await server.stop();
  }
});
