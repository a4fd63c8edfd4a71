// The office's editor of a plan entity (/edit/:entity), opened from the item page.
import { labels } from "./labels.mjs";

export class EntityEditor {
  constructor(page, { lang = "zh" } = {}) {
    this.page = page;
    this.t = labels(lang);
    this.content = page.locator('textarea[name="content"]');
    this.saveButton = page.getByRole("button", { name: this.t.save });
  }

  static path(entity) {
    return `/edit/${entity}`;
  }

  async open(base, entity) {
    await this.page.goto(base + EntityEditor.path(entity));
  }

  /** Rewrites an item's content and saves. */
  async setContent(text) {
    await this.content.fill(text);
    await this.saveButton.click();
  }
}
