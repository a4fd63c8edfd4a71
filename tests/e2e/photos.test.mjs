// Evidence from the site: a record with two photos (one 4000×3000) and a location made
// offline survives a reload with its thumbnails; once the server is back the photos
// upload without a tap and hash to their names; a second tablet sees the thumbnails,
// opens a photo, and still shows it offline. A file that is not an image is refused with
// a message and the record still saves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startServer, openProfile, waitForServiceWorker } from "./harness.mjs";
import { setInspector } from "./pages/settings.mjs";
import { Overview } from "./pages/overview.mjs";
import { ItemPage } from "./pages/item-page.mjs";
import { RecordForm } from "./pages/record-form.mjs";
import { SyncBadge } from "./pages/sync-badge.mjs";

const NOTE = "现场照片：白鹤苑外立面";
const PLAN = "xixing-2021";

/** A JPEG of `w`×`h` drawn in the page (gradient and text, so it compresses like a photo). */
async function makeJpeg(page, w, h, label) {
  const b64 = await page.evaluate(async ([w, h, label]) => {
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext("2d");
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, "#3a6"); grad.addColorStop(1, "#a63");
    g.fillStyle = grad; g.fillRect(0, 0, w, h);
    g.fillStyle = "#fff"; g.font = `${Math.round(h / 6)}px sans-serif`; g.fillText(label, w / 10, h / 2);
    const blob = await c.convertToBlob({ type: "image/jpeg", quality: 0.9 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = ""; for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }, [w, h, label]);
  return { name: `${label}.jpg`, mimeType: "image/jpeg", buffer: Buffer.from(b64, "base64") };
}

/** The photo hashes (photos and thumbnails) the records of the server's file list. */
async function listedOnServer(base) {
  const doc = await (await fetch(`${base}/files/plans/${PLAN}.json`)).json();
  const hashes = [];
  for (const versions of Object.values(doc.records)) {
    for (const v of versions) for (const p of v.r?.ph || []) hashes.push(p.photo, p.thumb);
  }
  return hashes;
}

test("photos and a location recorded offline upload when the server is back", async () => {
  let server = await startServer();
  let running = true;
  const { port, dataDir, base } = server;
  const a = await openProfile("photo-a");
  const b = await openProfile("photo-b");
  await a.context.grantPermissions(["geolocation"], { origin: base });
  await a.context.setGeolocation({ latitude: 30.2101, longitude: 120.2102, accuracy: 8 });
  const form = new RecordForm(a.page);
  const item = new ItemPage(a.page);
  const badge = new SyncBadge(a.page);
  try {
    await setInspector(a.page, base, "张检查");
    await new Overview(a.page).open(base);
    await waitForServiceWorker(a.page);
    await badge.waitFor("synced");
    const big = await makeJpeg(a.page, 4000, 3000, "facade");
    const small = await makeJpeg(a.page, 1200, 900, "roof");

    await server.stop();
    running = false;
    await form.open(base, "item-4-1", { site: "site-baihe" });
    // Not an image: refused by name, nothing added.
    await form.addPhotos([{ name: "清单.txt", mimeType: "text/plain", buffer: Buffer.from("不是图片") }]);
    assert.equal(await form.refusedPhotos.count(), 1);
    assert.match(await form.refusedPhotos.first().textContent(), /清单\.txt/);
    assert.equal(await form.thumbs.count(), 0);
    await form.addPhotos([big, small]);
    assert.equal(await form.thumbs.count(), 2);
    await form.attachLocation();
    await form.record({ observed: "2021-07-15", percent: "70", note: NOTE });
    const record = item.record(NOTE);
    await record.waitFor();
    await record.getByTestId("photo-image").nth(1).waitFor();
    assert.equal(await record.getByTestId("thumb").count(), 2);
    assert.match(await record.getByTestId("record-location").textContent(), /30\.21010, 120\.21020 ±8/);
    await badge.waitForPendingMedia(2);

    // A reload keeps the record and both thumbnails (from this device's copy).
    await a.page.reload();
    await item.record(NOTE).getByTestId("photo-image").nth(1).waitFor();
    const sizes = await item.record(NOTE).getByTestId("photo-image").evaluateAll(
      (imgs) => imgs.map((i) => [i.naturalWidth, i.naturalHeight]),
    );
    assert.deepEqual(sizes, [[320, 240], [320, 240]]);

    // Server back: the record and both photos upload without a tap.
    server = await startServer({ port, dataDir });
    running = true;
    await badge.waitFor("synced", 0, 90000);
    await badge.waitForPendingMedia(0, 60000);
    const listed = await listedOnServer(base);
    assert.equal(listed.length, 4, "two photos and their thumbnails");
    for (const hash of listed) {
      const res = await fetch(`${base}/files/media/${PLAN}/${hash}.jpg`);
      assert.equal(res.status, 200, hash);
      const bytes = Buffer.from(await res.arrayBuffer());
      assert.equal(createHash("sha256").update(bytes).digest("hex"), hash);
      assert.deepEqual([...bytes.subarray(0, 2)], [0xff, 0xd8], "a JPEG");
    }
    // The big photo was downscaled to 1600 px on its long side; no location in the bytes.
    const doc = await (await fetch(`${base}/files/plans/${PLAN}.json`)).json();
    const photos = Object.values(doc.records).flatMap((v) => v.flatMap((x) => x.r?.ph || []));
    assert.deepEqual(photos.map((p) => [p.w, p.h]).sort(), [[1200, 900], [1600, 1200]]);

    // A second tablet sees the thumbnails, opens one, and shows it offline afterwards.
    const itemB = new ItemPage(b.page);
    await itemB.open(base, "item-4-1");
    const recB = itemB.record(NOTE);
    await recB.getByTestId("photo-image").nth(1).waitFor({ timeout: 60000 });
    await recB.getByRole("button", { name: /查看照片 1/ }).click();
    const dialog = b.page.getByTestId("photo-dialog");
    await dialog.getByTestId("photo-image").waitFor();
    await dialog.getByRole("button", { name: "关闭" }).click();
    await waitForServiceWorker(b.page);
    await server.stop();
    running = false;
    await b.page.reload();
    await itemB.record(NOTE).getByTestId("photo-image").nth(1).waitFor();
    assert.equal(await itemB.record(NOTE).getByTestId("photo-offline").count(), 0);
  } finally {
    await a.context.close();
    await b.context.close();
    if (running) await server.stop();
  }
});
