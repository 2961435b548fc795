// @ts-check
// Shared fixtures and helpers for the browser suite.
//
// - Every test fails if the page logged a console error or threw an uncaught exception.
// - In the `js` project every navigation waits for hydration (<body data-hydrated="true">)
//   before acting; in the `nojs` project pages are plain server-rendered HTML.
const base = require('@playwright/test');
const { expect } = base;
const fs = require('node:fs');
const path = require('node:path');

const PASSWORD = 'shizhu-demo-2026';
const ROLES = ['submitter', 'reviewer', 'admin', 'auditor', 'security'];
const SCREENSHOT_DIR = path.join(__dirname, '..', 'test-results', 'screenshots');

const test = base.test.extend({
  // Auto fixture: collects console errors and page errors, asserts none at the end of each test.
  browserErrors: [
    async ({ page }, use) => {
      /** @type {string[]} */
      const errors = [];
      page.on('console', (msg) => {
        if (msg.type() === 'error') {
          const loc = msg.location();
          errors.push(`console.error: ${msg.text()}${loc && loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
        }
      });
      page.on('pageerror', (err) => {
        errors.push(`pageerror: ${err.message}\n${err.stack || ''}`);
      });
      await use(errors);
      expect(errors, 'console errors and uncaught page errors').toEqual([]);
    },
    { auto: true },
  ],
});

/** True in the `js` project. */
function jsEnabled() {
  return test.info().project.use.javaScriptEnabled !== false;
}

/** In the `js` project: waits until the wasm has hydrated the current document. */
async function waitReady(page) {
  if (jsEnabled()) {
    await page.waitForSelector('body[data-hydrated="true"]', { state: 'attached', timeout: 30_000 });
  }
}

/** Navigates and (js) waits for hydration. Returns the navigation response. */
async function gotoReady(page, url) {
  const response = await page.goto(url);
  await waitReady(page);
  return response;
}

/** Signs in through the login form and lands on the person's to-do (issue 17, item 1). */
async function signIn(page, username, password = PASSWORD) {
  await gotoReady(page, '/login');
  await page.locator('input#username[name=username]').fill(username);
  await page.locator('input#password[name=password]').fill(password);
  await page.locator('[data-testid=sign-in]').click();
  await page.waitForURL((url) => url.pathname === '/todo');
  await waitReady(page);
  await expect(page.locator('[data-testid=current-user]')).toContainText(username);
}

/** Signs out with the header button. */
async function signOut(page) {
  const button = page.locator('form[method=post][action="/logout"] button[data-testid=sign-out]');
  await expect(button).toBeVisible();
  await button.click();
  // Wherever sign-out redirects, a signed-out visitor ends on /login.
  await page.waitForURL((url) => url.pathname === '/login');
  await expect(page.locator('[data-testid=sign-in]')).toBeVisible();
  await waitReady(page);
  await expect(page.locator('[data-testid=sign-out]')).toHaveCount(0);
}

/** Switches the UI language with the header switch and waits for <html lang>. */
async function switchLanguage(page, lang) {
  await page.locator(`form[data-testid=lang-switch] button[name=lang][value="${lang}"]`).click();
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
  await waitReady(page);
}

/** The first integer in the text of the element (e.g. "共 31 个账号" -> 31). */
async function numberIn(locator) {
  const text = (await locator.textContent()) || '';
  const m = text.replace(/[,\s]/g, '').match(/\d+/);
  if (!m) throw new Error(`no number in ${JSON.stringify(text)}`);
  return Number(m[0]);
}

/**
 * Issue 17, item 3: a step that cannot be undone asks first: a modal dialog with JavaScript (the
 * focus on Cancel), a disclosure without. Presses the step's button, checks the question, and
 * returns the answer that takes the step.
 */
async function askFirst(page, testid, scope = page) {
  await scope.locator(`summary[data-testid=${testid}]`).click();
  if (jsEnabled()) {
    const dialog = scope.locator(`dialog[data-testid=${testid}-dialog]`);
    await expect(dialog).toBeVisible();
    await expect(dialog.locator(`[data-testid=${testid}-dialog-cancel]`)).toBeFocused();
    return dialog.locator(`[data-testid=${testid}-dialog-confirm]`);
  }
  const answer = scope.locator(`[data-testid=${testid}-confirm]`);
  await expect(answer).toBeVisible();
  return answer;
}

/** Saves a full-page screenshot under test-results/screenshots/<project>-<name>.png. */
async function screenshot(page, name) {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${test.info().project.name}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

module.exports = {
  test,
  expect,
  PASSWORD,
  ROLES,
  jsEnabled,
  waitReady,
  gotoReady,
  signIn,
  signOut,
  switchLanguage,
  numberIn,
  askFirst,
  screenshot,
};
