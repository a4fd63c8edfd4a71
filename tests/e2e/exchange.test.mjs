// The report as an Excel workbook (from the worker module), and plans imported from
// .xlsx (exactly) and from CSV in the seed's layout (reviewed, corrected, then created).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, openProfile, tempDir } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { Overview } from "./pages/overview.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

async function download(page, buttonName, dir) {
  const [d] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: buttonName }).click()]);
  const path = join(dir, d.suggestedFilename());
  await d.saveAs(path);
  return { path, name: d.suggestedFilename() };
}

async function importFile(page, base, id, title, path) {
  await page.goto(base + "/import");
  await page.locator('input[name="import-plan-id"]').fill(id);
  await page.locator('input[name="import-plan-title"]').fill(title);
  await page.locator('input[name="import-file"]').setInputFiles(path);
  await page.getByTestId("import-preview").waitFor();
}

test("export the report as .xlsx and import plans from .xlsx and CSV", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("exchange", { width: 1280, height: 900 });
  const dir = tempDir("exchange");
  const overview = new Overview(page);
  try {
    await setInspector(page, server.base, "办公室", { office: true });
    await page.goto(server.base + "/report");
    await new SyncBadge(page).waitFor("synced");
    await page.getByTestId("report-row").first().waitFor();
    const xlsx = await download(page, "导出Excel", dir);
    assert.equal(xlsx.name, "西兴街道2021年民生工程计划-1-6月.xlsx");
    const bytes = readFileSync(xlsx.path);
    assert.equal(bytes.subarray(0, 2).toString(), "PK", "a zip container");
    const csv = await download(page, "导出CSV", dir);

    // A Jindu export is read exactly.
    await importFile(page, server.base, "xixing-copy", "复制的计划", xlsx.path);
    assert.match(await page.getByTestId("import-count").textContent(), /6 .*17/);
    await page.getByRole("button", { name: "创建新计划" }).click();
    await overview.title("复制的计划").waitFor();
    assert.equal(await overview.categoryCards.count(), 6);

    // A table in the seed's layout is proposed, corrected, then created.
    await importFile(page, server.base, "xixing-csv", "从表格导入", csv.path);
    assert.match(await page.getByTestId("import-count").textContent(), /^17 /);
    const targets = await page.getByTestId("import-targets").allTextContents();
    assert.ok(targets.some((t) => t.includes("加装电梯200台")), targets.join(" | "));
    const first = page.getByTestId("import-item").first().locator("textarea");
    await first.fill("提升城市综合环境秩序（导入时修改）");
    await first.dispatchEvent("change");
    await page.getByRole("button", { name: "创建新计划" }).click();
    await overview.title("从表格导入").waitFor();
    await page.goto(server.base + "/items");
    await page.getByTestId("item-row").first().waitFor();
    assert.equal(await page.getByTestId("item-count").getAttribute("data-count"), "17");
    await page.getByText("提升城市综合环境秩序（导入时修改）").waitFor();

    // The original plan is untouched and still listed.
    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("jindu.v1.plan.")).sort());
    assert.deepEqual(stored, ["jindu.v1.plan.xixing-2021", "jindu.v1.plan.xixing-copy", "jindu.v1.plan.xixing-csv"]);
  } finally {
    await context.close();
    await server.stop();
  }
});
