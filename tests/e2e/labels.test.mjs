// The page objects' labels are the app's words: each one, in each language, is the string
// src/i18n.rs gives under the same key (no browser needed).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";
import { LABELS } from "./pages/labels.mjs";

/** The texts of one language in src/i18n.rs (`pub static ZH: Texts = Texts { … };`). */
function texts(source, name) {
  const start = source.indexOf(`pub static ${name}: Texts = Texts {`);
  assert.ok(start >= 0, `src/i18n.rs defines ${name}`);
  const body = source.slice(start, source.indexOf("\n};", start));
  return Object.fromEntries([...body.matchAll(/^\s*(\w+): "((?:[^"\\]|\\.)*)",$/gm)].map((m) => [m[1], m[2]]));
}

test("the page objects' labels match the app's texts in both languages", () => {
  const source = readFileSync(join(ROOT, "src", "i18n.rs"), "utf8");
  for (const [lang, name] of [["zh", "ZH"], ["en", "EN"]]) {
    const app = texts(source, name);
    for (const [key, label] of Object.entries(LABELS[lang])) {
      assert.equal(label, app[key], `${lang}.${key}`);
    }
  }
  assert.deepEqual(Object.keys(LABELS.en), Object.keys(LABELS.zh), "both languages label the same things");
});
