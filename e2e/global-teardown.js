// Removes this run's SQLite database (and its WAL/SHM files) and the mail it wrote.
const fs = require('node:fs');

module.exports = async () => {
  const db = process.env.REGISTRY_E2E_DB;
  if (!db) return;
  for (const suffix of ['', '-wal', '-shm', '-journal']) {
    fs.rmSync(db + suffix, { force: true });
  }
  // The mail worker's .eml files (see playwright.config.js).
  fs.rmSync(`${db}-mail`, { recursive: true, force: true });
};
