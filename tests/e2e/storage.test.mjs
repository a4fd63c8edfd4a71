// An edit is stored at once as a journal entry; the plan's snapshot is rewritten only when
// the app leaves the screen (nobody is typing then), and a reload reads both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile, hide } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";

const PLAN = "jindu.v1.plan.xixing-2021";
const JOURNAL = "jindu.v1.journal.xixing-2021";

/** An inspector records a figure on item 4.2 and sees it saved. */
async function record(page, base, observed, figure, note) {
  await setInspector(page, base, "赵检查");
  const form = new RecordForm(page);
  await form.open(base, "item-4-2");
  await form.record({ observed, figure, note });
}

test("edits wait in the journal while the app is on screen and are folded in when it is hidden", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("journal");
  const item = new ItemPage(page);
  const stored = () => page.evaluate(([p, j]) => [localStorage.getItem(p) || "", localStorage.getItem(j) || ""], [PLAN, JOURNAL]);
  try {
    await record(page, server.base, "2021-07-02", "33", "日志记录甲");
    const [snapshot, journal] = await stored();
    assert.ok(journal.includes("日志记录甲"), "the edit is in the journal when the tap returns");

    // Seconds later, with the app still on screen, the snapshot has not been rewritten.
    await page.waitForTimeout(4000);
    const [still, journalStill] = await stored();
    assert.equal(still, snapshot, "no snapshot rewrite while the app is on screen");
    assert.ok(journalStill.includes("日志记录甲"));

    // The tablet is locked (the page is hidden): the journal is folded into the snapshot.
    await hide(page);
    await page.waitForFunction((j) => !localStorage.getItem(j), JOURNAL);
    const [folded] = await stored();
    assert.notEqual(folded, snapshot, "the snapshot was rewritten");

    // A reload reads the rewritten snapshot: the record is there.
    await page.reload();
    await item.open(server.base, "item-4-2");
    await item.record("日志记录甲").waitFor();

    // A journal left behind (a visit killed before it could fold) is folded by the next
    // visit when it is hidden.
    await page.evaluate(([j, text]) => localStorage.setItem(j, text), [JOURNAL, journal]);
    await page.reload();
    await item.record("日志记录甲").waitFor();
    assert.ok((await stored())[1].includes("日志记录甲"), "the journal survived the reload");
    await hide(page);
    await page.waitForFunction((j) => !localStorage.getItem(j), JOURNAL);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("closing the app folds the journal too", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("journal-close");
  try {
    await record(page, server.base, "2021-07-03", "34", "日志记录乙");
    // Another page of the same origin that does not run the app (which would sync and
    // store the plan itself) watches the storage.
    const other = await context.newPage();
    await other.goto(server.base + "/icon.svg");
    assert.ok((await other.evaluate((j) => localStorage.getItem(j) || "", JOURNAL)).includes("日志记录乙"));
    await page.close({ runBeforeUnload: true });
    await other.waitForFunction((j) => !localStorage.getItem(j), JOURNAL);
  } finally {
    await context.close();
    await server.stop();
  }
});
