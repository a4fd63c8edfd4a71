// Screenshots of the main screens at tablet size, in Chinese, for the README. Each one
// also checks that the screen shows what it is for.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startServer, openProfile, SHOTS } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

test("tablet screenshots of the item, site and record screens", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("shots");
  mkdirSync(SHOTS, { recursive: true });
  try {
    await setInspector(page, server.base, "王检查");
    await new ItemPage(page).open(server.base, "item-4-1");
    await new SyncBadge(page).waitFor("synced");
    await page.getByText("白鹤苑").first().waitFor();
    assert.ok(await page.getByText("52%").first().isVisible());
    await page.screenshot({ path: join(SHOTS, "item.png") });

    await page.goto(server.base + "/sites/site-binfen-beiyuan");
    const work = page.getByTestId("site-work");
    await work.first().waitFor();
    assert.equal(await work.count(), 2, "缤纷北苑 has work under 2.3 and 4.1");
    await page.screenshot({ path: join(SHOTS, "site.png") });

    const form = new RecordForm(page);
    await form.open(server.base, "item-4-1", { site: "site-baihe" });
    await form.form.waitFor();
    assert.equal(await form.inspector.textContent(), "王检查");
    await page.screenshot({ path: join(SHOTS, "record.png") });

    await page.goto(server.base + "/items?category=cat-4");
    await page.getByTestId("item-row").first().waitFor();
    assert.equal(await page.getByTestId("item-row").count(), 2);
    await page.screenshot({ path: join(SHOTS, "items.png") });
  } finally {
    await context.close();
    await server.stop();
  }
});
