import { setTimeout as sleep } from 'node:timers/promises';
import { Command, InvalidArgumentError } from 'commander';
import type { LogHeader, StoredRecord } from '../log/topic-log.ts';
import { CliError } from './cli-error.ts';
import { DEFAULT_DATA_DIR, openDataLog } from './data-log.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BATCH = 500;
const IDLE_MS = 500;

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
 * `seam tail <topic>`: prints records as JSON lines, from the end (new records only) or from the
 * beginning, and follows until --max records were printed or SIGINT. The log is reopened while idle,
 * because a log opened in this process does not see the end offsets another process moves.
 */
export function tailCommand(): Command {
  return new Command('tail')
    .description('print the records of a topic as JSON lines (topic, partition, offset, key, value, headers)')
    .argument('<topic>')
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--from-beginning', 'start at the oldest stored record instead of the end')
    .option('--max <n>', 'exit after printing n records', positiveInt)
    .action(async (topic: string, options: { dataDir: string; fromBeginning?: boolean; max?: number }) => {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let log = await openDataLog(options.dataDir);
      try {
        const description = await log.describeTopic(topic);
        if (!description) {
          const names = (await log.listTopics()).map((t) => t.name);
          throw new CliError(`topic ${topic} not found; topics: ${names.join(', ') || '(none)'}`);
        }
        const next: number[] = [];
        for (let p = 0; p < description.partitions; p++) {
          const b = await log.bounds(topic, p);
          next.push(options.fromBeginning ? b.start : b.end);
        }
        let printed = 0;
        const max = options.max ?? Number.POSITIVE_INFINITY;
        while (!stop.signal.aborted && printed < max) {
          let got = 0;
          for (let p = 0; p < next.length && printed < max; p++) {
            const records = await log.read(topic, p, next[p]!, Math.min(BATCH, max - printed));
            for (const r of records) process.stdout.write(`${recordLine(r)}\n`);
            printed += records.length;
            got += records.length;
            if (records.length) next[p] = records[records.length - 1]!.offset + 1;
          }
          if (got === 0 && printed < max) {
            await sleep(IDLE_MS, undefined, { signal: stop.signal }).catch(() => {});
            await log.close();
            log = await openDataLog(options.dataDir);
          }
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await log.close();
      }
    });
}
