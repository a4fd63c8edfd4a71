// Accounts: an inspector's account made with the CLI, its setup link opened on a fresh
// tablet; the inspector records offline and syncs, the office sees the record signed with
// the inspector's verified name; the server refuses the inspector's token changing the
// plan; and once revoked, the inspector's tablet says so and keeps its record to export.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startServer, openProfile, waitForServiceWorker, SERVER_BIN } from "./harness.mjs";
import { Settings } from "./pages/settings.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";
import { EntityEditor } from "./pages/entity-editor.mjs";
import { labels } from "./pages/labels.mjs";

const PLAN = "/files/plans/xixing-2021.json";
const NOTE = "账号检查：白鹤苑电梯井道施工中";
const LATER = "撤销之后的记录";

/** Runs `jindu-server user …` over the server's data directory; returns its output. */
function user(dataDir, ...args) {
  return execFileSync(SERVER_BIN, ["--data-dir", dataDir, "--store", "", "user", ...args], {
    encoding: "utf8",
  });
}

/** Adds an account and returns its setup link. */
function addUser(dataDir, base, name, role) {
  const out = user(dataDir, "add", name, "--role", role, "--url", base);
  const link = out.split(/\s+/).find((w) => w.includes("#setup&"));
  assert.ok(link, `a setup link in: ${out}`);
  return link;
}

