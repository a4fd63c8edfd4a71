// Settings and record care: a setup link configures a tablet in one tap and leaves no
// token in the address bar; a wrong token is an error in words; an inspector corrects
// and deletes their own record.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile } from "./harness.mjs";
import { Settings, setInspector } from "./pages/settings.mjs";
import { Overview } from "./pages/overview.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

test("a setup link configures the endpoint and token, then hides the token", async () => {
  const token = "tablet-secret-7Qx9";
  const server = await startServer({ args: ["--token", token] });
  const { context, page } = await openProfile("setup");
  const badge = new SyncBadge(page);
  const settings = new Settings(page);
  try {
    // Without the token the endpoint refuses: the badge says so.
    await new Overview(page).open(server.base);
    await badge.waitFor("error");
    assert.match(await badge.text(), /401/);

    const link = `${server.base}/#setup&endpoint=${encodeURIComponent(server.base + "/files/")}&token=${encodeURIComponent(token)}`;
    await page.goto(link);
    await settings.configured.waitFor();
    assert.ok(!page.url().includes(token), `token left in the address bar: ${page.url()}`);
    await badge.syncNow();
    await badge.waitFor("synced");

    await settings.open(server.base);
    const mask = await settings.tokenMask.textContent();
    assert.ok(mask.includes("7Qx9") && !mask.includes(token), mask);
    const device = await settings.deviceId.textContent();
    assert.match(device, /^[a-z0-9]{8}$/);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("an inspector corrects and deletes their own record", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("care");
  const form = new RecordForm(page);
  const item = new ItemPage(page);
  page.on("dialog", (d) => d.accept());
  try {
    await setInspector(page, server.base, "李检查");
    await form.open(server.base, "item-4-2");
    await form.fill({ observed: "2021-07-01", figure: "30", note: "吊装完成30台" });
    await form.save();
    const mine = item.record("吊装完成30台");
    await mine.waitFor();

    // A wrong value is refused next to its field, and nothing is saved.
    await item.correctLink(mine).click();
    await form.fill({ percent: "140" });
    await form.save();
    await form.fieldError("percent").waitFor();
    await form.fill({ percent: "", figure: "31", note: "吊装完成31台（更正）" });
    await form.save();
    const corrected = item.record("吊装完成31台（更正）");
    await corrected.waitFor();
    assert.ok(await item.isCorrected(corrected), await corrected.textContent());
    assert.equal(await item.record("吊装完成30台").count(), 0, "a correction replaces the shown version");

    await item.deleteButton(corrected).click();
    await page.waitForFunction(() => !document.body.textContent.includes("吊装完成31台"));
    await page.reload();
    await item.history.waitFor();
    assert.equal(await item.record("吊装完成31台").count(), 0);
    // Records by others (the office's seed records) offer no correction to this inspector.
    assert.equal(await item.correctLink(item.records.first()).count(), 0);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("a new plan copies the structure without the records and opens", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("newplan");
  const settings = new Settings(page);
  const overview = new Overview(page);
  try {
    await setInspector(page, server.base, "办公室", { office: true });
    await settings.newPlan("xixing-2022", "西兴街道2022年民生工程计划", { copy: true });
    await overview.open(server.base);
    await overview.title("西兴街道2022年民生工程计划").waitFor();
    assert.equal(await overview.categoryCards.count(), 6);
    await overview.noRecords.waitFor();
    // The same id again is refused and nothing is replaced.
    await settings.open(server.base);
    await settings.newPlan("xixing-2022", "另一个");
    await settings.alert("exists").waitFor();
  } finally {
    await context.close();
    await server.stop();
  }
});
