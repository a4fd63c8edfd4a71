// The settings page (/settings): the inspector's name and mode, the plans, the endpoint's
// token (masked) and the device id; and the note a setup link leaves.
import { labels } from "./labels.mjs";

export class Settings {
  constructor(page, { lang = "zh" } = {}) {
    this.page = page;
    this.t = labels(lang);
    this.author = page.locator('input[name="author"]');
    /** The mode's radio buttons: inspector, then office. */
    this.modes = page.locator('input[name="mode"]');
    this.newPlanId = page.locator('input[name="new-plan-id"]');
    this.newPlanTitle = page.locator('input[name="new-plan-title"]');
    this.copyStructure = page.getByLabel(this.t.new_plan_copy);
    this.newPlanButton = page.getByRole("button", { name: this.t.new_plan });
    this.tokenMask = page.getByTestId("token-mask");
    this.deviceId = page.getByTestId("device-id");
    /** The note that a setup link configured the tablet (on whichever page it opened). */
    this.configured = page.getByText(this.t.configured);
  }

  /** Opens settings on the server at `base`. */
  async open(base) {
    await this.page.goto(base + "/settings");
  }

  /** Sets the inspector's name, and the office mode if asked (on the settings page). */
  async setInspector(name, { office = false } = {}) {
    await this.author.fill(name);
    await this.author.dispatchEvent("change");
    if (office) await this.modes.nth(1).check();
  }

  /** Fills in a new plan (copying the current plan's structure if asked) and creates it. */
  async newPlan(id, title, { copy = false } = {}) {
    await this.newPlanId.fill(id);
    await this.newPlanTitle.fill(title);
    if (copy) await this.copyStructure.check();
    await this.newPlanButton.click();
  }

  /** An error the page shows, by words it contains. */
  alert(text) {
    return this.page.getByRole("alert").filter({ hasText: text });
  }
}

/** Sets the inspector's name (and mode) through the Settings page. */
export async function setInspector(page, base, name, options) {
  const settings = new Settings(page);
  await settings.open(base);
  await settings.setInspector(name, options);
}
