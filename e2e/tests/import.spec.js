// @ts-check
// Import of an existing register, with and without JavaScript: an administrator finds the page in
// the navigation, uploads a CSV register, sees the dry run's report row by row (an Art. 9 legacy
// duplicate among the rows), imports it and follows the link to a created account; a file that
// is not a register is refused with a clear message; a reviewer gets neither link nor form.
const { test, expect, jsEnabled, gotoReady, waitReady, signIn } = require('./fixtures');

// Evaluated through DevTools rather than added as a <script>, which the page's CSP would refuse.
const AXE = require('node:fs').readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const DEVELOPMENT = '石柱土家族自治县发展和改革委员会';
// A platform the development commission has no account on, one per project (one shared database).
const PLATFORMS = { js: '抖音', nojs: '新浪微博' };

/** A CSV register (UTF-8 with BOM): a new account, and a second live WeChat account (Art. 9). */
function register() {
  const platform = PLATFORMS[/** @type {'js'|'nojs'} */ (test.info().project.name)];
  const header = '序号,主办单位,平台,账号名称,认证主体,运维单位,功能定位,开设日期,状态,密码保管人,保管人手机';
  const row = (n, platformName, name) =>
    [n, DEVELOPMENT, platformName, name, DEVELOPMENT, DEVELOPMENT, '政务信息发布', '2021-06-01', '运营中', '冉静', '13623456789'].join(',');
  const text = [header, row(1, platform, `石柱发改${test.info().project.name}`), row(2, '微信公众号', `发改老号${test.info().project.name}`)].join('\r\n');
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${text}\r\n`, 'utf8')]);
}

/** Chooses the file and presses one of the two buttons; waits for the answer page. */
async function upload(page, name, buffer, button) {
  await page.locator('#import-file').setInputFiles({ name, mimeType: 'text/csv', buffer });
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/admin/import') && r.request().method() === 'POST'),
    page.locator(`[data-testid=${button}]`).click(),
  ]);
  await page.waitForLoadState('load');
  await waitReady(page);
}

async function checkA11y(page, label) {
  await page.evaluate(AXE);
  const results = await page.evaluate(() =>
    // @ts-ignore -- evaluated above
    window.axe.run(document, { resultTypes: ['violations'] }));
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `[${v.impact}] ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(blocking, `serious/critical axe violations on ${label}`).toEqual([]);
}

test.describe('import of an existing register', () => {
  test('an administrator dry-runs a register, imports it and finds the accounts', async ({ page }) => {
    await signIn(page, 'admin');
    await page.locator('[data-testid=nav-import]').click();
    await page.waitForURL((url) => url.pathname === '/admin/import');
    await waitReady(page);
    await expect(page.locator('h1')).toHaveText('导入已有台账');
    await expect(page.getByLabel('台账文件（XLSX 或 CSV，不超过 20 MB）')).toBeVisible();

    await upload(page, '发改委老台账.csv', register(), 'import-dry-run');
    await expect(page.locator('[data-testid=import-ready]')).toContainText('未写入任何数据');
    await expect(page.locator('[data-testid=import-report] h2')).toHaveText('试运行结果：发改委老台账.csv');
    const rows = page.locator('[data-testid=import-row]');
    await expect(rows).toHaveCount(2);
    await expect(rows.nth(0)).toHaveAttribute('data-outcome', 'create');
    await expect(rows.nth(1)).toHaveAttribute('data-outcome', 'art9_duplicate');
    await expect(rows.nth(1)).toContainText('第九条重复账号：导入并列入整改清单');
    await expect(page.locator('[data-testid=import-rows] caption')).toHaveText('逐行结果');
    if (jsEnabled()) await checkA11y(page, 'the dry run report');

    await upload(page, '发改委老台账.csv', register(), 'import-apply');
    await expect(page.locator('[data-testid=import-applied]')).toHaveText('已导入 2 个账号。');
    const created = rows.nth(0).getByRole('link', { name: '已新建' });
    await created.click();
    await page.waitForURL(/\/accounts\/\d+$/);
    await waitReady(page);
    await expect(page.locator('h1')).toContainText(`石柱发改${test.info().project.name}`);

    // The same file again: every row is already registered, and nothing is written.
    await gotoReady(page, '/admin/import');
    await upload(page, '发改委老台账.csv', register(), 'import-apply');
    await expect(page.locator('[data-testid=import-refused]')).toBeVisible();
    await expect(page.locator('[data-testid=import-row]').first()).toContainText('台账中已有完全相同的账号');
  });

  test('a file that is not a register is refused with a clear message', async ({ page }) => {
    await signIn(page, 'admin');
    await gotoReady(page, '/admin/import');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await upload(page, 'photo.csv', png, 'import-dry-run');
    await expect(page.locator('[data-testid=import-error] [role=alert]')).toHaveText('该文件不是 XLSX 或 CSV 表格。');
    await expect(page.locator('[data-testid=import-form]')).toBeVisible();
  });

  test('a reviewer has neither the link nor the form', async ({ page, browserErrors }) => {
    await signIn(page, 'reviewer');
    await expect(page.locator('[data-testid=nav-import]')).toHaveCount(0);
    const response = await gotoReady(page, '/admin/import');
    expect(response?.status()).toBe(403);
    // Chromium logs every 403 document as a console error: this one is the point of the test.
    const refusal = browserErrors.findIndex((e) => e.includes('status of 403') && e.includes('/admin/import'));
    expect(refusal).toBeGreaterThanOrEqual(0);
    browserErrors.splice(refusal, 1);
    await expect(page.locator('[role=alert]')).toBeVisible();
    await expect(page.locator('[data-testid=import-form]')).toHaveCount(0);
  });
});
