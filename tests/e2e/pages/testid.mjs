// The CSS selector of an element by its data-testid, for code that runs in the page
// (page.evaluate, waitForFunction) or composes selectors; locators use getByTestId.
export const byTestId = (id) => `[data-testid="${id}"]`;
