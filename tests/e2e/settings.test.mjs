// Settings and record care: a setup link configures a tablet in one tap and leaves no
// token in the address bar; a wrong token is an error in words; an inspector corrects
// and deletes their own record.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile, setInspector, waitForBadge } from "./harness.mjs";

test("a setup link configures the endpoint and token, then hides the token", async () => {
  const token = "tablet-secret-7Qx9";
  const server = await startServer({ args: ["--token", token] });
  const { context, page } = await openProfile("setup");
  try {
    // Without the token the endpoint refuses: the badge says so.
    await page.goto(server.base + "/");
    await waitForBadge(page, "error");
    assert.match(await page.getByTestId("sync-status").textContent(), /401/);

    const link = `${server.base}/#setup&endpoint=${encodeURIComponent(server.base + "/files/")}&token=${encodeURIComponent(token)}`;
    await page.goto(link);
    await page.getByText("已通过设置链接完成配置").waitFor();
    assert.ok(!page.url().includes(token), `token left in the address bar: ${page.url()}`);
    await page.getByRole("button", { name: "立即同步" }).click();
    await waitForBadge(page, "synced");

    await page.goto(server.base + "/settings");
    const mask = await page.getByTestId("token-mask").textContent();
    assert.ok(mask.includes("7Qx9") && !mask.includes(token), mask);
    const device = await page.getByTestId("device-id").textContent();
    assert.match(device, /^[a-z0-9]{8}$/);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("an inspector corrects and deletes their own record", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("care");
  page.on("dialog", (d) => d.accept());
  try {
    await setInspector(page, server.base, "李检查");
    await page.goto(server.base + "/items/item-4-2/record");
    await page.locator('input[name="observed"]').fill("2021-07-01");
    await page.locator('input[name="figure"]').fill("30");
    await page.locator('textarea[name="note"]').fill("吊装完成30台");
    await page.getByRole("button", { name: "保存" }).click();
    const mine = page.getByTestId("record").filter({ hasText: "吊装完成30台" });
    await mine.waitFor();

    // A wrong value is refused next to its field, and nothing is saved.
    await mine.getByRole("link", { name: "更正" }).click();
    await page.locator('input[name="percent"]').fill("140");
    await page.getByRole("button", { name: "保存" }).click();
    await page.getByTestId("error-percent").waitFor();
    await page.locator('input[name="percent"]').fill("");
    await page.locator('input[name="figure"]').fill("31");
    await page.locator('textarea[name="note"]').fill("吊装完成31台（更正）");
    await page.getByRole("button", { name: "保存" }).click();
    const corrected = page.getByTestId("record").filter({ hasText: "吊装完成31台（更正）" });
    await corrected.waitFor();
    assert.match(await corrected.textContent(), /已更正/);
    assert.equal(await page.getByTestId("record").filter({ hasText: "吊装完成30台" }).count(), 0, "a correction replaces the shown version");

    await corrected.getByRole("button", { name: "删除" }).click();
    await page.waitForFunction(() => !document.body.textContent.includes("吊装完成31台"));
    await page.reload();
    await page.getByTestId("record-history").waitFor();
    assert.equal(await page.getByTestId("record").filter({ hasText: "吊装完成31台" }).count(), 0);
    // Records by others (the office's seed records) offer no correction to this inspector.
    assert.equal(await page.getByTestId("record").first().getByRole("link", { name: "更正" }).count(), 0);
  } finally {
    await context.close();
    await server.stop();
  }
});

test("a new plan copies the structure without the records and opens", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("newplan");
  try {
    await setInspector(page, server.base, "办公室", { office: true });
    await page.locator('input[name="new-plan-id"]').fill("xixing-2022");
    await page.locator('input[name="new-plan-title"]').fill("西兴街道2022年民生工程计划");
    await page.getByLabel("复制当前计划的结构").check();
    await page.getByRole("button", { name: "新建计划" }).click();
    await page.goto(server.base + "/");
    await page.getByRole("heading", { level: 1, name: "西兴街道2022年民生工程计划" }).waitFor();
    assert.equal(await page.getByTestId("category-card").count(), 6);
    await page.getByText("暂无记录").waitFor();
    // The same id again is refused and nothing is replaced.
    await page.goto(server.base + "/settings");
    await page.locator('input[name="new-plan-id"]').fill("xixing-2022");
    await page.locator('input[name="new-plan-title"]').fill("另一个");
    await page.getByRole("button", { name: "新建计划" }).click();
    await page.getByRole("alert").filter({ hasText: "exists" }).waitFor();
  } finally {
    await context.close();
    await server.stop();
  }
});
