// @ts-check
// The filing journeys, with and without JavaScript: an open request approved into the registry; a
// return for correction and resubmission; the deregistration of an account in the national reporting
// system through Art. 12 completion. Each project uses platforms of its own (one shared database).
const { test, expect, gotoReady, waitReady, signIn, signOut, numberIn, switchLanguage, askFirst, jsEnabled } = require('./fixtures');

const PLATFORMS = {
  js: { open: 'weibo', correct: 'kuaishou', deregister: 'wechat_oa' },
  nojs: { open: 'bilibili', correct: 'xiaohongshu', deregister: 'toutiao' },
};
const platforms = () => PLATFORMS[/** @type {'js'|'nojs'} */ (test.info().project.name)];

// A 1x1 PNG, as an announcement screenshot.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** Submits a form by clicking a button, then waits for the page it lands on. */
async function clickAndLand(page, locator, urlPredicate) {
  await locator.click();
  await page.waitForURL(urlPredicate);
  await waitReady(page);
}

async function fillOpenRequest(page, platform, name) {
  await gotoReady(page, '/filings/new?kind=open');
  await page.locator('select[name=platform]').selectOption(platform);
  await page.locator('input[name="form[account_name]"]').fill(name);
  await page.locator('input[name="form[verification_subject]"]').fill('石柱土家族自治县教育委员会');
  await page.locator('input[name="form[operating_unit]"]').fill('石柱土家族自治县教育委员会');
  await page.locator('textarea[name="form[purpose]"]').fill('发布教育政策与招生信息');
  await page.locator('input[name="form[custodian_name]"]').fill('谭明');
  await page.locator('input[name="form[custodian_mobile]"]').fill('13812341234');
  await page.locator('input[name="form[leader_name]"]').fill('马丽');
  await page.locator('input[name="form[leader_consent_on]"]').fill('2026-11-20');
  await page.locator('input[name="form[collective_decision_on]"]').fill('2026-11-18');
  await clickAndLand(page, page.locator('[data-testid=create-filing]'), /\/filings\/\d+$/);
  return new URL(page.url()).pathname;
}

// The steps that cannot be undone, which ask first (issue 17, item 3).
const ASKS_FIRST = ['step-approve', 'step-reject', 'step-withdraw', 'step-confirm-completion'];

async function step(page, testid) {
  const button = ASKS_FIRST.includes(testid) ? await askFirst(page, testid) : page.locator(`[data-testid=${testid}]`);
  await clickAndLand(page, button, /\/filings\/\d+$/);
}

