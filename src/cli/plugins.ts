import { Command } from 'commander';
import { PLUGIN_TYPE_NAMES } from '../api/plugin.ts';

/** `seam plugins`: every installed plugin with its class, type, version and aliases. */
export function pluginsCommand(): Command {
  return new Command('plugins')
    .description('list connectors, converters, transforms and predicates (class, type, aliases)')
    .option('--json', 'print JSON instead of a table')
    .action(async (options: { json?: boolean }) => {
      const { builtinRegistry } = await import('../plugins/builtin.ts');
      const rows = builtinRegistry().plugins.map((p) => ({
        class: p.className,
        type: PLUGIN_TYPE_NAMES[p.kind],
        version: p.version,
        aliases: [...p.aliases],
      }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const width = Math.max(5, ...rows.map((r) => r.class.length));
      const typeWidth = Math.max(4, ...rows.map((r) => r.type.length));
      process.stdout.write(`${'CLASS'.padEnd(width)}  ${'TYPE'.padEnd(typeWidth)}  ALIASES\n`);
      for (const r of rows)
        process.stdout.write(
          `${r.class.padEnd(width)}  ${r.type.padEnd(typeWidth)}  ${r.aliases.join(', ')}\n`,
        );
    });
}
