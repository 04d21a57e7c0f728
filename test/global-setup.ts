import postgres from 'postgres';

/**
 * With DATABASE_URL set, the run gets a fresh database of its own on that server (created here, dropped at the
 * end), so runs never see each other's rows or a schema an older checkout migrated. The tests, and the CLI
 * processes they start, read the fresh database's URL from DATABASE_URL.
 */
export default async function setup() {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) return;
  if (process.env.PATRON_TEST_DB_CREATED) return;
  const name = `patron_test_${process.pid}_${Date.now().toString(36)}`;
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database ${name}`);
  } catch (e) {
    await sql.end();
    throw new Error(`Cannot create a test database on ${new URL(adminUrl).host} (the role needs CREATEDB): ${(e as Error).message}`);
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
  process.env.PATRON_TEST_DB_CREATED = name;
  return async () => {
    process.env.DATABASE_URL = adminUrl;
    await sql.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
    await sql.end();
  };
}
