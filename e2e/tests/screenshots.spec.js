// @ts-check
// Screenshots of the main pages in both languages, saved under e2e/test-results/screenshots/.
const { test, expect, gotoReady, signIn, signOut, switchLanguage, screenshot } = require('./fixtures');

test('screenshots: login, registry, account, filings, deadlines, outbox, tokens, monthly report in zh-CN and en', async ({ page }) => {
  const html = page.locator('html');

  await gotoReady(page, '/login');
  await expect(html).toHaveAttribute('lang', 'zh-CN');
  await screenshot(page, 'login-zh-CN');
  await switchLanguage(page, 'en');
  await screenshot(page, 'login-en');

  await signIn(page, 'submitter');
  await expect(html).toHaveAttribute('lang', 'en');
  await screenshot(page, 'todo-en');
  await gotoReady(page, '/');
  await screenshot(page, 'registry-en');
  const href = await page.locator('[data-testid=registry-table] tbody tr a[data-testid=account-link]')
    .first().getAttribute('href');
  expect(href).toMatch(/^\/accounts\/[^/?#]+$/);
  await gotoReady(page, /** @type {string} */ (href));
  await expect(page.locator('[data-testid=custodian]')).toBeVisible();
  await screenshot(page, 'account-en');

  await switchLanguage(page, 'zh-CN');
  await expect(page.locator('[data-testid=custodian]')).toBeVisible();
  await screenshot(page, 'account-zh-CN');
  await gotoReady(page, '/');
  await expect(html).toHaveAttribute('lang', 'zh-CN');
  await screenshot(page, 'registry-zh-CN');

  await gotoReady(page, '/filings');
  await screenshot(page, 'filings-zh-CN');
  const filing = page.locator('[data-testid=filing-link]').first();
  if (await filing.count()) {
    await gotoReady(page, /** @type {string} */ (await filing.getAttribute('href')));
    await screenshot(page, 'filing-zh-CN');
    await switchLanguage(page, 'en');
    await screenshot(page, 'filing-en');
    await switchLanguage(page, 'zh-CN');
  }
  await gotoReady(page, '/filings/new?kind=open');
  await screenshot(page, 'new-filing-zh-CN');

  await gotoReady(page, '/dashboard');
  await screenshot(page, 'dashboard-zh-CN');
  await gotoReady(page, '/reminders');
  await screenshot(page, 'reminders-zh-CN');
  await gotoReady(page, '/admin/calendar');
  await screenshot(page, 'calendar-zh-CN');
  await switchLanguage(page, 'en');
  await screenshot(page, 'calendar-en');
  await gotoReady(page, '/dashboard');
  await screenshot(page, 'dashboard-en');
  await switchLanguage(page, 'zh-CN');

  // The outbox is for administrators.
  await signOut(page);
  await signIn(page, 'admin');
  await gotoReady(page, '/admin/outbox');
  await expect(page.locator('[data-testid=outbox-filter]')).toBeVisible();
  await screenshot(page, 'outbox-zh-CN');
  await switchLanguage(page, 'en');
  await screenshot(page, 'outbox-en');
  await switchLanguage(page, 'zh-CN');
  await gotoReady(page, '/tokens');
  await expect(page.locator('[data-testid=token-form]')).toBeVisible();
  await screenshot(page, 'tokens-zh-CN');
  await switchLanguage(page, 'en');
  await screenshot(page, 'tokens-en');
  await switchLanguage(page, 'zh-CN');
  await gotoReady(page, '/admin/users');
  await expect(page.locator('[data-testid=person-form]')).toBeVisible();
  await screenshot(page, 'users-zh-CN');
  await switchLanguage(page, 'en');
  await screenshot(page, 'users-en');
  await switchLanguage(page, 'zh-CN');

  // Roles, locks and the password policy are the security administrator's.
  await signOut(page);
  await signIn(page, 'security');
  await gotoReady(page, '/security');
  await expect(page.locator('[data-testid=policy-form]')).toBeVisible();
  await screenshot(page, 'security-zh-CN');
  await switchLanguage(page, 'en');
  await screenshot(page, 'security-en');
  await switchLanguage(page, 'zh-CN');

  // The monthly report, for the county office; and as it prints.
  await signOut(page);
  await signIn(page, 'reviewer');
  await gotoReady(page, '/reports/monthly');
  await expect(page.locator('[data-testid=monthly-report]')).toBeVisible();
  await screenshot(page, 'monthly-report-zh-CN');
  await page.emulateMedia({ media: 'print' });
  await screenshot(page, 'monthly-report-print-zh-CN');
  await page.emulateMedia({ media: 'screen' });
  await switchLanguage(page, 'en');
  await screenshot(page, 'monthly-report-en');
  await switchLanguage(page, 'zh-CN');
});
