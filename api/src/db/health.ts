import type { Queryable } from "./client.js";

/** Whether the database answers a trivial statement (false on any error). */
export function databaseAnswers(db: Queryable): Promise<boolean> {
  return db.query("SELECT 1").then(
    () => true,
    () => false,
  );
}
