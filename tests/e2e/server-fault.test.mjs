// A server that answers 500 is a server fault, not "offline": the badge says so with the
// server's words, the record stays on the tablet, and the tablet retries by itself and
// syncs once the server works again. The fault is real: the server's data directory
// loses its temporary directory (replaced by a file), so every write fails in the store.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startServer, openProfile } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { Overview } from "./pages/overview.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const NOTE = "服务器故障时的记录";

test("a 500 shows as a server fault, keeps the record and is retried", async () => {
  const server = await startServer();
  const { base, dataDir } = server;
  const t = await openProfile("server-fault");
  const badge = new SyncBadge(t.page);
  const tmp = join(dataDir, ".tmp");
  try {
    await setInspector(t.page, base, "钱检查");
    await new Overview(t.page).open(base);
    await badge.waitFor("synced");

    // Writes now fail inside the server (its store cannot make a temporary file).
    rmSync(tmp, { recursive: true, force: true });
    writeFileSync(tmp, "");
    const form = new RecordForm(t.page);
    await form.open(base, "item-4-1", { site: "site-baihe" });
    await form.record({ observed: "2021-07-18", percent: "67", note: NOTE });
    await new ItemPage(t.page).inHistory(NOTE).waitFor();
    await badge.waitFor("server-fault", 1);
    const words = await badge.text();
    assert.ok(words.includes(badge.says("sync_server_fault")), words);
    assert.ok(words.includes("500"), words);
    assert.match(server.output(), /PUT \/files\/plans\/xixing-2021\.json 500 /);

    // The store works again: the tablet's own retry brings the record in.
    rmSync(tmp, { force: true });
    mkdirSync(tmp);
    await badge.waitFor("synced", 0, 60000);
    const stored = await (await fetch(`${base}/files/plans/xixing-2021.json`)).text();
    assert.ok(stored.includes(NOTE), "the server's file holds the record");
  } finally {
    await t.context.close();
    await server.stop();
  }
});
