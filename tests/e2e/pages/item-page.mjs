// The item page (/items/:item): the item's content, its record history (with a record's
// correct and delete actions), its field conflicts, and the office's edit button.
import { labels } from "./labels.mjs";

export class ItemPage {
  constructor(page, { lang = "zh" } = {}) {
    this.page = page;
    this.t = labels(lang);
    this.content = page.getByTestId("item-content");
    this.history = page.getByTestId("record-history");
    this.records = page.getByTestId("record");
    /** Each field with more than one value, and the values to keep. */
    this.conflicts = page.getByTestId("conflict");
    /** The office's link to the item's editor. */
    this.editButton = page.getByTestId("edit-button");
  }

  static path(item) {
    return `/items/${item}`;
  }

  /** Opens the item on the server at `base`. */
  async open(base, item) {
    await this.page.goto(base + ItemPage.path(item));
  }

  /** Text in the record history. */
  inHistory(text) {
    return this.history.getByText(text);
  }

  /** The records in the history whose text includes `text`. */
  record(text) {
    return this.records.filter({ hasText: text });
  }

  /** A record's link to correct it (only on the inspector's own records). */
  correctLink(record) {
    return record.getByRole("link", { name: this.t.correct });
  }

  /** A record's delete button (only on the inspector's own records). */
  deleteButton(record) {
    return record.getByRole("button", { name: this.t.delete });
  }

  /** Whether a record says it was corrected. */
  async isCorrected(record) {
    return (await record.textContent()).includes(this.t.corrected);
  }

  /** Text among the conflicts' values. */
  inConflicts(text) {
    return this.conflicts.getByText(text);
  }

  /** The button that keeps a conflict's value (the one whose text includes `value`). */
  keepButton(value) {
    return this.conflicts.locator("li", { hasText: value }).getByRole("button", { name: this.t.keep_this });
  }
}
