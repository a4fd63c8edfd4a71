// Offline first: the app reloads from the service worker with the server stopped, a
// record made offline survives a reload, and reaches the server and a second tablet
// once the server is back, without anyone pressing a button.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile, setInspector, waitForBadge, waitForServiceWorker, badge } from "./harness.mjs";

const NOTE = "离线检查：白鹤苑外立面基本完成";

test("record offline, reload, and sync when the server is back", async () => {
  let server = await startServer();
  const { port, dataDir, base } = server;
  const a = await openProfile("tablet-a");
  const b = await openProfile("tablet-b");
  const onPage = [];
  a.page.on("console", (m) => { if (m.text().includes("syncing on the page")) onPage.push(m.text()); });
  try {
    // First visit online loads the built-in plan.
    await setInspector(a.page, base, "张检查");
    await a.page.goto(base + "/");
    await a.page.getByTestId("category-card").first().waitFor();
    assert.equal(await a.page.getByTestId("category-card").count(), 6);
    await waitForServiceWorker(a.page);
    await waitForBadge(a.page, "synced");

    // Server gone: the app reloads from the service worker.
    await server.stop();
    await a.page.reload();
    await a.page.getByTestId("category-card").first().waitFor();
    assert.equal(await a.page.getByTestId("category-card").count(), 6);

    // Record progress on item 4.1 at 白鹤苑.
    await a.page.goto(base + "/items/item-4-1/record?site=site-baihe");
    await a.page.locator('input[name="observed"]').fill("2021-07-15");
    await a.page.locator('input[name="percent"]').fill("65");
    await a.page.locator('textarea[name="note"]').fill(NOTE);
    await a.page.getByRole("button", { name: "保存" }).click();
    await a.page.getByTestId("saved").waitFor();
    await a.page.getByTestId("record-history").getByText(NOTE).waitFor();
    await a.page.waitForSelector('[data-testid="sync-status"][data-pending="1"]');
    const offline = await badge(a.page);
    assert.ok(["pending", "offline"].includes(offline.state), offline.state);

    // A reload keeps the record.
    await a.page.reload();
    await a.page.getByTestId("record-history").getByText(NOTE).waitFor();
    assert.equal((await badge(a.page)).pending, 1);

    // Server back on the same address: synced without user action.
    server = await startServer({ port, dataDir });
    await waitForBadge(a.page, "synced", 0, 90000);
    const stored = await (await fetch(`${base}/files/plans/xixing-2021.json`)).text();
    assert.ok(stored.includes(NOTE), "the server's file holds the record");
    // The rounds ran in the sync worker (the page only made their requests).
    assert.ok(await a.page.evaluate(() => performance.getEntriesByName("jindu:sync-request").length) > 0);
    assert.deepEqual(onPage, [], "no round fell back to the page");

    // A second tablet sees it after its own sync.
    await b.page.goto(base + "/items/item-4-1");
    await waitForBadge(b.page, "synced");
    await b.page.getByTestId("record-history").getByText(NOTE).waitFor();
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
    await t.page.goto(base + "/items/item-4-1/record?site=site-baihe");
    await t.page.locator('input[name="observed"]').fill("2021-07-16");
    await t.page.locator('input[name="percent"]').fill("70");
    await t.page.locator('textarea[name="note"]').fill("页面上同步");
    await t.page.getByRole("button", { name: "保存" }).click();
    await t.page.getByTestId("saved").waitFor();
    await waitForBadge(t.page, "synced", 0, 60000);
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
  try {
    await setInspector(t.page, base, "王检查");
    await t.page.goto(base + "/");
    await waitForBadge(t.page, "synced");
    // Replicas handed to the sync worker in this page load (the settings page's load made
    // the first upload; this one may have found the file unchanged already).
    const requests = () => t.page.evaluate(() => performance.getEntriesByName("jindu:sync-request").length);
    const before = await requests();
    const last = Number(await t.page.getByTestId("sync-status").getAttribute("data-last"));
    const planLines = () => server.output().split("\n").filter((l) => l.includes("/files/plans/xixing-2021.json"));
    const notModified = (lines) => lines.filter((l) => /GET \S+ 304 /.test(l)).length;
    const logged = planLines();
    await new Promise((r) => setTimeout(r, 20)); // a later clock reading
    await t.page.getByTestId("sync-status").getByRole("button").click();
    await t.page.waitForFunction((last) => Number(document.querySelector('[data-testid="sync-status"]').dataset.last) > last, last);
    assert.equal((await badge(t.page)).state, "synced");
    // One request for the plan, a conditional GET answered 304, and the replica was not
    // handed to the worker.
    const now = planLines();
    assert.equal(now.length - logged.length, 1, now.slice(logged.length).join("\n"));
    assert.equal(notModified(now) - notModified(logged), 1);
    assert.equal(await requests(), before);
  } finally {
    await t.context.close();
    await server.stop();
  }
});
