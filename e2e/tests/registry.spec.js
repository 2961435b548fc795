// @ts-check
// The registry page: table, counts, URL-driven filters and paging, and the account page.
const { test, expect, gotoReady, waitReady, signIn, numberIn } = require('./fixtures');

const PAGE_SIZE = 10;
const PLATFORM_CODES = [
  'wechat_oa', 'wechat_channels', 'weibo', 'douyin', 'toutiao',
  'kuaishou', 'bilibili', 'xiaohongshu', 'app', 'mini_program',
];

const rows = (page) => page.locator('[data-testid=registry-table] tbody tr');
const total = (page) => page.locator('[data-testid=registry-total]');
const firstHref = (page) => rows(page).first().locator('a[data-testid=account-link]').getAttribute('href');

/** The <option>s of a filter select as {value, label}. (Locator API only: works without JS.) */
async function optionsOf(page, name) {
  const opts = page.locator(`form[data-testid=registry-filters] select[name=${name}] option`);
  const out = [];
  for (let i = 0; i < (await opts.count()); i++) {
    const label = ((await opts.nth(i).textContent()) || '').trim();
    const value = (await opts.nth(i).getAttribute('value')) ?? label;
    out.push({ value, label });
  }
  return out;
}

/** Does a row's platform cell show this platform (by data-platform, code, or label)? */
async function cellShows(cell, option) {
  const text = ((await cell.textContent()) || '').trim();
  const attr = await cell.getAttribute('data-platform');
  return attr === option.value || text === option.value || text === option.label ||
    (option.label.length > 0 && text.includes(option.label));
}

