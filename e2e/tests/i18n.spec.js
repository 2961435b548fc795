// @ts-check
// The language switch: zh-CN by default (Accept-Language), English on request, kept in a cookie.
const { test, expect, gotoReady, signIn, switchLanguage } = require('./fixtures');

test('switches to English and back; the choice persists across navigations', async ({ page }) => {
  const html = page.locator('html');
  const signInButton = page.locator('[data-testid=sign-in]');

  await gotoReady(page, '/login');
  await expect(html).toHaveAttribute('lang', 'zh-CN');
  await expect(signInButton).toHaveText('登录');

  await switchLanguage(page, 'en');
  await expect(signInButton).toHaveText('Sign in');

  // The next navigation keeps English (cookie), and so does signing in.
  await gotoReady(page, '/login');
  await expect(html).toHaveAttribute('lang', 'en');
  await expect(signInButton).toHaveText('Sign in');
  await signIn(page, 'admin');
  await expect(html).toHaveAttribute('lang', 'en');

  await switchLanguage(page, 'zh-CN');
  await gotoReady(page, '/');
  await expect(html).toHaveAttribute('lang', 'zh-CN');
});
