// @ts-check
// The audit trail (issue 8), with and without JavaScript: an auditor opens it from the navigation,
// filters it with its GET form (China dates, action, user), sees that the reading itself was
// recorded, and downloads the filtered events as CSV; reviewers and administrators have no link
// and are refused the page and the download (等保 2.0 三权分立: the administrator does not read the
// trail of their own actions).
//
// The e2e server runs on the real clock and the reminder scheduler may add events at any time, so
// the checks look for the rows they expect rather than at fixed positions.
const { test, expect, waitReady, gotoReady, signIn, signOut } = require('./fixtures');

/** Today in China, YYYY-MM-DD. */
function chinaToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
}

/** Clicks `locator` and returns the download it starts. */
async function downloadBy(page, locator) {
  const [download] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  expect(await download.failure()).toBeNull();
  return download;
}

test.describe('audit trail', () => {
  test('an auditor reads the trail, filters it and downloads the filtered events', async ({ page }) => {
    await signIn(page, 'auditor');
    await page.locator('[data-testid=nav-audit]').click();
    await page.waitForURL((url) => url.pathname === '/audit');
    await waitReady(page);
    await expect(page.locator('h1')).toHaveText('审计日志');
    await expect(page.locator('[data-testid=audit-table] caption')).toHaveCount(1);
    await expect(page.locator('[data-testid=audit-table] thead th[scope=col]')).toHaveCount(6);
    // The auditor's own sign-in, with where it came from.
    const ownSignIn = page.locator('[data-testid=audit-row][data-action="auth.signed_in"][data-actor=auditor]').first();
    await expect(ownSignIn).toBeVisible();
    await expect(ownSignIn).toContainText('127.0.0.1');
    await expect(ownSignIn).toContainText('审计员');

    // Filter: today (China time), sign-ins and sign-outs, by the auditor.
    const today = chinaToday();
    await page.locator('input#audit-from').fill(today);
    await page.locator('input#audit-to').fill(today);
    // Issue 17, item 6: actions are chosen from a translated list, grouped by kind; each group
    // leads with all its actions (the code prefix the filter takes).
    await expect(page.locator('select#audit-action option[value="filing.approved"]')).toHaveText('批准');
    await expect(page.locator('select#audit-action optgroup[label="备案申请"]')).toHaveCount(1);
    await page.locator('select#audit-action').selectOption('auth.');
    await page.locator('input#audit-actor').fill('auditor');
    await page.locator('[data-testid=audit-apply]').click();
    await page.waitForURL((url) => url.pathname === '/audit' && url.searchParams.get('action') === 'auth.');
    await waitReady(page);
    const url = new URL(page.url());
    expect(url.searchParams.get('from')).toBe(today);
    expect(url.searchParams.get('actor')).toBe('auditor');
    await expect(page.locator('select#audit-action')).toHaveValue('auth.');
    const rows = page.locator('[data-testid=audit-row]');
    await expect(rows.first()).toBeVisible();
    const actions = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    expect(actions.every((a) => (a || '').startsWith('auth.'))).toBe(true);
    const actors = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-actor')));
    expect(new Set(actors)).toEqual(new Set(['auditor']));

    // The filtered events as CSV (UTF-8 with a BOM, for Excel), named for the day.
    const csv = await downloadBy(page, page.locator('[data-testid=audit-export-csv]'));
    expect(csv.suggestedFilename()).toMatch(/^审计日志-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await require('node:fs').promises.readFile(/** @type {string} */ (await csv.path()), 'utf8');
    expect(text.startsWith('\uFEFF事件编号,时间（北京时间）,操作人,角色,来源地址,经由代理,请求编号,API令牌,操作')).toBe(true);
    const lines = text.trim().split('\r\n').slice(1);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.includes(',auditor,') && line.includes(',auth.'))).toBe(true);

    // Reading and exporting were recorded, with the filter.
    await gotoReady(page, '/audit?action=audit.&actor=auditor');
    await expect(page.locator('[data-testid=audit-row][data-action="audit.viewed"]').first()).toBeVisible();
    const exported = page.locator('[data-testid=audit-row][data-action="audit.exported"]').first();
    await expect(exported).toBeVisible();
    await expect(exported).toContainText('auth.');
    // Still the trail: the download did not navigate away.
    await expect(page.locator('h1')).toHaveText('审计日志');
  });

  test('a malformed date comes back with its error and the form to correct it', async ({ page, browserErrors }) => {
    await signIn(page, 'auditor');
    const response = await gotoReady(page, '/audit?from=2026-02-30');
    expect(response?.status()).toBe(400);
    const refusal = browserErrors.findIndex((e) => e.includes('status of 400'));
    if (refusal >= 0) browserErrors.splice(refusal, 1);
    await expect(page.locator('.notice.error[role=alert]')).toBeVisible();
    await expect(page.locator('[data-testid=audit-filters]')).toBeVisible();
    await expect(page.locator('[data-testid=audit-table]')).toHaveCount(0);
  });

  test('reviewers and administrators have no link to the trail and are refused it', async ({ page, browserErrors }) => {
    for (const username of ['reviewer', 'admin']) {
      await signIn(page, username);
      await expect(page.locator('[data-testid=nav-audit]')).toHaveCount(0);
      const response = await gotoReady(page, '/audit');
      expect(response?.status()).toBe(403);
      // Chromium logs every 403 document as a console error: this one is the point of the test.
      const refusal = browserErrors.findIndex((e) => e.includes('status of 403') && e.includes('/audit'));
      expect(refusal).toBeGreaterThanOrEqual(0);
      browserErrors.splice(refusal, 1);
      await expect(page.locator('.notice.error[role=alert]')).toHaveText('您无权查看或执行此操作。');
      await expect(page.locator('[data-testid=audit-table]')).toHaveCount(0);
      const download = await page.request.get('/exports/audit.csv');
      expect(download.status()).toBe(403);
      await signOut(page);
    }
  });
});