test.describe('registry', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, 'reviewer');
    await gotoReady(page, '/');
  });

  test('shows the table, counts and pages through the accounts', async ({ page }) => {
    await expect(page.locator('h1')).toBeVisible();
    const form = page.locator('form[data-testid=registry-filters]');
    await expect(form).toBeVisible();
    expect((await form.getAttribute('method') || '').toLowerCase()).toBe('get');
    expect(await form.getAttribute('action')).toBe('/');
    for (const name of ['unit', 'platform', 'status']) {
      await expect(form.locator(`select[name=${name}]`)).toBeVisible();
    }
    await expect(form.locator('input[name=q]')).toBeVisible();
    await expect(form.locator('[data-testid=apply-filters]')).toBeVisible();
    await expect(page.locator('[data-testid=counts-by-platform]')).toBeVisible();
    await expect(page.locator('[data-testid=counts-by-status]')).toBeVisible();

    const count = await numberIn(total(page));
    expect(count, 'demo data has more accounts than one page').toBeGreaterThan(PAGE_SIZE);
    await expect(rows(page)).toHaveCount(PAGE_SIZE);
    await expect(page.locator('a[data-testid=page-prev]')).toHaveCount(0);
    const page1First = await firstHref(page);
    expect(page1First).toMatch(/^\/accounts\/[^/?#]+$/);

    // Next page: URL carries the state, a previous link appears, other accounts are shown.
    await page.locator('a[data-testid=page-next]').click();
    await page.waitForURL((url) => url.searchParams.get('page') === '2');
    await waitReady(page);
    await expect(page.locator('a[data-testid=page-prev]')).toBeVisible();
    await expect.poll(() => firstHref(page)).not.toBe(page1First);
    const onPage2 = await rows(page).count();
    expect(onPage2).toBeGreaterThan(0);
    expect(onPage2).toBeLessThanOrEqual(PAGE_SIZE);
    expect(await numberIn(total(page))).toBe(count);

    // And back.
    await page.locator('a[data-testid=page-prev]').click();
    await page.waitForURL((url) => (url.searchParams.get('page') ?? '1') === '1');
    await waitReady(page);
    await expect.poll(() => firstHref(page)).toBe(page1First);
    await expect(page.locator('a[data-testid=page-prev]')).toHaveCount(0);

    // per_page is honoured too.
    await gotoReady(page, '/?per_page=5');
    await expect(rows(page)).toHaveCount(5);
  });

  test('filters by platform through the URL', async ({ page }) => {
    const unfiltered = await numberIn(total(page));
    const options = (await optionsOf(page, 'platform')).filter((o) => o.value !== '');
    expect(options.map((o) => o.value)).toEqual(expect.arrayContaining(['wechat_oa', 'weibo']));
    for (const o of options) expect(PLATFORM_CODES).toContain(o.value);

    // Pick the platform of the first account shown, so the filter is known to match something.
    const firstCell = rows(page).first().locator('[data-testid=row-platform]');
    let chosen = options[0];
    for (const o of options) {
      if (await cellShows(firstCell, o)) { chosen = o; break; }
    }

    await page.locator('form[data-testid=registry-filters] select[name=platform]').selectOption(chosen.value);
    await page.locator('[data-testid=apply-filters]').click();
    await page.waitForURL((url) => url.searchParams.get('platform') === chosen.value);
    await waitReady(page);

    await expect.poll(() => numberIn(total(page)), { message: 'the total changes with the filter' })
      .toBeLessThan(unfiltered);
    const filtered = await numberIn(total(page));
    expect(filtered).toBeGreaterThan(0);
    await expect(rows(page)).toHaveCount(Math.min(filtered, 10));
    const cells = rows(page).locator('[data-testid=row-platform]');
    await expect(cells).toHaveCount(Math.min(filtered, 10));
    for (let i = 0; i < (await cells.count()); i++) {
      expect(await cellShows(cells.nth(i), chosen),
        `row ${i} shows platform ${chosen.value} (cell: ${await cells.nth(i).textContent()})`).toBe(true);
    }
    await expect(page.locator('form[data-testid=registry-filters] select[name=platform]'))
      .toHaveValue(chosen.value);

    // The URL alone reproduces the state.
    await gotoReady(page, page.url());
    expect(await numberIn(total(page))).toBe(filtered);
  });

  test('downloads the filtered registry as CSV and XLSX', async ({ page }) => {
    await gotoReady(page, '/?platform=weibo');
    const filtered = await numberIn(total(page));
    const csvLink = page.locator('[data-testid=export-csv]');
    await expect(csvLink).toHaveAttribute('href', /\/exports\/registry\.csv\?platform=weibo/);
    const [csv] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    // The Chinese name (filename*), as a browser saves it; an ASCII one is there for old clients.
    expect(csv.suggestedFilename()).toMatch(/^政务新媒体账号-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = require('node:fs').readFileSync(await csv.path(), 'utf8');
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const lines = text.slice(1).trim().split('\r\n');
    expect(lines[0].startsWith('序号,主办单位,统一社会信用代码')).toBe(true);
    expect(lines.length - 1).toBe(filtered);
    const [xlsx] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid=export-xlsx]').click(),
    ]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    const bytes = require('node:fs').readFileSync(await xlsx.path());
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
  });

  test('opens an account', async ({ page }) => {
    const link = rows(page).first().locator('a[data-testid=account-link]');
    const name = ((await link.textContent()) || '').trim();
    await link.click();
    await page.waitForURL(/\/accounts\/[^/?#]+$/);
    await waitReady(page);
    const h1 = page.locator('h1');
    await expect(h1).toBeVisible();
    if (name) await expect(h1).toContainText(name);
    await expect(page.locator('[data-testid=custodian]')).toBeVisible();
    await expect(page.locator('[data-testid=current-user]')).toContainText('reviewer');
  });

  test('sorts by a column, shows more a page, and shows deregistered accounts on request', async ({ page }) => {
    await gotoReady(page, '/');
    const inUse = await numberIn(total(page));
    await page.locator('[data-testid=sort-name]').click();
    await page.waitForURL((url) => url.searchParams.get('sort') === 'name');
    await waitReady(page);
    await expect(page.locator('th[aria-sort=ascending] [data-testid=sort-name]')).toBeVisible();
    const names = await page.locator('[data-testid=account-link]').allTextContents();
    expect(names).toEqual([...names].sort());

    // The page size and the status are filters like the others; the sort stays.
    await page.locator('#filter-per-page').selectOption('25');
    await page.locator('#filter-status').selectOption('all');
    await page.locator('[data-testid=apply-filters]').click();
    await page.waitForURL((url) => url.searchParams.get('per_page') === '25' && url.searchParams.get('status') === 'all');
    await waitReady(page);
    await expect(rows(page)).toHaveCount(25);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('name');
    expect(await numberIn(total(page))).toBeGreaterThan(inUse);
    await expect(page.locator('#filter-status')).toHaveValue('all');
  });
});
