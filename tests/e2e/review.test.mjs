// The office returns an inspector's record with a comment; the inspector's overview lists
// it to fix with the comment; corrected there, it shows as changed since review on the
// office's tablet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { Overview } from "./pages/overview.mjs";
import { Review } from "./pages/review.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const ITEM = "item-4-1";
const NOTE = "现场检查：外立面完成四成";
const COMMENT = "照片与说明不符，请补充";
const FIXED = "现场复查：外立面完成三成";

test("a returned record is listed to fix, corrected, and shows as changed since review", async () => {
  const server = await startServer();
  const { base } = server;
  const insp = await openProfile("review-inspector");
  const office = await openProfile("review-office");
  try {
    await setInspector(insp.page, base, "张检查");
    await setInspector(office.page, base, "李科长", { office: true });
    const form = new RecordForm(insp.page);
    await form.open(base, ITEM);
    await form.record({ observed: "2021-07-15", percent: "40", note: NOTE });
    const inspBadge = new SyncBadge(insp.page);
    await inspBadge.syncNowAndWait();

    const item = new ItemPage(office.page);
    const review = new Review(office.page);
    const officeBadge = new SyncBadge(office.page);
    await item.open(base, ITEM);
    await officeBadge.waitFor("synced");
    await item.inHistory(NOTE).waitFor();
    await review.returnRecord(item.record(NOTE), COMMENT);
    assert.deepEqual(await review.state(item.record(NOTE)), { verdict: "returned", changed: "false" });
    await officeBadge.syncNowAndWait();

    const overview = new Overview(insp.page);
    const fix = new Review(insp.page);
    await overview.open(base);
    await inspBadge.syncNowAndWait();
    const entry = fix.toFix.filter({ hasText: NOTE });
    await entry.waitFor();
    assert.ok((await entry.textContent()).includes(COMMENT), "the comment is on the list");
    await fix.correctLink(entry).click();
    await form.fill({ note: FIXED });
    await form.save();
    await form.saved.waitFor();
    await inspBadge.syncNowAndWait();
    await overview.open(base);
    await overview.waitForCards();
    assert.equal(await fix.toFix.count(), 0, "nothing left to fix");

    await item.open(base, ITEM);
    await officeBadge.syncNowAndWait();
    await item.inHistory(FIXED).waitFor();
    assert.deepEqual(await review.state(item.record(FIXED)), { verdict: "returned", changed: "true" });
  } finally {
    await insp.context.close();
    await office.context.close();
    await server.stop();
  }
});
