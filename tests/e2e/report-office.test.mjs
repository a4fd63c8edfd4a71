// The office's cell edits live in the plan document: two office tablets edit different
// cells offline, sync, and both see both edits; both edit one cell and the conflict
// shows on that cell on both. One issues the table; the other sees 第1版, read-only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, openProfile, waitForServiceWorker } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { ReportPage } from "./pages/report-page.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

test("two offices edit cells offline, sync, and both see both edits", async () => {
  const server = await startServer();
  const { base } = server;
  const tablets = [];
  try {
    for (const [tag, name] of [["report-office-a", "甲"], ["report-office-b", "乙"]]) {
      const { context, page } = await openProfile(tag, { width: 1280, height: 900 });
      const t = { context, page, report: new ReportPage(page), badge: new SyncBadge(page) };
      tablets.push(t);
      await setInspector(page, base, name, { office: true });
      await t.report.open(base);
      await waitForServiceWorker(page);
      await t.badge.waitFor("synced");
      await context.setOffline(true);
    }
    const [a, b] = tablets;
    await a.report.edit(1, "甲写的第一行");
    await a.report.edit(3, "甲写的第三行");
    await b.report.edit(2, "乙写的第二行");
    await b.report.edit(3, "乙写的第三行");

    await a.context.setOffline(false);
    await a.badge.syncNowAndWait();
    await b.context.setOffline(false);
    await b.badge.syncNowAndWait();
    await a.badge.syncNowAndWait();

    for (const t of tablets) {
      await t.report.open(base);
      await t.badge.waitFor("synced");
      assert.equal(await t.report.cell(1).inputValue(), "甲写的第一行");
      assert.equal(await t.report.cell(2).inputValue(), "乙写的第二行");
      const conflict = t.report.conflict(3);
      await conflict.waitFor();
      assert.ok((await conflict.textContent()).includes("甲写的第三行"));
      assert.ok((await conflict.textContent()).includes("乙写的第三行"));
    }
    const stored = await (await fetch(`${base}/files/plans/xixing-2021.json`)).text();
    assert.ok(stored.includes("甲写的第一行") && stored.includes("乙写的第二行"), "the server's file holds both edits");

    // A issues the table; B sees it listed and opens it read-only.
    await a.report.issue();
    await a.report.issuedVersions.first().waitFor();
    await a.badge.syncNowAndWait();
    await b.report.open(base);
    await b.badge.syncNowAndWait();
    await b.report.issuedVersions.first().waitFor();
    assert.equal(await b.report.issuedVersions.count(), 1);
    assert.match(await b.report.issuedVersions.first().textContent(), /第1版 · 1-6月 · 签发人 甲/);
    await b.report.issuedVersions.first().getByRole("button").click();
    const view = b.report.issuedView;
    await view.waitFor();
    assert.ok((await view.textContent()).includes("甲写的第一行"));
    assert.equal(await view.getByRole("textbox").count(), 0, "an issued table is read-only");
    // Both tablets download the issued table as Word, byte for byte the same.
    const word = async (t) => {
      const [file] = await Promise.all([
        t.page.waitForEvent("download"),
        t.report.issuedView.getByRole("button", { name: "导出Word" }).click(),
      ]);
      return readFileSync(await file.path());
    };
    await a.report.issuedVersions.first().getByRole("button").click();
    await a.report.issuedView.waitFor();
    const fromB = await word(b);
    const fromA = await word(a);
    assert.ok(fromA.equals(fromB), "the issued .docx is the same on both tablets");
    assert.equal(fromA.subarray(0, 2).toString(), "PK");
  } finally {
    for (const t of tablets) await t.context.close();
    await server.stop();
  }
});
