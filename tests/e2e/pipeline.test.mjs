// The whole pipeline: Rust → wasm via Trunk → served by jindu-server → running in
// Chromium, rendering the plan's title and categories in Chinese.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startServer, openProfile, SHOTS } from "./harness.mjs";

test("the served app renders the built-in plan in Chinese", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("pipeline");
  try {
    await page.goto(server.base + "/");
    await page.getByRole("heading", { level: 1, name: "西兴街道2021年民生工程计划" }).waitFor();
    const cards = page.getByTestId("category-card");
    assert.equal(await cards.count(), 6);
    await page.getByText("推进“美丽西兴”建设,优化街区环境").waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
    // Judged as of 2021-06-30 the plan reads as the seed's report did: 4 items overdue
    // (2.3, 3.2, 5, 6.1) and 7 at risk.
    const asOf = page.locator('input[name="as-of"]');
    await asOf.fill("2021-06-30");
    await asOf.dispatchEvent("change");
    await page.getByTestId("overdue-count").getByText("已逾期 4").waitFor();
    await page.getByTestId("at-risk-count").getByText("有风险 7").waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "overview.png"), fullPage: false });
  } finally {
    await context.close();
    await server.stop();
  }
});
