// Nothing stored is ever rewritten: when the file on the server is changed in place
// behind a tablet's back (here by the test, directly in the server's data directory),
// the tablet does not merge it over its copy. It keeps its data, stops uploading that
// plan, says what it found, and offers its own copy for export.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, openProfile, tempDir } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const NOTE = "督查：湘云雅苑管网改造完成八成";
const FORGED = "督查：湘云雅苑管网改造全部完成";

test("a file rewritten in place on the server is refused, and the tablet keeps its copy", async () => {
  const server = await startServer();
  const { base, dataDir } = server;
  const { context, page } = await openProfile("rewrite");
  const form = new RecordForm(page);
  const item = new ItemPage(page);
  const badge = new SyncBadge(page);
  try {
    await setInspector(page, base, "李督查");
    await form.open(base, "item-4-2");
    await form.record({ observed: "2021-07-20", percent: "80", note: NOTE });
    await item.inHistory(NOTE).waitFor();
    await badge.syncNowAndWait();
    await badge.waitFor("synced", 0);

    // Rewrite the record's note in place: same stamp, same device, other content. The
    // text is edited as it stands (a JSON round trip in JavaScript would also rewrite
    // numbers such as 2.0 as 2, which counts as a rewrite of those fields too).
    const file = join(dataDir, "plans", "xixing-2021.json");
    const text = readFileSync(file, "utf8");
    const [id] = Object.entries(JSON.parse(text).records).find(([, v]) => v.some((x) => x.r && x.r.note === NOTE));
    assert.equal(text.split(NOTE).length, 2, "the note is stored once");
    const forged = text.replace(NOTE, FORGED);
    writeFileSync(file, forged);

    // The tablet's next round finds it and stops, naming the record.
    await badge.syncNow();
    await badge.waitFor("rewritten", undefined, 30000);
    const banner = page.getByTestId("rewritten");
    await banner.waitFor();
    assert.match(await banner.textContent(), new RegExp(id));
    // Its own copy is unchanged, and nothing it holds was uploaded over the file.
    await item.open(base, "item-4-2");
    await item.inHistory(NOTE).waitFor();
    assert.equal(await item.inHistory(FORGED).count(), 0);
    assert.equal(readFileSync(file, "utf8"), forged, "the tablet stopped uploading");

    // The export offered holds the tablet's own copy.
    const dir = tempDir("rewrite-export");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      banner.getByRole("button", { name: "导出本机副本" }).click(),
    ]);
    const saved = join(dir, download.suggestedFilename());
    await download.saveAs(saved);
    const exported = readFileSync(saved, "utf8");
    assert.ok(exported.includes(NOTE) && !exported.includes(FORGED));

    // A reload keeps the verdict: the tablet still refuses to merge the file.
    await page.reload();
    await badge.syncNow();
    await badge.waitFor("rewritten", undefined, 30000);
  } finally {
    await context.close();
    await server.stop();
  }
});
