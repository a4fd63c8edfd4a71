// Two tablets edit the same item offline: both records survive, and the plan field both
// changed shows as a conflict on both until someone resolves it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile, setInspector, waitForBadge, waitForServiceWorker } from "./harness.mjs";

async function editContent(page, base, text) {
  await page.goto(base + "/edit/item-1-4");
  const area = page.locator('textarea[name="content"]');
  await area.fill(text);
  await page.getByRole("button", { name: "保存" }).click();
  await page.waitForURL(/\/items\/item-1-4|\/$/);
}

async function addRecord(page, base, note) {
  await page.goto(base + "/items/item-1-4/record");
  await page.locator('input[name="observed"]').fill("2021-07-20");
  await page.locator('textarea[name="note"]').fill(note);
  await page.getByRole("button", { name: "保存" }).click();
  await page.getByTestId("saved").waitFor();
}

/** Presses "sync now" and waits for that round to confirm (the last-synced time moves). */
async function syncNow(page) {
  const b = page.getByTestId("sync-status");
  const before = await b.getAttribute("data-last");
  await page.getByRole("button", { name: "立即同步" }).click();
  await page.waitForFunction((prev) => {
    const el = document.querySelector('[data-testid="sync-status"]');
    return el.dataset.state === "synced" && el.dataset.pending === "0" && el.dataset.last !== prev;
  }, before, { timeout: 30000 });
}

test("concurrent offline edits keep both records and show the field conflict", async () => {
  const server = await startServer();
  const { base } = server;
  const a = await openProfile("office-a");
  const b = await openProfile("office-b");
  try {
    for (const [t, name] of [[a, "甲"], [b, "乙"]]) {
      await setInspector(t.page, base, name, { office: true });
      await t.page.goto(base + "/items/item-1-4");
      await waitForServiceWorker(t.page);
      await waitForBadge(t.page, "synced");
      await t.context.setOffline(true);
    }
    // item-1-4's content is opened via the item page's edit link as well.
    await a.page.goto(base + "/items/item-1-4");
    await a.page.getByTestId("edit-button").first().waitFor();

    await editContent(a.page, base, "甲改写的项目内容");
    await addRecord(a.page, base, "甲的现场记录");
    await editContent(b.page, base, "乙改写的项目内容");
    await addRecord(b.page, base, "乙的现场记录");

    await a.context.setOffline(false);
    await syncNow(a.page);
    await b.context.setOffline(false);
    await syncNow(b.page);
    await syncNow(a.page);

    for (const t of [a, b]) {
      await t.page.goto(base + "/items/item-1-4");
      await waitForBadge(t.page, "synced");
      const history = t.page.getByTestId("record-history");
      await history.getByText("甲的现场记录").waitFor();
      await history.getByText("乙的现场记录").waitFor();
      const conflict = t.page.getByTestId("conflict");
      await conflict.waitFor();
      await conflict.getByText("甲改写的项目内容").waitFor();
      await conflict.getByText("乙改写的项目内容").waitFor();
    }

    // A keeps 甲's wording; after both sync, the conflict is gone on both.
    const keep = a.page.getByTestId("conflict").locator("li", { hasText: "甲改写的项目内容" }).getByRole("button", { name: "保留此值" });
    await keep.click();
    await syncNow(a.page);
    await syncNow(b.page);
    for (const t of [a, b]) {
      await t.page.goto(base + "/items/item-1-4");
      await waitForBadge(t.page, "synced");
      await t.page.getByTestId("item-content").getByText("甲改写的项目内容").waitFor();
      assert.equal(await t.page.getByTestId("conflict").count(), 0);
    }
  } finally {
    await a.context.close();
    await b.context.close();
    await server.stop();
  }
});
