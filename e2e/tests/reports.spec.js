// @ts-check
// The monthly report (Art. 34), with and without JavaScript: a reviewer opens it from the
// navigation, picks a month with its GET form, downloads the month's workbook, and takes the
// filings report (报备) for a period as CSV and XLSX; a submitter has no link and is refused.
//
// The e2e server runs on the real clock, so the months are worked out from the one the page
// opens on (the current China month).
const { test, expect, waitReady, gotoReady, signIn } = require('./fixtures');

/** The month before `YYYY-MM`. */
function previousMonth(month) {
  const [year, m] = month.split('-').map(Number);
  return m === 1 ? `${year - 1}-12` : `${year}-${String(m - 1).padStart(2, '0')}`;
}

/** Clicks `locator` and returns the download it starts. */
async function downloadBy(page, locator) {
  const [download] = await Promise.all([page.waitForEvent('download'), locator.click()]);
  expect(await download.failure()).toBeNull();
  return download;
}

test.describe('monthly report', () => {
  test('a reviewer opens the report from the navigation, picks a month and downloads it', async ({ page }) => {
    await signIn(page, 'reviewer');
    await page.locator('[data-testid=nav-reports]').click();
    await page.waitForURL((url) => url.pathname === '/reports/monthly');
    await waitReady(page);

    const report = page.locator('[data-testid=monthly-report]');
    const current = /** @type {string} */ (await report.getAttribute('data-month'));
    expect(current).toMatch(/^\d{4}-\d{2}$/);
    await expect(page.locator('h1')).toHaveText(`政务新媒体月度监测报告（${current}）`);
    await expect(page.locator('input#report-month')).toHaveValue(current);
    await expect(page.locator('label[for=report-month]')).toHaveText('报告月份');
    // Every section is a captioned table with column headers.
    for (const id of ['by-status', 'by-platform', 'by-unit']) {
      await expect(page.locator(`[data-testid=${id}] caption`)).toHaveCount(1);
      await expect(page.locator(`[data-testid=${id}] thead th[scope=col]`).first()).toBeVisible();
    }
    await expect(page.locator('[data-testid=status-row][data-status=total] td')).toHaveText(/^\d+$/);
    await expect(page.locator('[data-testid=review-received]')).toHaveText(/^\d+$/);
    await expect(page.locator('[data-testid=report-rectification] h3')).toHaveCount(3);

    // Another month, through the GET form.
    const previous = previousMonth(current);
    await page.locator('input#report-month').fill(previous);
    await page.locator('[data-testid=show-month]').click();
    await page.waitForURL((url) => url.pathname === '/reports/monthly' && url.searchParams.get('month') === previous);
    await waitReady(page);
    await expect(page.locator('h1')).toHaveText(`政务新媒体月度监测报告（${previous}）`);
    await expect(report).toHaveAttribute('data-month', previous);

    // The month's workbook.
    const xlsx = page.locator('[data-testid=monthly-xlsx]');
    await expect(xlsx).toHaveAttribute('href', `/reports/monthly.xlsx?month=${previous}`);
    const workbook = await downloadBy(page, xlsx);
    expect(workbook.suggestedFilename()).toBe(`政务新媒体月度报告-${previous}.xlsx`);

    // The filings report for the month, as CSV and as XLSX.
    await expect(page.locator('input#filings-from')).toHaveValue(`${previous}-01`);
    const csv = await downloadBy(page, page.locator('[data-testid=filings-csv]'));
    expect(csv.suggestedFilename()).toMatch(new RegExp(`^报备统计-${previous}-01至${previous}-\\d{2}\\.csv$`));
    const text = (await require('node:fs').promises.readFile(/** @type {string} */ (await csv.path()), 'utf8'));
    expect(text.startsWith('\uFEFF申请编号,申请类型,主办单位,账号名称,平台,收到时间,办结期限,决定,决定时间,是否按期,报备日期,报备单位,报备文号')).toBe(true);
    await page.locator('input#filings-from').fill(`${previous}-01`);
    await page.locator('input#filings-to').fill(`${previous}-10`);
    const filingsXlsx = await downloadBy(page, page.locator('[data-testid=filings-xlsx]'));
    expect(filingsXlsx.suggestedFilename()).toBe(`报备统计-${previous}-01至${previous}-10.xlsx`);
    // Still on the report: the downloads did not navigate away.
    await expect(page.locator('h1')).toHaveText(`政务新媒体月度监测报告（${previous}）`);
  });

  test('a submitter has no link to the report and is refused it', async ({ page, browserErrors }) => {
    await signIn(page, 'submitter');
    await expect(page.locator('[data-testid=nav-reports]')).toHaveCount(0);
    const response = await gotoReady(page, '/reports/monthly');
    expect(response?.status()).toBe(403);
    // Chromium logs every 403 document as a console error: this one is the point of the test.
    const refusal = browserErrors.findIndex((e) => e.includes('status of 403') && e.includes('/reports/monthly'));
    expect(refusal).toBeGreaterThanOrEqual(0);
    browserErrors.splice(refusal, 1);
    await expect(page.locator('.notice.error[role=alert]')).toHaveText('您无权查看或执行此操作。');
    await expect(page.locator('[data-testid=monthly-report]')).toHaveCount(0);
    const workbook = await page.request.get('/reports/monthly.xlsx');
    expect(workbook.status()).toBe(403);
  });
});