test("an inspector's account signs its records and loses nothing when revoked", async () => {
  if (process.env.JINDU_E2E_PG) return; // accounts over PostgreSQL: crates/server/tests
  let server = await startServer();
  const { base, port, dataDir } = server;
  const inspectorLink = addUser(dataDir, base, "张三", "inspector");
  const officeLink = addUser(dataDir, base, "李科长", "office");
  const token = new URL(inspectorLink).hash.match(/token=([^&]+)/)[1];
  const a = await openProfile("inspector");
  const b = await openProfile("office");
  try {
    // The inspector's tablet opens its link: the name and role come from the server.
    await a.page.goto(inspectorLink);
    const settings = new Settings(a.page);
    // The app stored the link's token (it starts after the page's load event).
    await settings.configured.waitFor();
    await settings.open(base);
    const account = a.page.getByTestId("account");
    await account.waitFor();
    assert.match(await account.textContent(), /张三/);
    assert.equal(await account.locator("[data-role]").getAttribute("data-role"), "inspector");
    assert.equal(await settings.modes.count(), 0, "no office/inspector switch with an account");
    assert.equal(await settings.author.count(), 0, "no typed name with an account");
    assert.equal(await settings.newPlanButton.count(), 0, "no new plan for an inspector");
    // No plan editing for an inspector.
    const item = new ItemPage(a.page);
    await item.open(base, "item-4-1");
    await item.content.waitFor();
    assert.equal(await item.editButton.count(), 0);
    await waitForServiceWorker(a.page);
    const badge = new SyncBadge(a.page);
    await badge.waitFor("synced");

    // Offline, a record; back online, it syncs without a tap.
    await server.stop();
    const form = new RecordForm(a.page);
    await form.open(base, "item-4-1", { site: "site-baihe" });
    await form.record({ observed: "2021-07-16", percent: "40", note: NOTE });
    await item.inHistory(NOTE).waitFor();
    await badge.waitForPending(1);
    server = await startServer({ port, dataDir });
    await badge.waitFor("synced", 0, 90000);
    const stored = JSON.parse(await (await fetch(base + PLAN, {
      headers: { Authorization: `Bearer ${token}` },
    })).text());
    const mine = Object.values(stored.records).flat().find((v) => v.r && v.r.note === NOTE);
    assert.ok(mine, "the server holds the record");
    assert.equal(mine.w.n, "张三");
    assert.ok(mine.w.i.startsWith("u-"), JSON.stringify(mine.w));

    // The office's tablet shows it with the inspector's verified name.
    await b.page.goto(officeLink);
    await new Settings(b.page).configured.waitFor();
    const itemB = new ItemPage(b.page);
    await itemB.open(base, "item-4-1");
    const badgeB = new SyncBadge(b.page);
    await badgeB.waitFor("synced").catch(async (e) => {
      throw new Error(`${e.message}: ${JSON.stringify(await badgeB.read())} ${await badgeB.text()} ${server.output().slice(-2000)}`);
    });
    const record = itemB.record(NOTE);
    await record.waitFor();
    const writer = record.getByTestId("writer");
    assert.equal(await writer.getAttribute("data-verified"), "true");
    assert.match(await writer.textContent(), /张三/);
    assert.ok(await itemB.editButton.count() > 0, "the office edits the plan");

    // A crafted PUT with the inspector's token that changes the plan: 403, nothing stored.
    const res = await fetch(base + PLAN, { headers: { Authorization: `Bearer ${token}` } });
    const etag = res.headers.get("etag");
    // Spliced into the bytes: a JSON round trip would turn 2.0 into 2, itself refused.
    const forged = { title: { v: [{ s: 1, d: "evil", w: mine.w, v: "新增计划项" }] } };
    const body = (await res.text()).replace(
      '"entities":{',
      `"entities":{"item-9-9":${JSON.stringify(forged)},`,
    );
    const put = await fetch(base + PLAN, {
      method: "PUT",
      headers: { Authorization: `Bearer ${token}`, "If-Match": etag },
      body,
    });
    const why = await put.text();
    assert.equal(put.status, 403, why);
    assert.match(why, /only the office/);
    const after = await fetch(base + PLAN, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(after.headers.get("etag"), etag, "the file is unchanged");

    // Revoked: the inspector's tablet says so, and keeps its new record to export.
    assert.match(user(dataDir, "revoke", "张三"), /revoked/);
    await form.open(base, "item-4-1", { site: "site-baihe" });
    await form.record({ observed: "2021-07-17", percent: "45", note: LATER });
    await item.inHistory(LATER).waitFor();
    await badge.waitFor("revoked", 1, 60000);
    const banner = a.page.getByTestId("revoked");
    await banner.waitFor();
    const download = a.page.waitForEvent("download");
    await banner.getByRole("button").click();
    const saved = await download;
    const path = await saved.path();
    const exported = (await import("node:fs")).readFileSync(path, "utf8");
    assert.ok(exported.includes(LATER), "the export holds the unsynced record");
    await a.page.reload();
    await item.inHistory(LATER).waitFor();

    // Signing out is refused while a record is unsynced, until a copy is exported.
    await settings.open(base);
    await account.waitFor();
    await account.getByRole("button", { name: settings.t.sign_out }).click();
    const refusedOut = a.page.getByTestId("sign-out-refused");
    await refusedOut.waitFor();
    assert.equal(await account.count(), 1, "still signed in");
    const again = a.page.waitForEvent("download");
    await refusedOut.getByRole("button").click();
    await again;
    await account.getByRole("button", { name: settings.t.sign_out }).click();
    await settings.author.waitFor();
    assert.equal(await account.count(), 0, "signed out once exported");
    await item.open(base, "item-4-1");
    await item.inHistory(LATER).waitFor();
  } finally {
    await a.context.close();
    await b.context.close();
    await server.stop();
  }
});

test("a tablet whose role changed offline is refused, and drops only its plan changes", async () => {
  if (process.env.JINDU_E2E_PG) return;
  let server = await startServer();
  const { base, port, dataDir } = server;
  const link = addUser(dataDir, base, "王五", "office");
  const t = await openProfile("role-changed");
  try {
    await t.page.goto(link);
    await new Settings(t.page).configured.waitFor();
    const item = new ItemPage(t.page);
    await item.open(base, "item-4-1");
    await item.editButton.first().waitFor();
    await waitForServiceWorker(t.page);
    const badge = new SyncBadge(t.page);
    await badge.waitFor("synced");

    // Offline, as the office: a plan change and a record.
    await server.stop();
    const editor = new EntityEditor(t.page);
    await editor.open(base, "item-4-1");
    await editor.setContent("离线时改的计划内容");
    const form = new RecordForm(t.page);
    await form.open(base, "item-4-1", { site: "site-baihe" });
    await form.record({ observed: "2021-07-18", percent: "50", note: "角色变更前的记录" });
    await badge.waitForPending(2);

    // Meanwhile the account became an inspector's: the upload is refused, nothing lost.
    user(dataDir, "role", "王五", "inspector");
    server = await startServer({ port, dataDir });
    await badge.waitFor("refused", 2, 90000);
    const banner = t.page.getByTestId("refused");
    await banner.waitFor();
    assert.match(await banner.textContent(), /only the office/);
    const before = await (await fetch(base + PLAN, {
      headers: { Authorization: `Bearer ${new URL(link).hash.match(/token=([^&]+)/)[1]}` },
    })).text();
    assert.ok(!before.includes("角色变更前的记录"));

    // Drop the refused plan changes: the record stays and syncs, the plan change goes.
    await banner.getByRole("button", { name: labels("zh").drop_refused }).click();
    await badge.waitFor("synced", 0, 60000);
    const token = new URL(link).hash.match(/token=([^&]+)/)[1];
    const after = await (await fetch(base + PLAN, {
      headers: { Authorization: `Bearer ${token}` },
    })).text();
    assert.ok(after.includes("角色变更前的记录"), "the record reached the server");
    assert.ok(!after.includes("离线时改的计划内容"), "the refused plan change did not");
    await item.open(base, "item-4-1");
    await item.inHistory("角色变更前的记录").waitFor();
    assert.ok(!(await item.content.textContent()).includes("离线时改的计划内容"));
  } finally {
    await t.context.close();
    await server.stop();
  }
});
