import { Command } from 'commander';
import { CliError } from './cli-error.ts';

/**
 * `seam hash-password [--user name]`: reads a password from standard input (one line; never an argument,
 * which would land in the shell history and `ps`) and prints its scrypt hash, or a whole
 * `user:hash` line of rest.auth.basic.credentials.file with --user.
 */
export function hashPasswordCommand(): Command {
  return new Command('hash-password')
    .description('hash a REST password read from stdin, for rest.auth.basic.credentials.file')
    .option('-u, --user <name>', 'print a complete credentials line for this user')
    .action(async (options: { user?: string }) => {
      if (options.user !== undefined && (options.user === '' || options.user.includes(':')))
        throw new CliError('--user must not be empty or contain ":"');
      if (process.stdin.isTTY) process.stderr.write('Password: ');
      const password = (await readStdin()).replace(/\r?\n$/, '');
      if (password === '') throw new CliError('no password on standard input');
      const { hashPassword } = await import('../rest/auth.ts');
      const hash = await hashPassword(password);
      process.stdout.write(`${options.user === undefined ? '' : `${options.user}:`}${hash}\n`);
    });
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) {
    text += String(chunk);
    // An interactive user ends with Enter; a pipe ends with EOF.
    if (process.stdin.isTTY && text.includes('\n')) break;
  }
  return text.split('\n')[0] ?? '';
}
