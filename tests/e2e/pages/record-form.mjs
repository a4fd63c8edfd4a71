// The record form (/items/:item/record): an inspector's record of one observation.
import { labels } from "./labels.mjs";
import { byTestId } from "./testid.mjs";

const FORM = "record-form";
const SAVED = "saved";

/** The form's fields by name, as the app names its inputs. */
const FIELDS = {
  observed: 'input[name="observed"]',
  figure: 'input[name="figure"]',
  percent: 'input[name="percent"]',
  note: 'textarea[name="note"]',
};

export class RecordForm {
  /** Selectors for code that runs in the page: the form, and the "saved" notice. */
  static FORM = `form${byTestId(FORM)}`;
  static SAVED = byTestId(SAVED);

  constructor(page, { lang = "zh" } = {}) {
    this.page = page;
    this.t = labels(lang);
    this.form = page.getByTestId(FORM);
    this.inspector = page.getByTestId("inspector");
    this.saveButton = page.getByRole("button", { name: this.t.save });
    /** "Saved on this device": shown by the form once a save is stored, then by the item
     * page the form returns to. */
    this.saved = page.getByTestId(SAVED);
  }

  /** The form's path for an item; `site` preselects a site, `correct` a record to correct. */
  static path(item, { site, correct } = {}) {
    const query = new URLSearchParams();
    if (site) query.set("site", site);
    if (correct) query.set("correct", correct);
    const q = query.toString();
    return `/items/${item}/record` + (q ? `?${q}` : "");
  }

  /** Opens the form for `item` on the server at `base`. */
  async open(base, item, options = {}) {
    await this.page.goto(base + RecordForm.path(item, options));
  }

  /** A field's input: "observed", "figure", "percent" or "note". */
  field(name) {
    const selector = FIELDS[name];
    if (!selector) throw new Error(`the record form has no field ${name}`);
    return this.page.locator(selector);
  }

  /** The error shown next to a field the save refused. */
  fieldError(name) {
    return this.page.getByTestId(`error-${name}`);
  }

  /** Fills the fields given, in the order given (a value of "" empties a field). */
  async fill(values) {
    for (const [name, value] of Object.entries(values)) await this.field(name).fill(value);
  }

  /** Presses save (and waits for nothing). */
  async save() {
    await this.saveButton.click();
  }

  /** The gallery control (从相册选择), found by its label. */
  get gallery() {
    return this.page.getByLabel(this.t.choose_photos);
  }

  /**
   * Picks files from the "gallery" (`{name, mimeType, buffer}` each) and waits until the
   * photo module has added them (or refused some).
   */
  async addPhotos(files) {
    await this.gallery.setInputFiles(files);
    await this.page.getByTestId("photo-busy").waitFor({ state: "detached", timeout: 60000 });
  }

  /** The thumbnails on the form. */
  get thumbs() {
    return this.form.getByTestId("thumb");
  }

  /** The messages for files not added. */
  get refusedPhotos() {
    return this.form.getByTestId("photo-refused");
  }

  /** Presses 附加位置 and waits for the fix to show. */
  async attachLocation() {
    await this.page.getByRole("button", { name: this.t.attach_location }).click();
    await this.form.getByTestId("location").waitFor();
  }

  /** Fills the fields given, saves, and waits until the app says the record is saved. */
  async record(values) {
    await this.fill(values);
    await this.save();
    await this.saved.waitFor();
  }
}
