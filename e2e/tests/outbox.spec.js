// @ts-check
// The administrators' e-mail outbox, with and without JavaScript: a submitted filing queues its
// notices (to the reviewers, and to the county office's address); an administrator finds them at
// /admin/outbox, filters by status and sends a failed one again; a reviewer is refused the page.
//
// The e2e server runs the mail worker writing .eml files, with no COUNTY_OFFICE_EMAIL (see
// playwright.config.js): the reviewers' copies are delivered (so they show queued, sending or
// sent, depending on when the worker last ran) and the office's copy fails for good at once.
const { test, expect, gotoReady, waitReady, signIn, signOut, numberIn } = require('./fixtures');

// Platforms the education unit has no account or request on, one per project (one shared database).
const PLATFORMS = { js: 'mini_program', nojs: 'app' };

async function clickAndLand(page, locator, urlPredicate) {
  await locator.click();
  await page.waitForURL(urlPredicate);
  await waitReady(page);
}

/** As the education unit's submitter: an open request, submitted. Returns its path. */
async function submitOpenRequest(page) {
  const platform = PLATFORMS[/** @type {'js'|'nojs'} */ (test.info().project.name)];
  await signIn(page, 'submitter');
  await gotoReady(page, '/filings/new?kind=open');
  await page.locator('select[name=platform]').selectOption(platform);
  await page.locator('input[name="form[account_name]"]').fill('石柱教育');
  await page.locator('input[name="form[verification_subject]"]').fill('石柱土家族自治县教育委员会');
  await page.locator('input[name="form[operating_unit]"]').fill('石柱土家族自治县教育委员会');
  await page.locator('textarea[name="form[purpose]"]').fill('发布教育政策与招生信息');
  await page.locator('input[name="form[custodian_name]"]').fill('谭明');
  await page.locator('input[name="form[custodian_mobile]"]').fill('13812341234');
  await page.locator('input[name="form[leader_name]"]').fill('马丽');
  await page.locator('input[name="form[leader_consent_on]"]').fill('2026-11-20');
  await page.locator('input[name="form[collective_decision_on]"]').fill('2026-11-18');
  await clickAndLand(page, page.locator('[data-testid=create-filing]'), /\/filings\/\d+$/);
  const filing = new URL(page.url()).pathname;
  await clickAndLand(page, page.locator('[data-testid=step-submit]'), /\/filings\/\d+$/);
  await expect(page.locator('h1 [data-testid=filing-state]')).toHaveText('待审核');
  await signOut(page);
  return filing;
}

/** The outbox rows of `kind` about the filing at `filing`. */
function rowsAbout(page, filing, kind) {
  return page.locator(`[data-testid=outbox-row][data-kind=${kind}]`, {
    has: page.locator(`a[data-testid=outbox-filing-link][href="${filing}"]`),
  });
}

