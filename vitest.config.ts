import { defineConfig } from 'vitest/config';

// The whole suite runs on the embedded PGlite; when DATABASE_URL is set (CI sets it) it runs a second
// time on that PostgreSQL, where the tests that need several connections (races) also run.
const projects = [{ extends: true as const, test: { name: 'pglite', env: { PATRON_TEST_DB: 'pglite' } } }];
if (process.env.DATABASE_URL) {
  projects.push({ extends: true as const, test: { name: 'postgres', env: { PATRON_TEST_DB: 'postgres' } } });
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    projects,
  },
});
