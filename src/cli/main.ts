import { Command, CommanderError } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { ConnectError } from '../api/errors.ts';
import { CliError } from './cli-error.ts';
import { dlqCommand } from './dlq.ts';
import { docsCommand } from './docs.ts';
import { hashPasswordCommand } from './hash-password.ts';
import { applyWorkerMemoryPolicy } from './memory-policy.ts';
import { pluginsCommand } from './plugins.ts';
import { slotsCommand } from './slots.ts';
import { startCommand } from './start.ts';
import { tailCommand } from './tail.ts';
import { topicsCommand } from './topics.ts';
import { validateCommand } from './validate.ts';

/**
 * The `seam` command. Errors the user can fix print as one line (`seam: …`) with exit code 1; anything
 * else is a bug and prints its stack.
 */
function program(): Command {
  return new Command('seam')
    .description('Seam: change-data-capture connector runtime (Kafka Connect compatible)')
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride()
    .addCommand(startCommand())
    .addCommand(validateCommand())
    .addCommand(pluginsCommand())
    .addCommand(topicsCommand())
    .addCommand(slotsCommand())
    .addCommand(tailCommand())
    .addCommand(docsCommand())
    .addCommand(dlqCommand())
    .addCommand(hashPasswordCommand());
}

if (process.argv[2] === 'start') applyWorkerMemoryPolicy();

// The reader went away (`seam tail … | head`): stop quietly, as Unix tools do.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

try {
  await program().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed usage errors, help and the version.
    process.exitCode = error.exitCode;
  } else if (error instanceof CliError || error instanceof ConnectError) {
    process.stderr.write(`seam: ${error.message}\n`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } else {
    process.stderr.write(`seam: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 1;
  }
}
