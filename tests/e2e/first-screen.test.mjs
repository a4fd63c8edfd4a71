// The first screen before the plan: the overview is painted from the plan's summary
// stored beside its snapshot, the plan is read right after, and its figures replace the
// summary's (a summary that disagrees is rewritten). A damaged summary is ignored.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile, hide } from "./harness.mjs";
import { Overview } from "./pages/overview.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { setInspector } from "./pages/settings.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const SUMMARY = "jindu.v1.summary.xixing-2021";
const STALE_NAME = "摘要里的旧名称";

/** The summary the app stored, once it has stored one. */
async function storedSummary(page) {
  await page.waitForFunction((k) => localStorage.getItem(k), SUMMARY);
  return JSON.parse(await page.evaluate((k) => localStorage.getItem(k), SUMMARY));
}

/** The category cards' names as shown. */
const cardNames = (page) => page.evaluate((sel) => [...document.querySelectorAll(sel)].map((c) => c.querySelector("h2").textContent), Overview.CARD);

test("the overview is painted from the stored summary, then from the plan once it is read", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("first-screen");
  const overview = new Overview(page);
  try {
    // A record, so the device stores the plan (untouched, the built-in plan is read from
    // the app itself, at once, and no summary is needed).
    await setInspector(page, server.base, "孙检查");
    await new RecordForm(page).open(server.base, "item-4-2");
    await new RecordForm(page).record({ observed: "2021-07-02", figure: "40", note: "首屏记录" });
    await overview.open(server.base);
    await overview.waitForCards();
    const names = await cardNames(page);
    assert.equal(names.length, 6);
    // Stored shortly after the plan was read: the overview's figures, small.
    const summary = await storedSummary(page);
    assert.equal(summary.plan, "xixing-2021");
    assert.equal(summary.categories.length, 6);
    assert.deepEqual(summary.categories.map((c, n) => `${n + 1} ${c.name}`), names);
    assert.ok(JSON.stringify(summary).length < 4096);

    // A summary that disagrees with the plan (another version wrote it, the plan
    // changed behind it): painted first, then replaced by the plan's figures.
    // (Once the record is synced, which changes the plan no more, and the app wrote its
    // own summary, half a second after reading the plan.)
    await new SyncBadge(page).waitFor("synced", 0);
    await page.waitForTimeout(1000);
    summary.categories[0].name = STALE_NAME;
    summary.overdue = 99;
    await page.evaluate(([k, v]) => localStorage.setItem(k, v), [SUMMARY, JSON.stringify(summary)]);
    await context.addInitScript((stale) => {
      window.__sawStale = false;
      new MutationObserver(() => {
        if (document.body?.textContent.includes(stale)) window.__sawStale = true;
      }).observe(document, { subtree: true, childList: true, characterData: true });
    }, STALE_NAME);
    await page.reload();
    await overview.waitForCards();
    await page.waitForFunction(([card, n]) => document.querySelector(card) && !document.querySelector("main").textContent.includes(n), [Overview.CARD, STALE_NAME]);
    assert.ok(await page.evaluate(() => window.__sawStale), "the stored summary was painted first");
    assert.deepEqual(await cardNames(page), names, "the plan's names replace the summary's");
    await overview.overdueCount.filter({ hasNotText: "99" }).waitFor();
    // And the stored summary is the plan's again.
    await page.waitForFunction(([k, n]) => !(localStorage.getItem(k) || n).includes(n), [SUMMARY, STALE_NAME]);
    const rewritten = await storedSummary(page);
    assert.equal(rewritten.categories[0].name, names[0].replace(/^1 /, ""));
    assert.notEqual(rewritten.overdue, 99);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("a damaged summary is ignored and written anew; a page opened by its address waits for the plan", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("first-screen-damaged");
  const overview = new Overview(page);
  try {
    await setInspector(page, server.base, "钱检查");
    // A record, folded into a stored plan when the page is hidden (with its summary).
    const form = new RecordForm(page);
    await form.open(server.base, "item-4-2");
    await form.record({ observed: "2021-07-02", figure: "40", note: "摘要之前的记录" });
    await hide(page);
    await overview.open(server.base);
    await overview.waitForCards();
    assert.ok(JSON.stringify(await storedSummary(page)).includes("摘要之前的记录"));
    await page.evaluate((k) => localStorage.setItem(k, "{damaged"), SUMMARY);
    await page.reload();
    await overview.waitForCards();
    assert.equal((await cardNames(page)).length, 6);
    await page.waitForFunction((k) => { try { return JSON.parse(localStorage.getItem(k)).plan === "xixing-2021"; } catch { return false; } }, SUMMARY);

    // With a summary stored, the record form opened by its address waits for the plan
    // ("reading the plan" shows meanwhile), then records; what is recorded there is
    // stored and read back after a reload.
    await context.addInitScript(() => {
      window.__sawReading = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="reading-plan"]')) window.__sawReading = true;
      }).observe(document, { subtree: true, childList: true });
    });
    await form.open(server.base, "item-4-2");
    await form.field("note").waitFor();
    assert.ok(await page.evaluate(() => window.__sawReading), "the page waited for the plan");
    await form.record({ observed: "2021-07-03", figure: "41", note: "摘要之后的记录" });
    // The tablet is locked (the page is hidden): the summary is stored with the record.
    await hide(page);
    assert.ok((await page.evaluate((k) => localStorage.getItem(k), SUMMARY)).includes("摘要之后的记录"));
    await page.reload();
    const item = new ItemPage(page);
    await item.open(server.base, "item-4-2");
    await item.record("摘要之后的记录").waitFor();
    // The overview's latest records (from the summary, then the plan) list it.
    await overview.open(server.base);
    await page.getByText("摘要之后的记录").first().waitFor();
  } finally {
    await context.close();
    await server.stop();
  }
});
