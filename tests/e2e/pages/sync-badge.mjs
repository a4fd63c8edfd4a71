// The sync badge in the header: its state (data-state), pending edits (data-pending), the
// last confirmed round's time (data-last, ms since the epoch, 0 for never), its words, and
// its "sync now" button.
import { labels } from "./labels.mjs";
import { byTestId } from "./testid.mjs";

const BADGE = "sync-status";

export class SyncBadge {
  /** The badge as found in the page's document (for code that runs in the page). */
  static SELECTOR = byTestId(BADGE);

  constructor(page, { lang = "zh" } = {}) {
    this.page = page;
    this.t = labels(lang);
    this.root = page.getByTestId(BADGE);
    this.syncNowButton = this.root.getByRole("button", { name: this.t.sync_now });
  }

  /** The selector of the badge in a state, and with a pending count if given. */
  static selector(state, pending) {
    return SyncBadge.SELECTOR
      + (state === undefined ? "" : `[data-state="${state}"]`)
      + (pending === undefined ? "" : `[data-pending="${pending}"]`);
  }

  /** The badge's state, its pending count and its last-synced time. */
  async read() {
    const [state, pending, last] = await Promise.all(
      ["data-state", "data-pending", "data-last"].map((a) => this.root.getAttribute(a)),
    );
    return { state, pending: Number(pending), last: Number(last) };
  }

  /** The words the badge says for a state (`sync_server_fault`, …). */
  says(key) {
    return this.t[key];
  }

  /** The badge's words (a refusal's reason among them). */
  async text() {
    return this.root.textContent();
  }

  /** Waits until the badge counts `n` photos waiting for upload. */
  async waitForPendingMedia(n, timeout = 30000) {
    await this.page.waitForSelector(`${SyncBadge.SELECTOR}[data-pending-media="${n}"]`, { timeout });
  }

  /** Waits until the badge shows a state (and a pending count, if given). */
  async waitFor(state, pending, timeout = 30000) {
    await this.page.waitForSelector(SyncBadge.selector(state, pending), { timeout });
  }

  /** Waits until the badge counts `pending` edits, whatever its state. */
  async waitForPending(pending, timeout = 30000) {
    await this.page.waitForSelector(SyncBadge.selector(undefined, pending), { timeout });
  }

  /** Waits until a round confirmed after the one at `last` (the last-synced time moved on). */
  async waitForRoundAfter(last, timeout = 30000) {
    await this.page.waitForFunction(
      ({ selector, last }) => Number(document.querySelector(selector).dataset.last) > last,
      { selector: SyncBadge.SELECTOR, last }, { timeout },
    );
  }

  /** Presses "sync now". */
  async syncNow() {
    await this.syncNowButton.click();
  }

  /** Presses "sync now" and waits until that round confirms: synced, nothing pending, and
   * the last-synced time moved. */
  async syncNowAndWait(timeout = 30000) {
    const before = await this.root.getAttribute("data-last");
    await this.syncNow();
    await this.page.waitForFunction(({ selector, before }) => {
      const el = document.querySelector(selector);
      return el.dataset.state === "synced" && el.dataset.pending === "0" && el.dataset.last !== before;
    }, { selector: SyncBadge.SELECTOR, before }, { timeout });
  }
}
