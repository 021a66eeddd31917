import { Command } from 'commander';
import { ConnectError } from '../api/errors.ts';
import { CliError } from './cli-error.ts';
import { readConnectorFile } from './config-files.ts';

/** `seam validate <connector.json>`: every problem of a connector config, without running anything. */
export function validateCommand(): Command {
  return new Command('validate')
    .description('check a connector config file and print every problem (exit 1 if any)')
    .argument('<connector.json>', 'connector config: {"name", "config"} or a flat map with "name"')
    .action(async (path: string) => {
      const file = readConnectorFile(path);
      const pluginName = file.config['connector.class'];
      if (!pluginName)
        throw new CliError(
          `${path}: connector ${file.name}: Missing required configuration "connector.class"`,
        );
      const [{ validateConnectorConfig }, { builtinRegistry }] = await Promise.all([
        import('../herder/config-validation.ts'),
        import('../plugins/builtin.ts'),
      ]);
      let problems: readonly { key: string; message: string }[];
      let className: string;
      try {
        const result = await validateConnectorConfig(builtinRegistry(), pluginName, file.config);
        problems = result.problems;
        className = result.plugin.className;
      } catch (error) {
        if (error instanceof ConnectError) throw new CliError(`${path}: ${error.message}`);
        throw error;
      }
      if (problems.length === 0) {
        process.stdout.write(`${path}: connector ${file.name} (${className}) is valid\n`);
        return;
      }
      process.stdout.write(
        `${path}: connector ${file.name} (${className}) has ${problems.length} problem(s):\n`,
      );
      for (const p of problems) process.stdout.write(`  ${p.key ? `${p.key}: ` : ''}${p.message}\n`);
      process.exitCode = 1;
    });
}
