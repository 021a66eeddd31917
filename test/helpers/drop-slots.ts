import type pg from 'pg';

/**
 * Drops the replication slots whose names match `pattern` (SQL LIKE), ending their walsenders first: a
 * stopped worker's walsender can outlive it briefly, an active slot cannot be dropped, and a slot left
 * behind pins WAL on the shared test server for good.
 */
export async function dropSlots(db: pg.Client | pg.Pool, pattern: string): Promise<void> {
  await db.query(
    'SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name LIKE $1 AND active',
    [pattern],
  );
  for (let attempt = 0; attempt < 100; attempt++) {
    const { rows } = await db.query('SELECT 1 FROM pg_replication_slots WHERE slot_name LIKE $1 AND active', [
      pattern,
    ]);
    if (rows.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await db.query(
    'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE $1 AND NOT active',
    [pattern],
  );
}
