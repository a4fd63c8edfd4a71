// Plans from Word: the Xixing 2021 table as a .docx (made from the seed's text by
// `cargo run --example seed_docx`) chosen on the import page, previewed with its
// 1-6月完成情况 records, corrected and created; the same table pasted as the HTML Word
// puts on the clipboard gives the same preview; an old .doc gets the message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, openProfile, tempDir, ROOT } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { Overview } from "./pages/overview.mjs";
import { ImportPage } from "./pages/import-page.mjs";
import { ItemPage } from "./pages/item-page.mjs";

/** The .docx and its clipboard HTML, written by the exchange crate's example. */
function seedFiles(dir) {
  execFileSync("cargo", ["run", "-q", "--profile", "test", "-p", "jindu-exchange", "--example", "seed_docx", "--", dir], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
  });
  return { docx: join(dir, "xixing-2021.docx"), html: readFileSync(join(dir, "xixing-2021.html"), "utf8") };
}

test("a Word plan is imported from a .docx and from a pasted table; a .doc is refused", async () => {
  const dir = tempDir("word");
  const files = seedFiles(dir);
  const server = await startServer();
  const { context, page } = await openProfile("word", { width: 1280, height: 900 });
  const overview = new Overview(page);
  const importer = new ImportPage(page);
  try {
    await setInspector(page, server.base, "办公室", { office: true });

    // The .docx: 17 items in 6 categories, and each item's 1-6月 cell as a record.
    await importer.open(server.base, "xixing-word", "从Word导入");
    await importer.choose(files.docx);
    const fromDocx = await importer.shown();
    assert.match(fromDocx.count, /^17 /);
    assert.equal(fromDocx.records.length, 17);
    assert.equal(await importer.unread.count(), 0);
    const card = await importer.recordsCard.textContent();
    assert.ok(card.includes("1-6月完成情况") && card.includes("2021-06-30"), card);
    assert.ok(fromDocx.targets.some((t) => t.includes("加装电梯200台")), fromDocx.targets.join(" | "));
    assert.equal(fromDocx.contents[0], "提升城市综合环境秩序,打造街容“示范一条街”,计划11月底前完成;");
    assert.ok(fromDocx.records.some((r) => r.includes("今年新开73台")), "the lifts' progress");

    // The same table pasted from Word gives the same preview.
    await importer.open(server.base, "xixing-paste", "粘贴导入");
    await importer.paste(files.html);
    assert.deepEqual(await importer.shown(), fromDocx);

    // A .doc is refused with the message, and the preview is gone.
    const doc = join(dir, "plan.doc");
    const ole = Buffer.alloc(1024);
    Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(ole);
    writeFileSync(doc, ole);
    await importer.choose(doc);
    assert.match(await importer.error.textContent(), /另存为\.docx/);
    assert.equal(await importer.preview.count(), 0);

    // Chosen again, corrected and created.
    await importer.open(server.base, "xixing-word", "从Word导入");
    await importer.choose(files.docx);
    await importer.correctContent(0, "提升城市综合环境秩序（导入时修改）");
    await importer.create();
    await overview.title("从Word导入").waitFor();
    assert.equal(await overview.categoryCards.count(), 6);
    await page.goto(server.base + "/items");
    await page.getByTestId("item-row").first().waitFor();
    assert.equal(await page.getByTestId("item-count").getAttribute("data-count"), "17");
    await page.getByText("提升城市综合环境秩序（导入时修改）").waitFor();

    // The lifts' record is on the item, written by the importer.
    const item = new ItemPage(page);
    await item.open(server.base, "item-4-2");
    const lifts = item.record("今年新开73台");
    await lifts.waitFor();
    const text = await lifts.textContent();
    assert.ok(text.includes("2021-06-30") && text.includes("办公室") && text.includes("计划导入"), text);

    const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("jindu.v1.plan.")).sort());
    assert.deepEqual(stored, ["jindu.v1.plan.xixing-2021", "jindu.v1.plan.xixing-word"], "the paste was not created; nothing else changed");
  } finally {
    await context.close();
    await server.stop();
  }
});
