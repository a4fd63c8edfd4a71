// Writes a brotli (.br, quality 11) and a gzip (.gz, level 9) copy beside each text or
// wasm file of a build, which the bundled server sends to browsers that accept them:
// the app's wasm is about a third of its size in brotli. Run by scripts/sw-manifest.
import { readdirSync, readFileSync, writeFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { brotliCompressSync, gzipSync, constants } from "node:zlib";

const dir = process.argv[2];
if (!dir) throw new Error("usage: node precompress.mjs <build directory>");
const worth = /\.(wasm|js|css|html|svg|webmanifest|json)$/;
for (const name of readdirSync(dir)) {
  const path = join(dir, name);
  if (!worth.test(name) || !statSync(path).isFile()) continue;
  const bytes = readFileSync(path);
  const br = brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  const gz = gzipSync(bytes, { level: 9 });
  // A copy no smaller than the file is no use.
  if (br.length < bytes.length) writeFileSync(path + ".br", br);
  if (gz.length < bytes.length) writeFileSync(path + ".gz", gz);
}
