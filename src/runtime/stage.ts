/**
 * The step of record processing an error happened in (Kafka Connect's `errors.Stage`), reported in
 * logs, the `__connect.errors.stage` dead-letter header and task traces. Only record-level stages
 * (converters, transforms, a per-record put) can be tolerated by `errors.tolerance=all`; errors in the
 * others fail the task once retries of retriable errors are exhausted.
 */
export type Stage =
  | 'TASK_START'
  | 'TASK_POLL'
  | 'TASK_PUT'
  | 'TASK_FLUSH'
  | 'TRANSFORMATION'
  | 'KEY_CONVERTER'
  | 'VALUE_CONVERTER'
  | 'HEADER_CONVERTER'
  | 'KAFKA_PRODUCE'
  | 'KAFKA_CONSUME';

const TOLERABLE: ReadonlySet<Stage> = new Set<Stage>([
  'TRANSFORMATION',
  'KEY_CONVERTER',
  'VALUE_CONVERTER',
  'HEADER_CONVERTER',
  'TASK_PUT',
]);

export function isTolerableStage(stage: Stage): boolean {
  return TOLERABLE.has(stage);
}

/** Where an operation of a stage runs: the stage plus the class that ran it (a converter, a transform). */
export interface StageContext {
  readonly stage: Stage;
  readonly className: string;
}
