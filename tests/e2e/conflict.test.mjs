// Two tablets edit the same item offline: both records survive, and the plan field both
// changed shows as a conflict on both until someone resolves it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile, waitForServiceWorker } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { EntityEditor } from "./pages/entity-editor.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const ITEM = "item-1-4";

async function editContent(page, base, text) {
  const editor = new EntityEditor(page);
  await editor.open(base, ITEM);
  await editor.setContent(text);
  await page.waitForURL(/\/items\/item-1-4|\/$/);
}

async function addRecord(page, base, note) {
  const form = new RecordForm(page);
  await form.open(base, ITEM);
  await form.record({ observed: "2021-07-20", note });
}

/** A tablet: its page, with its item page and sync badge. */
function tablet({ context, page }) {
  return { context, page, item: new ItemPage(page), badge: new SyncBadge(page) };
}

test("concurrent offline edits keep both records and show the field conflict", async () => {
  const server = await startServer();
  const { base } = server;
  const a = tablet(await openProfile("office-a"));
  const b = tablet(await openProfile("office-b"));
  try {
    for (const [t, name] of [[a, "甲"], [b, "乙"]]) {
      await setInspector(t.page, base, name, { office: true });
      await t.item.open(base, ITEM);
      await waitForServiceWorker(t.page);
      await t.badge.waitFor("synced");
      await t.context.setOffline(true);
    }
    // item-1-4's content is opened via the item page's edit link as well.
    await a.item.open(base, ITEM);
    await a.item.editButton.first().waitFor();

    await editContent(a.page, base, "甲改写的项目内容");
    await addRecord(a.page, base, "甲的现场记录");
    await editContent(b.page, base, "乙改写的项目内容");
    await addRecord(b.page, base, "乙的现场记录");

    await a.context.setOffline(false);
    await a.badge.syncNowAndWait();
    await b.context.setOffline(false);
    await b.badge.syncNowAndWait();
    await a.badge.syncNowAndWait();

    for (const t of [a, b]) {
      await t.item.open(base, ITEM);
      await t.badge.waitFor("synced");
      await t.item.inHistory("甲的现场记录").waitFor();
      await t.item.inHistory("乙的现场记录").waitFor();
      await t.item.conflicts.waitFor();
      await t.item.inConflicts("甲改写的项目内容").waitFor();
      await t.item.inConflicts("乙改写的项目内容").waitFor();
    }

    // A keeps 甲's wording; after both sync, the conflict is gone on both.
    await a.item.keepButton("甲改写的项目内容").click();
    await a.badge.syncNowAndWait();
    await b.badge.syncNowAndWait();
    for (const t of [a, b]) {
      await t.item.open(base, ITEM);
      await t.badge.waitFor("synced");
      await t.item.content.getByText("甲改写的项目内容").waitFor();
      assert.equal(await t.item.conflicts.count(), 0);
    }
  } finally {
    await a.context.close();
    await b.context.close();
    await server.stop();
  }
});
