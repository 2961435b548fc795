// @ts-check
// Slow loris against the release binary (issue 15): a client that sends its request's head one
// byte a second must be cut off within 30 s (HEADER_READ_TIMEOUT_SECONDS, default 10), and the
// server must go on serving others. No browser: a raw TCP socket from Node's `net` module.
const { test, expect } = require('@playwright/test');
const net = require('node:net');

const HOST = '127.0.0.1';
const PORT = Number(process.env.E2E_PORT || 3100); // the test server's, as playwright.config.js

/**
 * Connects, sends `head` one byte a second, and resolves with the seconds until the server
 * closed the connection, or null if it was still open after `giveUpSeconds`.
 * @param {string} head
 * @param {number} giveUpSeconds
 * @returns {Promise<number | null>}
 */
function trickle(head, giveUpSeconds) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: HOST, port: PORT });
    let sent = 0;
    let ticker = null;
    const finish = (/** @type {number | null} */ seconds) => {
      clearInterval(ticker);
      clearTimeout(giveUp);
      socket.destroy();
      resolve(seconds);
    };
    const giveUp = setTimeout(() => finish(null), giveUpSeconds * 1000);
    socket.on('connect', () => {
      ticker = setInterval(() => {
        if (sent < head.length && !socket.destroyed) {
          socket.write(head[sent]);
          sent += 1;
        }
      }, 1000);
    });
    // Whatever the server says (or nothing), the connection ending is what counts.
    socket.on('data', () => {});
    socket.on('close', () => finish((Date.now() - started) / 1000));
    socket.on('error', (error) => {
      if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ECONNREFUSED') reject(error);
    });
  });
}

test.describe('slow loris', () => {
  // Once is enough: the two projects differ only in the browser's JavaScript.
  test.skip(({ javaScriptEnabled }) => !javaScriptEnabled, 'no browser involved');

  test('a client sending one header byte a second is cut off within 30 s', async ({ request }) => {
    test.setTimeout(60_000);
    const head = `GET /healthz HTTP/1.1\r\nHost: ${HOST}:${PORT}\r\nX-Padding: ${'a'.repeat(60)}`;

    const seconds = await trickle(head, 35);

    expect(seconds, 'the connection was still open after 35 s').not.toBeNull();
    expect(seconds).toBeLessThanOrEqual(30);
    const health = await request.get('/healthz');
    expect(health.status()).toBe(200);
  });
});
