import { Command } from 'commander';
import { type InspectOptions, openInspectLog, withLogOptions } from './inspect-log.ts';

/**
 * `seam topics`: the topics of the log (a data directory's, or Kafka's with `--bootstrap-servers` or a
 * worker `--config` naming it), with partitions and record counts. On Kafka the count is the span of
 * readable offsets, which also counts transaction markers and records compaction has removed.
 */
export function topicsCommand(): Command {
  return withLogOptions(new Command('topics').description("list the topics of the worker's log"))
    .option('--json', 'print JSON instead of a table')
    .action(async (options: InspectOptions & { json?: boolean }) => {
      const log = await openInspectLog(options);
      try {
        const rows = [];
        for (const t of await log.listTopics()) {
          let records = 0;
          for (let p = 0; p < t.partitions; p++) {
            const b = await log.bounds(t.name, p);
            records += b.end - b.start;
          }
          rows.push({ name: t.name, partitions: t.partitions, records, config: t.config });
        }
        if (options.json) {
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        const width = Math.max(5, ...rows.map((r) => r.name.length));
        process.stdout.write(`${'TOPIC'.padEnd(width)}  PARTITIONS  RECORDS  CONFIG\n`);
        for (const r of rows) {
          const config = Object.entries(r.config)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          process.stdout.write(
            `${r.name.padEnd(width)}  ${String(r.partitions).padStart(10)}  ${String(r.records).padStart(7)}  ${config}\n`,
          );
        }
      } finally {
        await log.close();
      }
    });
}
