// @ts-check
// Sign-in, sign-out and the signed-out redirect, for every demo role, with and without JavaScript.
const { test, expect, ROLES, gotoReady, waitReady, signIn, signOut } = require('./fixtures');

test.describe('authentication', () => {
  for (const role of ROLES) {
    test(`signs in as ${role}, lands on their to-do and reaches the registry`, async ({ page }) => {
      await signIn(page, role);
      await expect(page.locator('[data-testid=current-user]')).toContainText(role);
      await expect(page.locator('h1')).toHaveText('我的待办');
      await expect(page.locator('[data-testid=nav-todo]')).toBeVisible();
      await gotoReady(page, '/');
      await expect(page.locator('[data-testid=registry-table]')).toBeVisible();
      await expect(page.locator('form[method=post][action="/logout"] [data-testid=sign-out]')).toBeVisible();
    });
  }

  test('a wrong password returns to /login with an error', async ({ page }) => {
    await gotoReady(page, '/login');
    await page.locator('input#username[name=username]').fill('auditor');
    await page.locator('input#password[name=password]').fill('not-the-password');
    await page.locator('[data-testid=sign-in]').click();
    const error = page.locator('[data-testid=login-error]');
    await expect(error).toBeVisible();
    await expect(error).toHaveAttribute('role', 'alert');
    await waitReady(page);
    // Issue 17, item 4: the username comes back typed, the password does not, and the focus waits
    // in the password field.
    await expect(page.locator('input#username')).toHaveValue('auditor');
    await expect(page.locator('input#password')).toHaveValue('');
    await expect(page.locator('input#password')).toBeFocused();
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.locator('[data-testid=sign-out]')).toHaveCount(0);
  });

  test('signed out, / redirects to /login', async ({ page }) => {
    await gotoReady(page, '/');
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.locator('form[method=post][action="/login"]')).toBeVisible();
    await expect(page.locator('[data-testid=sign-in]')).toBeVisible();
  });

  test('signs out; / then redirects to /login', async ({ page }) => {
    await signIn(page, 'reviewer');
    await signOut(page);
    await gotoReady(page, '/');
    expect(new URL(page.url()).pathname).toBe('/login');
    await expect(page.locator('[data-testid=sign-in]')).toBeVisible();
  });
});
