// The import page (/import): a plan file chosen or a table pasted, the proposal's
// preview (items, targets, the progress column's records, unread rows), corrections,
// and creating the new plan.
export class ImportPage {
  constructor(page) {
    this.page = page;
    this.id = page.locator('input[name="import-plan-id"]');
    this.title = page.locator('input[name="import-plan-title"]');
    this.file = page.locator('input[name="import-file"]');
    this.pasteBox = page.locator('textarea[name="import-paste"]');
    this.preview = page.getByTestId("import-preview");
    this.count = page.getByTestId("import-count");
    this.items = page.getByTestId("import-item");
    this.targets = page.getByTestId("import-targets");
    /** The progress column's records, one per item that has one. */
    this.records = page.getByTestId("import-record");
    /** The progress column: its heading, the records' date and how many. */
    this.recordsCard = page.getByTestId("import-records");
    this.keepRecords = page.locator('input[name="import-keep-records"]');
    this.unread = page.getByTestId("import-unread");
    this.error = page.getByTestId("import-form").getByRole("alert");
    this.createButton = page.getByRole("button", { name: "创建新计划" });
  }

  /** Opens the page on the server at `base` and names the new plan. */
  async open(base, id, title) {
    await this.page.goto(base + "/import");
    await this.id.fill(id);
    await this.title.fill(title);
  }

  /** Chooses a file; resolves once the page shows a preview or says why not. */
  async choose(path) {
    await this.file.setInputFiles(path);
    await this.preview.or(this.error).first().waitFor();
  }

  /** Pastes `html` as Word puts a copied table on the clipboard. */
  async paste(html) {
    await this.pasteBox.evaluate((el, html) => {
      const data = new DataTransfer();
      data.setData("text/html", html);
      data.setData("text/plain", "");
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }, html);
    await this.preview.or(this.error).first().waitFor();
  }

  /** What the preview shows: item texts, targets and records, in order. */
  async shown() {
    const contents = [];
    for (const item of await this.items.all()) contents.push(await item.locator("textarea").inputValue());
    return {
      count: await this.count.textContent(),
      contents,
      targets: await this.targets.allTextContents(),
      records: await this.records.allTextContents(),
    };
  }

  /** Corrects the text of the `n`th item. */
  async correctContent(n, text) {
    const box = this.items.nth(n).locator("textarea");
    await box.fill(text);
    await box.dispatchEvent("change");
  }

  async create() {
    await this.createButton.click();
  }
}