test.describe('filings', () => {
  test('an open request approved by the county office appears in the registry', async ({ page }) => {
    const { open } = platforms();
    await signIn(page, 'submitter');
    const filing = await fillOpenRequest(page, open, '石柱教育');
    await expect(page.locator('[data-testid=issues]')).toHaveCount(0);
    await step(page, 'step-submit');
    await expect(page.locator('h1 [data-testid=filing-state]')).toHaveText('待审核');
    // Issue 17, item 3: the page says what happened and by when the county office decides, once.
    const done = page.locator('[data-testid=step-done][role=status]');
    await expect(done).toContainText('已提交');
    await expect(done).toContainText(/\d{4}-\d{2}-\d{2}/);
    expect(page.url()).not.toContain('error');
    await page.reload();
    await waitReady(page);
    await expect(done).toHaveCount(0);
    // Art. 11: received now, due in three working days.
    await expect(page.locator('[data-testid=periods] [data-testid=deadline]')).toHaveText('期限内');
    await signOut(page);

    await signIn(page, 'reviewer');
    await gotoReady(page, '/filings');
    const row = page.locator('[data-testid=filings-table] tbody tr', { has: page.locator(`a[href="${filing}"]`) });
    await expect(row.locator('[data-testid=deadline]')).toHaveAttribute('data-status', 'on_time');
    await gotoReady(page, filing);
    // Issue 17, item 3: 批准 asks first, says what it does, and backing out changes nothing.
    await askFirst(page, 'step-approve');
    const number = (await page.locator('h1').textContent())?.match(/\d{4}-\d{4}/)?.[0];
    if (jsEnabled()) {
      const dialog = page.locator('dialog[data-testid=step-approve-dialog]');
      await expect(dialog).toContainText(`确定批准备案申请 ${number}？`);
      await page.keyboard.press('Escape');
      await expect(dialog).toBeHidden();
    } else {
      await expect(page.locator('[data-testid=step-approve-confirm]')).toHaveAccessibleDescription(/不能撤销/);
      await page.locator('summary[data-testid=step-approve]').click();
      await expect(page.locator('[data-testid=step-approve-confirm]')).toBeHidden();
    }
    await gotoReady(page, filing);
    await expect(page.locator('h1 [data-testid=filing-state]')).toHaveText('待审核');
    await step(page, 'step-approve');
    await expect(page.locator('h1 [data-testid=filing-state]')).toHaveText('已批准');
    await expect(page.locator('[data-testid=step-done]')).toContainText('已批准');
    await expect(page.locator('[data-testid=periods] [data-testid=deadline]')).toHaveText('按期办结');

    await gotoReady(page, `/?unit=education&platform=${open}`);
    await expect(page.locator('[data-testid=registry-table] tbody tr')).toHaveCount(1);
    await expect(page.locator('[data-testid=account-link]')).toHaveText('石柱教育');
  });

  test('a filing returned for correction is corrected and resubmitted', async ({ page }) => {
    const { correct } = platforms();
    await signIn(page, 'submitter');
    const filing = await fillOpenRequest(page, correct, '石柱教育');
    await step(page, 'step-submit');
    await signOut(page);

    await signIn(page, 'reviewer');
    await gotoReady(page, filing);
    await page.locator('#step-note').fill('请补充功能定位，写明招生信息发布');
    await step(page, 'step-return');
    await expect(page.locator('h1 [data-testid=filing-state]')).toHaveText('已退回补正');
    await signOut(page);

    // Issue 17, item 1: the unit lands on its to-do, which lists the returned request, counts it in
    // the navigation and shows the notice, without anyone opening an e-mail.
    await signIn(page, 'submitter');
    const returned = page.locator('[data-testid=todo-list-returned]');
    await expect(returned.locator(`a[href="${filing}"]`)).toBeVisible();
    expect(await numberIn(page.locator('[data-testid=nav-todo-steps]'))).toBeGreaterThanOrEqual(1);
    expect(await numberIn(page.locator('[data-testid=todo-returned] dd'))).toBeGreaterThanOrEqual(1);
    await expect(page.locator('[data-testid=todo-notice]', { has: page.locator(`a[href="${filing}"]`) }).first()).toBeVisible();
    await clickAndLand(page, returned.locator(`a[href="${filing}"]`), /\/filings\/\d+$/);
    await expect(page.locator('dd', { hasText: '请补充功能定位，写明招生信息发布' })).toBeVisible();
    await page.locator('textarea[name="form[purpose]"]').fill('发布教育政策、招生考试信息');
    await step(page, 'save-filing');
    await step(page, 'step-submit');
    await expect(page.locator('h1 [data-testid=filing-state]')).toHaveText('待审核');
    await expect(page.locator('[data-testid=history]')).toContainText('招生考试');
  });

  test('an account in the national system is deregistered only after completion', async ({ page }) => {
    const { deregister } = platforms();
    await signIn(page, 'submitter');
    await gotoReady(page, `/?unit=education&platform=${deregister}&status=active`);
    await clickAndLand(page, page.locator('[data-testid=account-link]').first(), /\/accounts\/\d+$/);
    const account = new URL(page.url()).pathname;
    await clickAndLand(page, page.locator('[data-testid=file-deregister]'), /\/filings\/new/);
    await page.locator('textarea[name="form[reason]"]').fill('职能调整，账号不再使用');
    await page.locator('input[name="form[leader_name]"]').fill('马丽');
    await page.locator('input[name="form[leader_consent_on]"]').fill('2026-11-20');
    await clickAndLand(page, page.locator('[data-testid=create-filing]'), /\/filings\/\d+$/);
    const filing = new URL(page.url()).pathname;
    await step(page, 'step-submit');
    await signOut(page);

    await signIn(page, 'reviewer');
    await gotoReady(page, filing);
    await step(page, 'step-approve');
    await expect(page.locator('h1 [data-testid=filing-state]')).toHaveText('已批准，待确认完成');
    await gotoReady(page, account);
    await expect(page.locator('.details')).toContainText('运营中');
    await signOut(page);

    await signIn(page, 'submitter');
    await gotoReady(page, filing);
    await page.locator('#attachment-kind').selectOption('announcement_screenshot');
    await page.locator('#attachment-file').setInputFiles({ name: '注销公告.png', mimeType: 'image/png', buffer: PNG });
    await step(page, 'upload-attachment');
    await expect(page.locator('[data-testid=attachments]')).toContainText('注销公告.png');
    await page.locator('#platform-done-on').fill('2026-11-26');
    await page.locator('#announcement-url').fill('https://www.cqsz.gov.cn/notice/2026-1126');
    await step(page, 'step-record-completion');
    await signOut(page);

    await signIn(page, 'reviewer');
    await gotoReady(page, filing);
    await step(page, 'step-confirm-completion');
    await expect(page.locator('h1 [data-testid=filing-state]')).toHaveText('已办结');
    // Issue 17, item 6: the history reads as people do: the attachment by its kind, name and size
    // (no hash, no MIME type), the announcement as a link that does not pass this page on.
    const history = page.locator('[data-testid=history]');
    await expect(history).toContainText('附件类型');
    await expect(history).toContainText('公告截图');
    await expect(history).toContainText('注销公告.png');
    await expect(history).toContainText(/\d+ KB/);
    await expect(history).not.toContainText('sha256');
    await expect(history).not.toContainText('image/png');
    await expect(history).not.toContainText('announcement_screenshot');
    const announcement = history.locator('a[data-testid=history-link][href="https://www.cqsz.gov.cn/notice/2026-1126"]');
    await expect(announcement).toHaveAttribute('rel', 'noopener noreferrer');
    await gotoReady(page, account);
    await expect(page.locator('.details')).toContainText('已注销');
    // The account's history: fields by their labels, the filing by its number, linked; no JSON.
    const accountHistory = page.locator('[data-testid=history]');
    await expect(accountHistory.locator(`a[data-testid=history-filing][href="${filing}"]`)).toHaveText(/^\d{4}-\d{4}$/);
    await expect(accountHistory).toContainText('已注销');
    await expect(accountHistory).not.toContainText('{"');
    await expect(accountHistory).not.toContainText('deregistered');
    await switchLanguage(page, 'en');
    await expect(accountHistory).toContainText('Deregistered');
    await expect(accountHistory.locator(`a[data-testid=history-filing][href="${filing}"]`)).toBeVisible();
  });

  test('the queue finds a filing by tab, search and sort, with or without JavaScript', async ({ page }) => {
    await signIn(page, 'submitter');
    const name = `石柱教育待办${test.info().project.name}${Date.now() % 100000}`;
    const filing = await fillOpenRequest(page, 'douyin', name);
    const number = ((await page.locator('h1').textContent()) || '').match(/\d{4}-\d{4}/)?.[0];
    expect(number, 'the filing number in the heading').toBeTruthy();

    await gotoReady(page, '/filings');
    await expect(page.locator('[data-testid=tab-all]')).toHaveAttribute('aria-current', 'page');
    await page.locator('[data-testid=tab-drafts]').click();
    await page.waitForURL((url) => url.searchParams.get('tab') === 'drafts');
    await waitReady(page);
    await expect(page.locator('[data-testid=tab-drafts]')).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('[data-testid=filing-state]').first()).toHaveText('草稿');

    // The search keeps the tab; the number finds exactly this filing, the name too.
    await page.locator('#filter-text').fill(String(number));
    await page.locator('[data-testid=apply-filters]').click();
    await page.waitForURL((url) => url.searchParams.get('q') === number && url.searchParams.get('tab') === 'drafts');
    await waitReady(page);
    await expect(page.locator('[data-testid=filing-link]')).toHaveCount(1);
    await expect(page.locator(`[data-testid=filing-link][href="${filing}"]`)).toHaveText(String(number));
    await expect(page.locator('#filter-text')).toHaveValue(String(number));
    await page.locator('#filter-text').fill(name);
    await page.locator('[data-testid=apply-filters]').click();
    await page.waitForURL((url) => url.searchParams.get('q') === name);
    await waitReady(page);
    await expect(page.locator('[data-testid=filing-link]')).toHaveCount(1);

    // A column header sorts, then sorts the other way; a screen reader hears which.
    await page.locator('[data-testid=tab-all]').click();
    await page.waitForURL((url) => !url.searchParams.has('tab'));
    await waitReady(page);
    await page.locator('[data-testid=sort-number]').click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'number' && !url.searchParams.has('dir'));
    await waitReady(page);
    await expect(page.locator('th[aria-sort=ascending] [data-testid=sort-number]')).toBeVisible();
    await page.locator('[data-testid=sort-number]').click();
    await page.waitForURL((url) => url.searchParams.get('dir') === 'desc');
    await waitReady(page);
    await expect(page.locator('th[aria-sort=descending] [data-testid=sort-number]')).toBeVisible();
    // Newest number first: this filing, the newest, heads the list.
    await expect(page.locator('[data-testid=filing-link]').first()).toHaveText(String(number));
  });
});
