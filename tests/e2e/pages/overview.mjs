// The overview (/): the plan's title, its category cards, the as-of date and the counts of
// items overdue and at risk on it.
import { labels } from "./labels.mjs";
import { byTestId } from "./testid.mjs";

const CARD = "category-card";

export class Overview {
  /** A category card as found in the page's document (for code that runs in the page). */
  static CARD = byTestId(CARD);

  constructor(page, { lang = "zh" } = {}) {
    this.page = page;
    this.t = labels(lang);
    this.categoryCards = page.getByTestId(CARD);
    this.asOfInput = page.locator('input[name="as-of"]');
    this.overdueCount = page.getByTestId("overdue-count");
    this.atRiskCount = page.getByTestId("at-risk-count");
    /** Shown when the plan has no records. */
    this.noRecords = page.getByText(this.t.no_records);
  }

  /** Opens the overview on the server at `base`. */
  async open(base) {
    await this.page.goto(base + "/");
  }

  /** The page's title: the plan's. */
  title(name) {
    return this.page.getByRole("heading", { level: 1, name });
  }

  /** Waits until the first category card shows. */
  async waitForCards(options) {
    await this.categoryCards.first().waitFor(options);
  }

  /** Judges the plan as of a date (yyyy-mm-dd). */
  async setAsOf(date) {
    await this.asOfInput.fill(date);
    await this.asOfInput.dispatchEvent("change");
  }

  /** The overdue chip when it says `n` items. */
  overdue(n) {
    return this.overdueCount.getByText(`${this.t.overdue} ${n}`);
  }

  /** The at-risk chip when it says `n` items. */
  atRisk(n) {
    return this.atRiskCount.getByText(`${this.t.at_risk} ${n}`);
  }
}
