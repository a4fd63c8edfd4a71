// The whole pipeline: Rust → wasm via Trunk → served by jindu-server → running in
// Chromium, rendering the plan's title and categories in Chinese.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startServer, openProfile, SHOTS } from "./harness.mjs";
import { Overview } from "./pages/overview.mjs";

test("the served app renders the built-in plan in Chinese", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("pipeline");
  try {
    const overview = new Overview(page);
    await overview.open(server.base);
    await overview.title("西兴街道2021年民生工程计划").waitFor();
    assert.equal(await overview.categoryCards.count(), 6);
    await page.getByText("推进“美丽西兴”建设,优化街区环境").waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), "zh-CN");
    // Judged as of 2021-06-30 the plan reads as the seed's report did: 4 items overdue
    // (2.3, 3.2, 5, 6.1) and 7 at risk.
    await overview.setAsOf("2021-06-30");
    await overview.overdue(4).waitFor();
    await overview.atRisk(7).waitFor();
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, "overview.png"), fullPage: false });
  } finally {
    await context.close();
    await server.stop();
  }
});
