import { Command, InvalidArgumentError } from 'commander';
import type { LogHeader, StoredRecord, TopicLog } from '../log/topic-log.ts';
import { CliError } from './cli-error.ts';
import { DEFAULT_DATA_DIR, openDataLog } from './data-log.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BATCH = 500;

/** Bytes → parsed JSON when they are JSON, the text when UTF-8, else `{"base64": …}`. null stays null. */
export function decodeBytes(bytes: Uint8Array | null): unknown {
  if (bytes === null) return null;
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { base64: Buffer.from(bytes).toString('base64') };
  }
  try {
    return JSON.parse(text);
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
 * `seam tail <topic>`: prints stored records as JSON lines and exits: the last `--max` (default 10)
 * across partitions in time order, or with `--from-beginning` everything from the oldest stored record
 * (up to `--max`), read in bounded batches. It does not follow: the embedded log admits one process at a
 * time, so holding it open would keep the worker from starting (docs/decisions/2026-11-23-cli.md).
 */
export function tailCommand(): Command {
  return new Command('tail')
    .description(
      'print the stored records of a topic as JSON lines (topic, partition, offset, key, value, headers)',
    )
    .argument('<topic>')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--from-beginning', 'print from the oldest stored record instead of the last ones')
    .option('--max <n>', 'print at most n records (default 10 without --from-beginning)', positiveInt)
    .action(async (topic: string, options: { dataDir: string; fromBeginning?: boolean; max?: number }) => {
      const log = await openDataLog(options.dataDir);
      try {
        const description = await log.describeTopic(topic);
        if (!description) {
          const names = (await log.listTopics()).map((t) => t.name);
          throw new CliError(`topic ${topic} not found; topics: ${names.join(', ') || '(none)'}`);
        }
        if (options.fromBeginning)
          await printFromBeginning(
            log,
            topic,
            description.partitions,
            options.max ?? Number.POSITIVE_INFINITY,
          );
        else await printLast(log, topic, description.partitions, options.max ?? 10);
      } finally {
        await log.close();
      }
    });
}

/** Partitions in turn, one batch each, until every partition is read or `max` records were printed. */
async function printFromBeginning(
  log: TopicLog,
  topic: string,
  partitions: number,
  max: number,
): Promise<void> {
  const next: number[] = [];
  const end: number[] = [];
  for (let p = 0; p < partitions; p++) {
    const b = await log.bounds(topic, p);
    next.push(b.start);
    end.push(b.end);
  }
  let printed = 0;
  let progress = true;
  while (printed < max && progress) {
    progress = false;
    for (let p = 0; p < partitions && printed < max; p++) {
      if (next[p]! >= end[p]!) continue;
      const records = await log.read(topic, p, next[p]!, Math.min(BATCH, max - printed));
      for (const r of records) process.stdout.write(`${recordLine(r)}\n`);
      printed += records.length;
      if (records.length === 0) next[p] = end[p]!;
      else {
        next[p] = records[records.length - 1]!.offset + 1;
        progress = true;
      }
    }
  }
}

/** The newest `max` records of the topic: up to `max` from each partition's end, merged by time. */
async function printLast(log: TopicLog, topic: string, partitions: number, max: number): Promise<void> {
  const tail: StoredRecord[] = [];
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
  }
  tail.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || a.offset - b.offset);
  for (const r of tail.slice(-max)) process.stdout.write(`${recordLine(r)}\n`);
}
