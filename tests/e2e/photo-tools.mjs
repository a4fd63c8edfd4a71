// Photos for the tests and benchmarks: JPEGs drawn in the browser, and a proxy that loses
// the replies to chosen photo uploads.
import { createServer, request as httpRequest } from "node:http";
import { inflateRawSync } from "node:zlib";

/**
 * A JPEG of `w`×`h` drawn in the page: a gradient, the label, and (with `detail`) a few
 * thousand small shapes so that it compresses like a photo of a building site rather
 * than a flat picture.
 */
export async function makeJpeg(page, w, h, label, { detail = false } = {}) {
  const b64 = await page.evaluate(async ([w, h, label, detail]) => {
    const c = new OffscreenCanvas(w, h);
    const g = c.getContext("2d");
    const grad = g.createLinearGradient(0, 0, w, h);
    grad.addColorStop(0, "#3a6"); grad.addColorStop(1, "#a63");
    g.fillStyle = grad; g.fillRect(0, 0, w, h);
    if (detail) {
      let seed = 7;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      for (let i = 0; i < (w * h) / 600; i++) {
        g.fillStyle = `rgba(${Math.floor(rnd() * 255)},${Math.floor(rnd() * 255)},${Math.floor(rnd() * 255)},0.6)`;
        g.fillRect(rnd() * w, rnd() * h, 2 + rnd() * 24, 2 + rnd() * 24);
      }
    }
    g.fillStyle = "#fff"; g.font = `${Math.round(h / 6)}px sans-serif`; g.fillText(label, w / 10, h / 2);
    const blob = await c.convertToBlob({ type: "image/jpeg", quality: 0.9 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = ""; for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }, [w, h, label, detail]);
  return { name: `${label}.jpg`, mimeType: "image/jpeg", buffer: Buffer.from(b64, "base64") };
}

/**
 * A proxy in front of the server that loses the reply to chosen photo uploads: the
 * server has stored the photo, the tablet sees its connection cut. Logs every media PUT
 * with the status the server gave and whether the tablet received it.
 */
export async function cuttingProxy(server, cutPuts) {
  const puts = [];
  const proxy = createServer((req, res) => {
    const media = req.method === "PUT" && req.url.startsWith("/files/media/");
    const entry = { hash: req.url.split("/").pop().split(".")[0], status: 0, delivered: false };
    if (media) puts.push(entry);
    const n = puts.length;
    const up = httpRequest(
      { host: "127.0.0.1", port: server.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        entry.status = answer.statusCode;
        if (media && cutPuts.includes(n)) {
          answer.resume();
          answer.on("end", () => req.socket.destroy());
          return;
        }
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
        res.on("finish", () => { entry.delivered = true; });
      },
    );
    up.on("error", () => res.destroy());
    req.pipe(up);
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  return {
    base: `http://127.0.0.1:${proxy.address().port}`,
    puts,
    close: () => new Promise((r) => { proxy.closeAllConnections(); proxy.close(r); }),
  };
}


/** The files of a zip archive (an .xlsx), by name, inflated. */
export function unzip(buffer) {
  let eocd = buffer.length - 22;
  while (eocd >= 0 && buffer.readUInt32LE(eocd) !== 0x06054b50) eocd -= 1;
  if (eocd < 0) throw new Error("not a zip archive");
  const count = buffer.readUInt16LE(eocd + 10);
  let at = buffer.readUInt32LE(eocd + 16);
  const files = new Map();
  for (let i = 0; i < count; i++) {
    const method = buffer.readUInt16LE(at + 10);
    const size = buffer.readUInt32LE(at + 20);
    const nameLen = buffer.readUInt16LE(at + 28);
    const skip = nameLen + buffer.readUInt16LE(at + 30) + buffer.readUInt16LE(at + 32);
    const name = buffer.subarray(at + 46, at + 46 + nameLen).toString("utf8");
    const local = buffer.readUInt32LE(at + 42);
    const start = local + 30 + buffer.readUInt16LE(local + 26) + buffer.readUInt16LE(local + 28);
    const data = buffer.subarray(start, start + size);
    files.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    at += 46 + skip;
  }
  return files;
}