test.describe('e-mail outbox', () => {
  test('an administrator sees the notices a submission queued, filters them and sends a failed one again', async ({ page }) => {
    const filing = await submitOpenRequest(page);

    await signIn(page, 'admin');
    await clickAndLand(page, page.locator('[data-testid=nav-outbox]'), (url) => url.pathname === '/admin/outbox');
    await expect(page.locator('h1')).toHaveText('邮件发送队列');
    await expect(page.locator('[data-testid=outbox-table] caption')).toHaveCount(1);
    await expect(page.locator('[data-testid=outbox-count-all]')).toHaveAttribute('aria-current', 'page');

    // To the reviewer, in the same transaction as the submission.
    const toReviewer = rowsAbout(page, filing, 'filing_submitted').filter({ hasText: 'reviewer@shizhu.example' });
    await expect(toReviewer).toHaveCount(1);
    await expect(toReviewer).toHaveAttribute('data-status', /^(queued|sending|sent)$/);
    await expect(toReviewer.locator('td').nth(1)).toHaveText('申请已提交待审核');
    // The subject in the reviewer's language, linked to the filing.
    await expect(toReviewer.locator('[data-testid=outbox-filing-link]')).toContainText(/【待审核】|\[To review\]/);
    await expect(toReviewer.locator('[data-testid=outbox-status]')).toHaveText(/^(待发送|发送中|已发送)$/);

    // And to the county office, whose address the worker does not have: it gives up at once.
    const toOffice = rowsAbout(page, filing, 'filing_submitted').filter({ hasText: '县政府办公室（COUNTY_OFFICE_EMAIL）' });
    await expect(toOffice).toHaveCount(1);
    await expect(async () => {
      await gotoReady(page, '/admin/outbox');
      await expect(toOffice).toHaveAttribute('data-status', 'failed', { timeout: 1_000 });
    }).toPass({ timeout: 30_000, intervals: [1_000, 2_000] });
    await expect(toOffice.locator('[data-testid=outbox-status]')).toHaveText('发送失败');
    await expect(toOffice).toContainText('COUNTY_OFFICE_EMAIL is not set');

    // The failed filter: only failed messages, as many as its count says.
    const failedLink = page.locator('[data-testid=outbox-count-failed]');
    await clickAndLand(page, failedLink, (url) => url.searchParams.get('status') === 'failed');
    await expect(failedLink).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('[data-testid=outbox-count-all]')).not.toHaveAttribute('aria-current');
    const failed = await numberIn(failedLink.locator('.count'));
    expect(failed).toBeGreaterThan(0);
    // Fifty to a page.
    await expect(page.locator('[data-testid=outbox-row]')).toHaveCount(Math.min(failed, 50));
    await expect(page.locator('[data-testid=outbox-row]:not([data-status=failed])')).toHaveCount(0);
    await expect(toOffice).toHaveCount(1);

    // Send it again: queued afresh, and the page comes back to the same filter.
    const id = await toOffice.getAttribute('data-id');
    await clickAndLand(
      page,
      toOffice.locator('form[method=post][action="/api/outbox_retry"] [data-testid=outbox-retry]'),
      (url) => url.pathname === '/admin/outbox' && url.searchParams.get('retried') === id,
    );
    expect(new URL(page.url()).searchParams.get('status')).toBe('failed');
    await expect(page.locator('[data-testid=outbox-retried]')).toContainText(`第 ${id} 号邮件`);
    await expect(page.locator('.notice.error')).toHaveCount(0);

    // The sent filter shows sent messages only; All shows them all again.
    await clickAndLand(page, page.locator('[data-testid=outbox-count-sent]'), (url) => url.searchParams.get('status') === 'sent');
    await expect(page.locator('[data-testid=outbox-count-sent]')).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('[data-testid=outbox-row]:not([data-status=sent])')).toHaveCount(0);
    await clickAndLand(page, page.locator('[data-testid=outbox-count-all]'), (url) => url.pathname === '/admin/outbox' && !url.search);
    await expect(page.locator('[data-testid=outbox-count-all]')).toHaveAttribute('aria-current', 'page');
    await expect(rowsAbout(page, filing, 'filing_submitted')).toHaveCount(2);

    // Only a failed message may be sent again: the reviewer's copy has no button, and a post for it
    // anyway is refused as a conflict and changes nothing.
    await expect(toReviewer.locator('[data-testid=outbox-retry]')).toHaveCount(0);
    const reviewerCopy = await toReviewer.getAttribute('data-id');
    const refused = await page.request.post('/api/outbox_retry', {
      form: { id: String(reviewerCopy) },
      headers: { Accept: 'application/json' },
    });
    expect(refused.status()).toBe(409);
    await gotoReady(page, '/admin/outbox');
    await expect(toReviewer).toHaveAttribute('data-status', /^(queued|sending|sent)$/);
  });

  test('a reviewer is refused the outbox and has no link to it', async ({ page, browserErrors }) => {
    await signIn(page, 'reviewer');
    await expect(page.locator('[data-testid=nav-outbox]')).toHaveCount(0);
    const response = await gotoReady(page, '/admin/outbox');
    expect(response?.status()).toBe(403);
    // Chromium logs every 403 document as a console error: this one is the point of the test.
    const refusal = browserErrors.findIndex((e) => e.includes('status of 403') && e.includes('/admin/outbox'));
    expect(refusal).toBeGreaterThanOrEqual(0);
    browserErrors.splice(refusal, 1);
    await expect(page.locator('.notice.error[role=alert]')).toHaveText('您无权查看或执行此操作。');
    await expect(page.locator('[data-testid=outbox-table]')).toHaveCount(0);
    await expect(page.locator('[data-testid=outbox-filter]')).toHaveCount(0);

    const post = await page.request.post('/api/outbox_retry', {
      form: { id: '1' },
      headers: { Accept: 'application/json' },
    });
    expect(post.status()).toBe(403);
  });
});
