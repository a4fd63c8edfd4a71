// The office's January–June report: the table in the seed's layout, printed to PDF by
// Chromium (A4 landscape, Chinese intact) and its first page rendered to PNG for the
// README; and the CSV export.
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
  } finally {
    await context.close();
    await server.stop();
  }
});
