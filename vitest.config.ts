import { defineConfig } from 'vitest/config';

// The whole suite runs on the embedded PGlite; when DATABASE_URL is set (CI sets it) it runs a second
// time on that PostgreSQL, where the tests that need several connections (races) also run. The browser
// tests (test/e2e, Chromium driving a real `patron serve` on PGlite) run once, in a project of their own
// whose setup builds the console first when it is missing or stale.
const unit = ['src/**/*.test.ts', 'test/**/*.test.ts'];
const e2e = ['test/e2e/**/*.test.ts'];
const projects = [
  { extends: true as const, test: { name: 'pglite', include: unit, exclude: e2e, env: { PATRON_TEST_DB: 'pglite' } } },
  { extends: true as const, test: { name: 'browser', include: e2e, env: { PATRON_TEST_DB: 'pglite' }, globalSetup: ['test/web-build.ts'] } },
];
if (process.env.DATABASE_URL) {
  projects.push({ extends: true as const, test: { name: 'postgres', include: unit, exclude: e2e, env: { PATRON_TEST_DB: 'postgres' } } });
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    projects,
  },
});
