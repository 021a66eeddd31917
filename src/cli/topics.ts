import { Command } from 'commander';
import { DEFAULT_DATA_DIR, openDataLog } from './data-log.ts';

/** `seam topics`: the topics of the data directory's log, with partitions and stored record counts. */
export function topicsCommand(): Command {
  return new Command('topics')
    .description("list the topics of the data directory's log")
    .option('--data-dir <dir>', 'data directory', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { dataDir: string; json?: boolean }) => {
      const log = await openDataLog(options.dataDir);
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
