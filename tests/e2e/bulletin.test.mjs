// The supervision bulletin and the Word export: the office's report page shows the
// bulletin (counts that add up to the plan's items, the annex of items behind schedule
// with their 存在问题 and 下步措施), the .docx download holds the table with its heading
// row repeated and the bulletin, and the .xlsx gains a 督查通报 sheet.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, openProfile } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";
import { unzip } from "./photo-tools.mjs";

async function download(page, name) {
  const [file] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("button", { name }).click(),
  ]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

test("the bulletin shows on the report page and goes into Word and Excel", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("bulletin", { width: 1280, height: 900 });
  try {
    await setInspector(page, server.base, "办公室", { office: true });
    await page.goto(server.base + "/report");
    await new SyncBadge(page).waitFor("synced");
    await page.getByTestId("report-row").first().waitFor();
    const through = page.locator('input[name="through"]');
    await through.fill("6");
    await through.dispatchEvent("change");
    await page.getByLabel("督查通报").check();
    const bulletin = page.getByTestId("bulletin");
    await bulletin.waitFor();
    const count = async (id) => Number(await bulletin.getByTestId(id).textContent());
    const counts = [await count("bulletin-done"), await count("bulletin-on-schedule"), await count("bulletin-behind"), await count("bulletin-overdue")];
    assert.equal(counts.reduce((a, b) => a + b, 0), 17, `counts ${counts}`);
    assert.equal(await bulletin.getByTestId("bulletin-row").count(), counts[2] + counts[3]);
    assert.match(await bulletin.getByTestId("bulletin-summary").textContent(), /共17个项目/);

    const word = await download(page, "导出Word");
    assert.match(word.name, /\.docx$/);
    const docx = unzip(word.bytes);
    const xml = docx.get("word/document.xml").toString();
    assert.match(xml, /w:orient="landscape"/);
    assert.match(xml, /<w:tblHeader\/>/);
    assert.match(xml, /督查通报/);
    assert.match(xml, /加装电梯/);
    // The same table exports to the same bytes.
    const again = await download(page, "导出Word");
    assert.ok(again.bytes.equals(word.bytes), "the .docx is the same every time");

    const excel = await download(page, "导出Excel");
    const book = unzip(excel.bytes);
    assert.match(book.get("xl/workbook.xml").toString(), /name="督查通报"/);
  } finally {
    await context.close();
    await server.stop();
  }
});
