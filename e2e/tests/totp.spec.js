// @ts-check
// Two-step sign-in (TOTP, RFC 6238), with and without JavaScript: a reviewer sets it up on
// /account/second-factor (QR code and key, a first code, ten recovery codes shown once), signs in
// with the password and then a code, then with a recovery code, and turns it off again (so the rest
// of the suite, which shares the database, signs in as usual). The codes an authenticator app would
// show are computed here with Node's HMAC-SHA-1 from the key the page shows.
const crypto = require('node:crypto');
const { test, expect, PASSWORD, jsEnabled, gotoReady, waitReady, signIn, signOut } = require('./fixtures');

// Evaluated through DevTools rather than added as a <script>, which the page's CSP would refuse.
const AXE = require('node:fs').readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** RFC 4648 base32 to bytes. */
function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = ((value << 5) | alphabet.indexOf(c)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The six-digit code of a base32 secret at an RFC 6238 time step (HMAC-SHA-1, RFC 4226 §5.3). */
function codeAt(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const number =
    ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(number % 1_000_000).padStart(6, '0');
}

const stepNow = () => Math.floor(Date.now() / 1000 / 30);

async function checkA11y(page, label) {
  if (!jsEnabled()) return;
  await page.evaluate(AXE);
  const results = await page.evaluate(() =>
    // @ts-ignore -- evaluated above
    window.axe.run(document, { resultTypes: ['violations'] }));
  const blocking = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `[${v.impact}] ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(blocking, `serious/critical axe violations on ${label}`).toEqual([]);
}

async function clickAndLand(page, locator, urlPredicate) {
  await locator.click();
  await page.waitForURL(urlPredicate);
  await waitReady(page);
}

/** The password step of sign-in; lands on the second step. */
async function passwordStep(page, username) {
  await gotoReady(page, '/login');
  await page.locator('input#username').fill(username);
  await page.locator('input#password').fill(PASSWORD);
  await clickAndLand(page, page.locator('[data-testid=sign-in]'), (url) => url.pathname === '/login/second-factor');
}

test.describe('two-step sign-in', () => {
  test('a reviewer sets it up, signs in with a code and with a recovery code, and turns it off', async ({ page }) => {
    await signIn(page, 'reviewer');
    await clickAndLand(page, page.locator('[data-testid=nav-second-factor]'), (url) => url.pathname === '/account/second-factor');
    await expect(page.locator('[data-testid=totp-status]')).toHaveAttribute('data-enabled', 'false');
    await clickAndLand(page, page.locator('[data-testid=totp-begin]'), (url) => url.pathname === '/account/second-factor');

    // The QR code (inline SVG with an accessible name) and the key as text.
    const qr = page.locator('[data-testid=totp-qr]');
    await expect(qr).toHaveAttribute('role', 'img');
    await expect(qr.locator('svg')).toBeVisible();
    const secret = await page.locator('[data-testid=totp-secret]').getAttribute('data-secret');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await expect(page.locator('[data-testid=totp-secret]')).toContainText(String(secret).slice(0, 4));
    await checkA11y(page, 'the second-factor page while enrolling');

    // A wrong code is refused with a clear error; the right one turns it on.
    let step = stepNow();
    const wrong = codeAt(String(secret), step + 5);
    await page.locator('#totp-confirm-code').fill(wrong);
    await clickAndLand(page, page.locator('[data-testid=totp-confirm]'), (url) => url.pathname === '/account/second-factor');
    await expect(page.locator('[role=alert]').first()).toBeVisible();
    await page.locator('#totp-confirm-code').fill(codeAt(String(secret), step));
    await clickAndLand(page, page.locator('[data-testid=totp-confirm]'), (url) => url.searchParams.has('enabled'));
    let lastUsed = step;
    const codes = await page.locator('[data-testid=totp-recovery-code]').allTextContents();
    expect(codes).toHaveLength(10);
    await expect(page.locator('[data-testid=totp-status]')).toHaveAttribute('data-enabled', 'true');
    await checkA11y(page, 'the second-factor page with recovery codes');
    // Shown once.
    await gotoReady(page, '/account/second-factor');
    await expect(page.locator('[data-testid=totp-recovery-code]')).toHaveCount(0);
    await signOut(page);

    // The password alone leads to the second step; a wrong code comes back with an alert.
    await passwordStep(page, 'reviewer');
    await checkA11y(page, 'the second step of sign-in');
    await page.locator('#second-factor-code').fill(wrong);
    await clickAndLand(page, page.locator('[data-testid=second-factor-submit]'), (url) => url.searchParams.has('error'));
    await expect(page.locator('[data-testid=second-factor-error]')).toBeVisible();
    // A code of a step not used yet (one ahead is accepted too, RFC 6238 §5.2).
    step = Math.max(stepNow(), lastUsed + 1);
    await page.locator('#second-factor-code').fill(codeAt(String(secret), step));
    await clickAndLand(page, page.locator('[data-testid=second-factor-submit]'), (url) => url.pathname === '/todo');
    lastUsed = step;
    await expect(page.locator('[data-testid=current-user]')).toContainText('reviewer');
    await signOut(page);

    // A recovery code works in place of the app's code.
    await passwordStep(page, 'reviewer');
    await page.locator('#second-factor-code').fill(codes[0]);
    await clickAndLand(page, page.locator('[data-testid=second-factor-submit]'), (url) => url.pathname === '/todo');
    await expect(page.locator('[data-testid=current-user]')).toContainText('reviewer');

    // Turned off with the password: the next sign-in needs the password alone.
    await gotoReady(page, '/account/second-factor');
    await page.locator('#totp-disable-password').fill(PASSWORD);
    await clickAndLand(page, page.locator('[data-testid=totp-disable]'), (url) => url.searchParams.has('disabled'));
    await expect(page.locator('[data-testid=totp-status]')).toHaveAttribute('data-enabled', 'false');
    await signOut(page);
    await signIn(page, 'reviewer');
  });
});
