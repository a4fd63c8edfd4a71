// The report page (/report): the period's table, its status cells (the office's text,
// kept in the plan document), a cell's conflict when two tablets edited it.
import { labels } from "./labels.mjs";

export class ReportPage {
  constructor(page, { lang = "zh" } = {}) {
    this.page = page;
    this.t = labels(lang);
    this.rows = page.getByTestId("report-row");
  }

  /** Opens the report on the server at `base` and waits for its rows. */
  async open(base) {
    await this.page.goto(base + "/report");
    await this.rows.first().waitFor();
  }

  /** The status cell of row `n` (1-based). */
  cell(n) {
    return this.page.getByRole("textbox", { name: `${this.t.report_status} ${n}`, exact: true });
  }

  /** Writes the office's text into row `n`'s cell. */
  async edit(n, text) {
    const cell = this.cell(n);
    await cell.fill(text);
    await cell.dispatchEvent("change");
  }

  /** Issues the table (签发), accepting the confirmation. */
  async issue() {
    this.page.once("dialog", (d) => d.accept());
    await this.page.getByTestId("issue-button").click();
  }

  /** The issued versions listed under the table. */
  get issuedVersions() {
    return this.page.getByTestId("issued-version");
  }

  /** The issued table opened read-only. */
  get issuedView() {
    return this.page.getByTestId("issued-view");
  }

  /** The conflict shown on row `n`'s cell. */
  conflict(n) {
    return this.rows.nth(n - 1).getByTestId("cell-conflict");
  }
}
