// The office's review of a record on the item page (已审核 / 退回 with a comment, the
// record's review state) and the overview's list of returned records to fix.
import { labels } from "./labels.mjs";

export class Review {
  constructor(page, { lang = "zh" } = {}) {
    this.page = page;
    this.t = labels(lang);
    /** The overview's returned records to fix. */
    this.toFix = page.getByTestId("to-fix-record");
  }

  /** Returns `record` (a locator of the item page's record) with a comment. */
  async returnRecord(record, comment) {
    await record.locator('input[name="review-comment"]').fill(comment);
    await record.getByTestId("review-return").click();
  }

  /** A record's review state: its verdict and whether it changed since. */
  async state(record) {
    const s = record.getByTestId("review-state");
    await s.waitFor();
    return { verdict: await s.getAttribute("data-verdict"), changed: await s.getAttribute("data-changed") };
  }

  /** The link that corrects a record on the to-fix list. */
  correctLink(entry) {
    return entry.getByRole("link", { name: this.t.correct });
  }
}
