// Applies pending migrations to DATABASE_URL, or to the embedded database under DATA_DIR.
import { MIGRATIONS_DIR } from "../src/app.js";
import { readConfig } from "../src/config.js";
import { openDatabase } from "../src/db/client.js";
import { applyMigrations } from "../src/db/migrate.js";

const config = readConfig();
const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
const session = await db.openSession();
try {
  await applyMigrations(session, MIGRATIONS_DIR, (line) => console.log(line));
} finally {
  await session.release();
  await db.close();
}
