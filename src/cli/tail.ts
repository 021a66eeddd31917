import { Command, InvalidArgumentError } from 'commander';
import type { LogHeader, StoredRecord, TopicLog } from '../log/topic-log.ts';
import { CliError } from './cli-error.ts';
import { type InspectOptions, openInspectLog, withLogOptions } from './inspect-log.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BATCH = 500;

// JSON.rawJSON is in Node 24 but not yet in TypeScript's es2024 lib.
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * Bytes → parsed JSON when they are JSON, the text when UTF-8, else `{"base64": …}`. null stays null.
 * Numbers keep their stored text (an int64 such as 9223372036854775807 would lose digits as a double).
 */
export function decodeBytes(bytes: Uint8Array | null): unknown {
  if (bytes === null) return null;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
  try {
    return JSON.parse(text, (_key, value, context?: { source?: string }) =>
      typeof value === 'number' && context?.source !== undefined ? rawJSON(context.source) : value,
    );
  } catch {
    return text;
  }
}

export function recordLine(r: StoredRecord): string {
  return JSON.stringify({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: decodeBytes(r.key),
    value: decodeBytes(r.value),
    headers: r.headers.map((h: LogHeader) => ({ key: h.key, value: decodeBytes(h.value) })),
  });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/**
 * `seam tail <topic>`: prints stored records as JSON lines: the last `--max` (default 10) across
 * partitions in time order, or with `--from-beginning` everything from the oldest stored record (up to
 * `--max`), read in bounded batches. It opens the log read-only, so it works while a worker runs; on
 * Kafka (`--bootstrap-servers`, or a worker `--config` naming it) it reads committed records only. It exits
 * once it has printed what is stored, as Unix `tail` does; `--follow` keeps printing new records (polling
 * the log) until SIGINT/SIGTERM, or until `--max` records when given with `--from-beginning`
 * (docs/decisions/2026-11-23-cli.md).
 */
export function tailCommand(): Command {
  return withLogOptions(
    new Command('tail')
      .description(
        'print the stored records of a topic as JSON lines (topic, partition, offset, key, value, headers)',
      )
      .argument('<topic>'),
  )
    .option('--from-beginning', 'print from the oldest stored record instead of the last ones')
    .option(
      '--max <n>',
      'print at most n records (default 10 without --from-beginning; with it and --follow, exit after n)',
      positiveInt,
    )
    .option('-f, --follow', 'keep printing new records as the worker appends them, until Ctrl-C')
    .action(
      async (
        topic: string,
        options: InspectOptions & { fromBeginning?: boolean; max?: number; follow?: boolean },
      ) => {
        const log = await openInspectLog(options);
        try {
          const description = await log.describeTopic(topic);
          if (!description) {
            const names = (await log.listTopics()).map((t) => t.name);
            throw new CliError(`topic ${topic} not found; topics: ${names.join(', ') || '(none)'}`);
          }
          const partitions = description.partitions;
          let max = options.max ?? Number.POSITIVE_INFINITY;
          let next: number[];
          if (options.fromBeginning) {
            next = [];
            const end: number[] = [];
            for (let p = 0; p < partitions; p++) {
              const b = await log.bounds(topic, p);
              next.push(b.start);
              end.push(b.end);
            }
            // Without --follow, what was stored when tail started: a busy worker must not keep it going.
            max -= await printUpTo(log, topic, next, options.follow ? null : end, max);
          } else {
            next = await printLast(log, topic, partitions, options.max ?? 10);
            max = Number.POSITIVE_INFINITY;
          }
          if (options.follow) await follow(log, topic, next, max);
        } finally {
          await log.close();
        }
      },
    );
}

/**
 * Reads from `next[p]` on, partitions in turn, one batch each per pass, until `max` records were printed
 * or a pass prints nothing (every partition at `end[p]`, or at its current end when `end` is null).
 * Advances `next`; returns the number printed.
 */
async function printUpTo(
  log: TopicLog,
  topic: string,
  next: number[],
  end: readonly number[] | null,
  max: number,
): Promise<number> {
  let printed = 0;
  let progress = true;
  while (printed < max && progress) {
    progress = false;
    for (let p = 0; p < next.length && printed < max; p++) {
      if (end && next[p]! >= end[p]!) continue;
      const records = await log.read(topic, p, next[p]!, Math.min(BATCH, max - printed));
      for (const r of records) process.stdout.write(`${recordLine(r)}\n`);
      printed += records.length;
      if (records.length > 0) {
        next[p] = records[records.length - 1]!.offset + 1;
        progress = true;
      } else if (end) next[p] = end[p]!;
    }
  }
  return printed;
}

/**
 * Prints new records as they are committed, until SIGINT/SIGTERM or `max` records were printed. A signal
 * ends the wait at once and the command exits 0 after closing the log.
 */
async function follow(log: TopicLog, topic: string, next: number[], max: number): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    while (max > 0 && !stop.signal.aborted) {
      const printed = await printUpTo(log, topic, next, null, max);
      max -= printed;
      if (printed === 0) {
        // The worker is another process: the read-only log polls for its commits while this waits.
        const positions = next.map((offset, partition) => ({ topic, partition, offset }));
        await log.waitForData(positions, 1000, stop.signal);
      }
    }
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
}

/**
 * The newest `max` records of the topic: up to `max` from each partition's end, merged by time. Returns
 * the offset after the last record read in each partition, where following goes on.
 */
async function printLast(log: TopicLog, topic: string, partitions: number, max: number): Promise<number[]> {
  const tail: StoredRecord[] = [];
  const ends: number[] = [];
  for (let p = 0; p < partitions; p++) {
    const b = await log.bounds(topic, p);
    let from = Math.max(b.start, b.end - max);
    // Compaction leaves gaps, so a window of `max` offsets may hold fewer records: read what it holds.
    while (from < b.end) {
      const records = await log.read(topic, p, from, Math.min(BATCH, b.end - from));
      if (records.length === 0) break;
      tail.push(...records);
      from = records[records.length - 1]!.offset + 1;
    }
    ends.push(Math.max(from, b.end));
  }
  tail.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  for (const r of tail.slice(-max)) process.stdout.write(`${recordLine(r)}\n`);
  return ends;
}
