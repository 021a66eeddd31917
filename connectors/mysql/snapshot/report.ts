import type { TaskStatusReporter } from '../../../src/api/index.ts';

/**
 * Snapshot progress in the task status (`details.snapshot`), with the PostgreSQL source's fields
 * (tables_total/remaining/in_progress, rows_scanned, rows_total_estimate, rows_per_second, eta_seconds,
 * running) plus `tables`/`done`/`rows` and `resumed`. Refreshed every 10,000 rows and per table.
 */
export class SnapshotReport {
  readonly #status: TaskStatusReporter;
  readonly #total: number;
  readonly #estimate: number | null;
  readonly #resumed: boolean;
  readonly #current = new Set<string>();
  readonly #started = Date.now();
  #done: number;
  #rows = 0;

  constructor(
    status: TaskStatusReporter,
    total: number,
    done: number,
    estimate: number | null,
    resumed: boolean,
  ) {
    this.#status = status;
    this.#total = total;
    this.#done = done;
    this.#estimate = estimate;
    this.#resumed = resumed;
    this.#publish(true);
  }

  begin(table: string): void {
    this.#current.add(table);
    this.#publish(true);
  }

  row(): void {
    if (++this.#rows % 10_000 === 0) this.#publish(true);
  }

  end(table: string): void {
    this.#current.delete(table);
    this.#done++;
    this.#publish(true);
  }

  finish(): void {
    this.#publish(false);
  }

  #publish(running: boolean): void {
    const seconds = (Date.now() - this.#started) / 1000;
    const rate = seconds > 0 ? this.#rows / seconds : 0;
    const estimate = this.#estimate === null ? null : Math.max(this.#estimate, this.#rows);
    const left = estimate === null ? null : estimate - this.#rows;
    this.#status.setDetail('snapshot', {
      tables_total: this.#total,
      tables_remaining: this.#total - this.#done,
      tables_in_progress: [...this.#current],
      rows_scanned: this.#rows,
      rows_total_estimate: estimate,
      rows_per_second: Math.round(rate),
      eta_seconds: !running ? 0 : left !== null && rate > 0 ? Math.round(left / rate) : null,
      running,
      resumed: this.#resumed,
      tables: this.#total,
      done: this.#done,
      rows: this.#rows,
    });
  }
}
