import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { CliError, errnoOf } from './cli-error.ts';

/** `seam docs [--out FILE]`: the Markdown configuration reference. */
export function docsCommand(): Command {
  return new Command('docs')
    .description('print the Markdown reference of every config key (worker, connectors, transforms, …)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (options: { out?: string }) => {
      const [{ configReference }, { builtinRegistry }] = await Promise.all([
        import('./docs-reference.ts'),
        import('../plugins/builtin.ts'),
      ]);
      const text = configReference(builtinRegistry().plugins);
      if (!options.out) {
        process.stdout.write(text);
        return;
      }
      try {
        writeFileSync(options.out, text);
      } catch (error) {
        throw new CliError(`cannot write ${options.out}: ${errnoOf(error) ?? String(error)}`);
      }
      process.stderr.write(`wrote ${options.out}\n`);
    });
}
