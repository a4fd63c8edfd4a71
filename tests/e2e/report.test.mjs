// The office's report: the January–June table in the seed's layout, printed to PDF by
// Chromium (A4 landscape, Chinese intact, merged department cells, no schedule marks
// unless asked) and its first page rendered to PNG for the README; the CSV export; the
// 标注逾期/风险 toggle, the year to September and an as-of date.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { startServer, openProfile, SHOTS, tempDir } from "./harness.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

test("the 1-6月 report prints to A4 landscape PDF and exports CSV", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("report", { width: 1280, height: 900 });
  mkdirSync(SHOTS, { recursive: true });
  try {
    await page.goto(server.base + "/report");
    await new SyncBadge(page).waitFor("synced");
    const rows = page.getByTestId("report-row");
    await rows.first().waitFor();
    assert.equal(await rows.count(), 17);
    await page.getByRole("columnheader", { name: "1-6月完成情况" }).waitFor();
    // The department cell is merged where the plan shares it: 1.1–1.5, 2.1–2.3, 3.1–3.3.
    const spans = await page.locator("td.departments").evaluateAll((cells) => cells.map((c) => c.rowSpan));
    assert.deepEqual(spans, [5, 3, 1, 3, 1, 1, 1, 1, 1]);
    // Marks are on screen.
    assert.ok((await page.getByTestId("report-mark").count()) > 0, "marks shown on screen");
    // The office edits one status text before issuing; it is kept.
    const first = page.getByRole("textbox", { name: "完成情况 1", exact: true });
    await first.fill("已完成。示范一条街已通过验收。");
    await first.dispatchEvent("change");

    const dir = tempDir("report");
    const pdf = join(dir, "report.pdf");
    await page.emulateMedia({ media: "print" });
    await page.pdf({ path: pdf, format: "A4", landscape: true, printBackground: true, preferCSSPageSize: true });
    await page.emulateMedia({ media: "screen" });
    const info = execFileSync("pdfinfo", [pdf]).toString();
    const size = info.match(/Page size:\s+([\d.]+) x ([\d.]+)/);
    assert.ok(Number(size[1]) > Number(size[2]), `landscape: ${size[0]}`);
    const text = execFileSync("pdftotext", ["-layout", pdf, "-"]).toString();
    assert.ok(text.includes("1-6月完成情况"), "headings in the PDF");
    assert.ok(!text.includes("【有风险】") && !text.includes("【逾期】"), "no marks printed unless asked");
    assert.ok(text.includes("示范一条街已通过验收"), "the edited text is printed");
    assert.ok(text.includes("白鹤苑"), "Chinese text intact");
    const pages = Number(info.match(/Pages:\s+(\d+)/)[1]);
    if (pages > 1) {
      const second = execFileSync("pdftotext", ["-f", "2", "-l", "2", pdf, "-"]).toString();
      assert.ok(second.includes("具体项目及内容"), "headings repeat on every page");
    }
    execFileSync("pdftoppm", ["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, join(SHOTS, "report-page1")]);
    assert.ok(existsSync(join(SHOTS, "report-page1.png")));

    // CSV: UTF-8 with a BOM, named after the plan and the period.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "导出CSV" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "西兴街道2021年民生工程计划-1-6月.csv");
    const csvPath = join(dir, "report.csv");
    await download.saveAs(csvPath);
    const csv = readFileSync(csvPath);
    assert.deepEqual([...csv.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.ok(csv.toString("utf8").includes("示范一条街已通过验收"));
    assert.ok(!csv.toString("utf8").includes("【有风险】"), "no marks exported unless asked");
  } finally {
    await context.close();
    await server.stop();
  }
});

test("标注逾期/风险 puts the marks into what is printed and exported; 1-9月 and an as-of date", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("report-marks", { width: 1280, height: 900 });
  try {
    await page.goto(server.base + "/report");
    await new SyncBadge(page).waitFor("synced");
    await page.getByTestId("report-row").first().waitFor();
    const dir = tempDir("report-marks");
    await page.getByRole("checkbox", { name: "标注逾期/风险" }).check();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "导出CSV" }).click(),
    ]);
    const csvPath = join(dir, "marked.csv");
    await download.saveAs(csvPath);
    assert.ok(readFileSync(csvPath, "utf8").includes("【有风险】"), "marks exported when asked");
    await page.emulateMedia({ media: "print" });
    const pdf = join(dir, "marked.pdf");
    await page.pdf({ path: pdf, format: "A4", landscape: true, preferCSSPageSize: true });
    await page.emulateMedia({ media: "screen" });
    assert.ok(execFileSync("pdftotext", [pdf, "-"]).toString().includes("【有风险】"), "marks printed when asked");

    // The year to September, and the table as of a day before the period's end.
    await page.locator("input[name=through]").fill("9");
    await page.locator("input[name=through]").dispatchEvent("change");
    await page.getByRole("columnheader", { name: "1-9月完成情况", exact: true }).waitFor();
    await page.locator("input[name=report-as-of]").fill("2021-06-15");
    await page.locator("input[name=report-as-of]").dispatchEvent("change");
    await page.getByRole("columnheader", { name: "1-9月完成情况（截至2021年6月15日）" }).waitFor();
    // A range that ends before it starts says so.
    await page.locator("select[name=period-kind]").selectOption("range");
    await page.locator("input[name=from]").fill("2021-05-01");
    await page.locator("input[name=from]").dispatchEvent("change");
    await page.locator("input[name=to]").fill("2021-04-01");
    await page.locator("input[name=to]").dispatchEvent("change");
    assert.match(await page.getByTestId("report-problem").textContent(), /结束日期早于开始日期/);
  } finally {
    await context.close();
    await server.stop();
  }
});
