import type { SourceRecord } from './record.ts';

/**
 * Lets a task end the topic log's transactions itself (Kafka Connect's TransactionContext), given as
 * `SourceTaskContext.transactionContext` only with `transaction.boundary=connector` (null otherwise).
 * Records, with their source offsets, become visible to read_committed readers at the boundaries the task
 * asks for. Requests are synchronous and may be made from `poll()` (for records it is about to return) or
 * from `commitRecord()`; a request naming a record the runtime no longer holds is ignored.
 * - `commitTransaction()`: end the transaction after the records of the next `poll()` to return
 *   (the current one when called inside `poll()`), or at once when nothing is pending.
 * - `commitTransaction(record)`: end it right after `record`, a record of a batch being returned or
 *   returned earlier and not yet written.
 * - `abortTransaction()` / `abortTransaction(record)`: drop the records of the open transaction (up to
 *   `record`) instead; they are never written, and their offsets are superseded by the next commit.
 * Consecutive transactions the task ended may be written in one log transaction (group commit), never a
 * part of one with a part of another. A transaction also ends when `max.in.flight.records` or 4 MiB of
 * records are held, so memory stays
 * bounded whatever the database transaction's size (a reader may then see a database transaction split
 * in two, never a duplicate or a gap).
 */
export interface TransactionContext {
  commitTransaction(record?: SourceRecord): void;
  abortTransaction(record?: SourceRecord): void;
}
