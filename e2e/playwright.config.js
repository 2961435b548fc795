// @ts-check
// Browser tests against the release build (`cargo leptos build --release`, which `make test` runs first).
// Playwright starts its own server on 127.0.0.1:3100 (E2E_PORT to run two suites side by side) with
// demo data in a fresh SQLite file per run,
// and drives the system Chromium (/usr/bin/chromium): `npx playwright install` is never used.
const { defineConfig } = require('@playwright/test');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const PORT = Number(process.env.E2E_PORT || 3100);
const BASE_URL = `http://127.0.0.1:${PORT}`;
const SERVER_BIN = path.resolve(__dirname, '../target/release/server');
const SITE_ROOT = path.resolve(__dirname, '../target/site');

// A fresh database for every run. Workers inherit the variable, so they agree on the path;
// global-teardown.js removes the file.
process.env.REGISTRY_E2E_DB ||= path.join(os.tmpdir(), `registry-e2e-${Date.now()}-${process.pid}.db`);
const DB_FILE = process.env.REGISTRY_E2E_DB;

if (!process.env.PLAYWRIGHT_SKIP_SERVER_CHECK && !fs.existsSync(SERVER_BIN)) {
  throw new Error(`${SERVER_BIN} not found: run \`cargo leptos build --release\` first (make test does).`);
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

module.exports = defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 1 : 0,
  // One worker: the suite shares one server and database, and the filing journeys add accounts
  // that would change the registry under a test paging through it at the same time.
  workers: 1,
  reporter: 'list',
  globalTeardown: './global-teardown.js',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: BASE_URL,
    // Accept-Language zh-CN: the app's default language.
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    // The server's Content-Security-Policy is enforced, so a script or style it would block is a
    // console error and fails the test; axe-core is evaluated through DevTools, which it allows.
    bypassCSP: false,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    },
  },
  projects: [
    { name: 'js', use: { javaScriptEnabled: true } },
    { name: 'nojs', use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: `"${SERVER_BIN}" serve --demo`,
    url: `${BASE_URL}/healthz`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      ...process.env,
      LEPTOS_OUTPUT_NAME: 'registry',
      LEPTOS_SITE_ROOT: SITE_ROOT,
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_SITE_ADDR: `127.0.0.1:${PORT}`,
      DATABASE_URL: `sqlite://${DB_FILE}?mode=rwc`,
      // The mail worker writes .eml files beside the database (global-teardown.js removes them).
      // No county office address: the worker gives up on the office's copies at once, so the
      // outbox page has failed messages to send again (outbox.spec.js).
      MAIL_DIR: `${DB_FILE}-mail`,
      SMTP_URL: '',
      COUNTY_OFFICE_EMAIL: '',
      // Every test signs in from 127.0.0.1 as a few demo users: the per-address and per-username
      // sign-in limits would throttle the suite.
      AUTH_RATE_PER_MINUTE: '100000',
      AUTH_RATE_BURST: '100000',
      AUTH_USER_RATE_PER_MINUTE: '100000',
      AUTH_USER_RATE_BURST: '100000',
      RUST_LOG: process.env.RUST_LOG || 'warn',
    },
  },
});
