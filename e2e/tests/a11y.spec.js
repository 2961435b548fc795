// @ts-check
// Accessibility: axe-core on the main pages (js project only). Fails on serious or critical violations.
const { test, expect, jsEnabled, gotoReady, waitReady, signIn, PASSWORD } = require('./fixtures');

// Evaluated through DevTools rather than added as a <script>, which the page's CSP would refuse.
const AXE = require('node:fs').readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function checkA11y(page, label) {
  await page.evaluate(AXE);
  const results = await page.evaluate(() =>
    // @ts-ignore -- evaluated above
    window.axe.run(document, { resultTypes: ['violations'] }));
  const describe = (v) =>
    `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
    v.nodes.map((n) => `    at ${n.target.join(' ')}: ${n.failureSummary || ''}`.replace(/\n/g, ' ')).join('\n');
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const other = results.violations.filter((v) => !blocking.includes(v));
  if (other.length) console.log(`axe on ${label}: ${other.length} minor/moderate:\n${other.map(describe).join('\n')}`);
  if (blocking.length) console.log(`axe on ${label}: ${blocking.length} serious/critical:\n${blocking.map(describe).join('\n')}`);
  expect(blocking.map(describe), `serious/critical axe violations on ${label}`).toEqual([]);
}

test.describe('accessibility (axe-core)', () => {
  test.beforeEach(() => {
    test.skip(!jsEnabled(), 'axe-core runs in the js project only');
  });

  test('login page', async ({ page }) => {
    await gotoReady(page, '/login');
    await checkA11y(page, '/login');
  });

  test('registry and account pages', async ({ page }) => {
    await signIn(page, 'reviewer');
    await checkA11y(page, 'the to-do page');
    await gotoReady(page, '/');
    await checkA11y(page, 'the registry page');
    await page.locator('[data-testid=registry-table] tbody tr a[data-testid=account-link]').first().click();
    await page.waitForURL(/\/accounts\/[^/?#]+$/);
    await waitReady(page);
    await expect(page.locator('[data-testid=custodian]')).toBeVisible();
    await checkA11y(page, 'an account page');
  });

  test('filing pages: the list, a new filing form with its problems, a filing', async ({ page }) => {
    await signIn(page, 'submitter');
    await gotoReady(page, '/filings');
    await checkA11y(page, 'the filings page');
    await gotoReady(page, '/filings/new?kind=open');
    await checkA11y(page, 'the new filing form');
    // An empty draft: every field carries its problem.
    await page.locator('[data-testid=create-filing]').click();
    await page.waitForURL(/\/filings\/\d+$/);
    await waitReady(page);
    await expect(page.locator('[data-testid=issues]')).toBeVisible();
    await checkA11y(page, 'a draft with problems');
    await gotoReady(page, new URL(page.url()).pathname + '/print');
    await checkA11y(page, 'the printable form');
  });

  test('deadline pages: the dashboard, reminders, the calendar and settings', async ({ page }) => {
    await signIn(page, 'admin');
    await gotoReady(page, '/dashboard');
    await checkA11y(page, 'the dashboard');
    await gotoReady(page, '/reminders');
    await checkA11y(page, 'the reminders page');
    await gotoReady(page, '/admin/calendar');
    await checkA11y(page, 'the calendar and settings page');
  });

  test('the monthly report', async ({ page }) => {
    await signIn(page, 'reviewer');
    await gotoReady(page, '/reports/monthly');
    await expect(page.locator('[data-testid=monthly-report]')).toBeVisible();
    await checkA11y(page, 'the monthly report');
  });

  test('the API tokens page, with a token just created', async ({ page }) => {
    await signIn(page, 'auditor');
    await gotoReady(page, '/tokens');
    await page.locator('#token-name').fill('a11y');
    await page.locator('#token-password').fill(PASSWORD);
    await page.locator('[data-testid=token-create]').click();
    await page.waitForURL((url) => url.searchParams.has('created'));
    await waitReady(page);
    await expect(page.locator('[data-testid=token-secret]')).toBeVisible();
    await checkA11y(page, 'the API tokens page');
  });

  test('the e-mail outbox, all messages and failed ones', async ({ page }) => {
    await signIn(page, 'admin');
    await gotoReady(page, '/admin/outbox');
    await expect(page.locator('[data-testid=outbox-filter]')).toBeVisible();
    await checkA11y(page, 'the outbox page');
    await gotoReady(page, '/admin/outbox?status=failed');
    await checkA11y(page, 'the outbox page, failed messages');
  });

  test('the audit trail, all events and filtered', async ({ page }) => {
    await signIn(page, 'auditor');
    await gotoReady(page, '/audit');
    await expect(page.locator('[data-testid=audit-filters]')).toBeVisible();
    await expect(page.locator('[data-testid=audit-table]')).toBeVisible();
    await checkA11y(page, 'the audit trail');
    await gotoReady(page, '/audit?action=auth.&actor=auditor');
    await checkA11y(page, 'the audit trail, filtered');
  });

  test('the user accounts and security administration pages', async ({ page }) => {
    await signIn(page, 'admin');
    await gotoReady(page, '/admin/users');
    await expect(page.locator('[data-testid=person-form]')).toBeVisible();
    await checkA11y(page, 'the user accounts page');
    await page.locator('form[method=post][action="/logout"] button[data-testid=sign-out]').click();
    await page.waitForURL((url) => url.pathname === '/login');
    await signIn(page, 'security');
    await gotoReady(page, '/security');
    await expect(page.locator('[data-testid=policy-form]')).toBeVisible();
    await checkA11y(page, 'the security administration page');
  });
});
