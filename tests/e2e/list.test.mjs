// The items list renders only the rows in view: a plan of 3,000 items shows a screenful
// of rows, says how many items match, and scrolling (or a filter) brings any row into
// view with its position for assistive technology.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startServer, openProfile } from "./harness.mjs";
import { Overview } from "./pages/overview.mjs";

const N = 3000;

/** A plan document of `n` items in 3 categories, as the app stores it (plain JSON). */
function bigPlan(n) {
  const reg = (s, v) => ({ v: [{ s, d: "office", v }] });
  const entities = {
    plan: { title: reg(1, "大计划"), year: reg(1, 2021), start: reg(1, "2021-01-01"), end: reg(1, "2021-12-31") },
  };
  for (let c = 0; c < 3; c++) entities[`cat-${c}`] = { name: reg(2, `类别${c}`), order: reg(2, c), numbered: reg(2, true) };
  for (let i = 0; i < n; i++) {
    entities[`item-${i}`] = {
      category: reg(3, `cat-${i % 3}`),
      order: reg(3, i),
      content: reg(3, `第${i}号项目，计划9月底前完成`),
      departments: reg(3, [i % 2 ? "城建科" : "区域发展办"]),
    };
  }
  return JSON.stringify({ format: 1, id: "big", entities, records: {} });
}

test("a 3,000-item list renders the rows in view and scrolls to any of them", async () => {
  const server = await startServer();
  const { context, page } = await openProfile("list");
  try {
    const overview = new Overview(page);
    await overview.open(server.base);
    await overview.waitForCards();
    await page.evaluate((json) => {
      localStorage.setItem("jindu.v1.plan.big", json);
      const s = JSON.parse(localStorage.getItem("jindu.v1.settings") || "{}");
      s.plan = "big";
      localStorage.setItem("jindu.v1.settings", JSON.stringify(s));
    }, bigPlan(N));
    await page.goto(server.base + "/items");
    await page.getByTestId("item-row").first().waitFor();

    const count = page.getByTestId("item-count");
    assert.equal(await count.getAttribute("data-count"), String(N));
    assert.match(await count.textContent(), /^3000 /);
    const rendered = await page.getByTestId("item-row").count();
    assert.ok(rendered > 3 && rendered < 30, `rows rendered at first: ${rendered}`);
    const first = page.getByTestId("item-row").first();
    assert.equal(await first.getAttribute("aria-posinset"), "1");
    assert.equal(await first.getAttribute("aria-setsize"), String(N));
    assert.match(await first.textContent(), /1\.1/);

    // Scrolled to the end, the last item is in view (category 3's last: 3.1000).
    const list = page.getByTestId("item-list");
    await list.evaluate((el) => { el.scrollTop = el.scrollHeight; });
    const last = page.getByTestId("item-row").filter({ hasText: "第2999号项目" });
    await last.waitFor();
    assert.equal(await last.getAttribute("aria-posinset"), String(N));
    assert.match(await last.textContent(), /3\.1000/);
    assert.ok(await last.isVisible());
    assert.ok((await page.getByTestId("item-row").count()) < 30);

    // Half way down, the rows around position 1,500 are there and in order.
    await list.evaluate((el) => { el.scrollTop = el.scrollHeight / 2; });
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="item-row"]')].some((r) => r.getAttribute("aria-posinset") === "1500"));
    const positions = await page.getByTestId("item-row").evaluateAll((rows) => rows.map((r) => Number(r.getAttribute("aria-posinset"))));
    assert.deepEqual(positions, positions.map((_, k) => positions[0] + k), `rows in order: ${positions}`);

    // A filter shows its matches from the top, and a tap opens the item.
    await page.getByRole("searchbox").fill("第2998号");
    await page.waitForFunction(() => document.querySelector('[data-testid="item-count"]').dataset.count === "1");
    assert.equal(await page.getByTestId("item-row").count(), 1);
    await page.getByTestId("item-row").locator("a").click();
    await page.waitForURL(/\/items\/item-2998$/);
    await page.getByText("第2998号项目，计划9月底前完成").first().waitFor();
  } finally {
    await context.close();
    await server.stop();
  }
});
