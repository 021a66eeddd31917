import { Command, InvalidArgumentError } from 'commander';
import type {
  DeadLettersInfo,
  DeadLetterView,
  RedriveSummary,
  RenderedBytes,
} from '../herder/dead-letters-view.ts';
import { maskUrlCredentials } from '../runtime/redact.ts';
import { CliError } from './cli-error.ts';

/** Where a worker's REST API listens unless `--url` or SEAM_URL says otherwise. */
export const DEFAULT_URL = 'http://127.0.0.1:8083';

interface Remote {
  readonly url?: string;
  readonly token?: string;
  readonly json?: boolean;
}

function wholeNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a whole number');
  return n;
}

/**
 * Calls the worker's REST API. Credentials in the URL (`http://user:pw@host:8083`) become basic
 * authentication, `--token` (or SEAM_TOKEN) a bearer token; an error answer becomes a one-line CliError
 * with the worker's message.
 */
export async function restCall(
  remote: Remote,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const base = remote.url || process.env['SEAM_URL'] || DEFAULT_URL;
  const token = remote.token || process.env['SEAM_TOKEN'];
  let url: URL;
  try {
    url = new URL(path, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new CliError(`--url ${maskUrlCredentials(base)} is not a URL`);
  }
  const headers: Record<string, string> = { accept: 'application/json' };
  if (url.username !== '' || url.password !== '') {
    const user = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers['authorization'] = `Basic ${Buffer.from(user).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  if (token) headers['authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new CliError(
      `cannot reach the worker at ${url.origin} (${cause?.code ?? cause?.message ?? (e as Error).message}); is it running? (--url, SEAM_URL)`,
    );
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // not JSON: shown as it is
  }
  if (!res.ok) {
    const message = (parsed as { message?: unknown } | null)?.message;
    throw new CliError(`${res.status}: ${typeof message === 'string' ? message : text}`);
  }
  return parsed;
}

function remoteOptions(command: Command): Command {
  return (
    command
      // Defaults are read at call time, not given to commander: its help would print a token or password.
      .option(
        '--url <url>',
        `REST URL of a worker, user:password@ for basic auth (default: SEAM_URL or ${DEFAULT_URL})`,
      )
      .option('--token <token>', 'bearer token (default: SEAM_TOKEN)')
      .option('--json', 'print the JSON answer')
  );
}

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
const bytes = (b: RenderedBytes): string =>
  b === null ? 'null' : 'text' in b ? b.text : `base64:${b.base64}`;
const path = (name: string) => `connectors/${encodeURIComponent(name)}/dead-letters`;

function reasonOf(r: DeadLetterView): string {
  const h = r.error_headers;
  const cls = h['__connect.errors.exception.class.name'] ?? '';
  const msg = (h['__connect.errors.exception.message'] ?? '').replace(/\s+/g, ' ');
  return `${cls}${cls && msg ? ': ' : ''}${msg.length > 120 ? `${msg.slice(0, 119)}…` : msg}`;
}

function printSummary(info: DeadLettersInfo): void {
  out(
    `${info.connector} (${info.type}): ${info.count} dead letter(s) in ${info.topic}, ${info.redriven} redriven`,
  );
  if (!info.complete) out('(the topic is larger than one scan: counts cover its oldest part)');
  if (info.oldest) out(`oldest  ${info.oldest.partition}:${info.oldest.offset}  ${info.oldest.timestamp}`);
  if (info.newest) out(`newest  ${info.newest.partition}:${info.newest.offset}  ${info.newest.timestamp}`);
  if (!info.redrive.supported) out(`redrive: not possible (${info.redrive.reason})`);
  if (info.reasons.length > 0) {
    out();
    out('COUNT  STAGE            REASON');
    for (const r of info.reasons)
      out(`${String(r.count).padStart(5)}  ${r.stage.padEnd(15)}  ${r.exception_class}: ${r.pattern}`);
  }
}

/**
 * `seam dlq list|show|redrive <connector>`: a connector's dead letters over a worker's REST API
 * (`GET /connectors/{name}/dead-letters`, `POST …/redrive`).
 */
export function dlqCommand(): Command {
  const dlq = new Command('dlq').description(
    "inspect and redrive a connector's dead letters (over the REST API)",
  );

  dlq.addCommand(
    remoteOptions(new Command('list'))
      .description('count, reasons grouped, and one line per dead letter of a page')
      .argument('<connector>')
      .option('--partition <n>', 'dead-letter topic partition the page starts in', wholeNumber)
      .option('--offset <n>', 'dead-letter topic offset the page starts at', wholeNumber)
      .option('--limit <n>', 'dead letters in the page (default 20, at most 1000)', wholeNumber)
      .option('--include-redriven', 'also list dead letters already redriven')
      .action(
        async (
          name: string,
          o: Remote & { partition?: number; offset?: number; limit?: number; includeRedriven?: boolean },
        ) => {
          const q = new URLSearchParams();
          if (o.partition !== undefined) q.set('partition', String(o.partition));
          if (o.offset !== undefined) q.set('offset', String(o.offset));
          if (o.limit !== undefined) q.set('limit', String(o.limit));
          if (o.includeRedriven) q.set('include_redriven', 'true');
          const info = (await restCall(o, 'GET', `${path(name)}?${q}`)) as DeadLettersInfo;
          if (o.json) return out(JSON.stringify(info, null, 2));
          printSummary(info);
          if (info.records.length === 0) return;
          out();
          out('POSITION  TIME                      FROM                    REASON');
          for (const r of info.records) {
            const from = r.original
              ? `${r.original.topic}:${r.original.partition}:${r.original.offset}`
              : '?';
            const mark = r.redriven ? ' (redriven)' : '';
            out(
              `${`${r.partition}:${r.offset}`.padEnd(8)}  ${r.timestamp.padEnd(24)}  ${from.padEnd(22)}  ${reasonOf(r)}${mark}`,
            );
          }
          if (info.next) out(`more: --partition ${info.next.partition} --offset ${info.next.offset}`);
        },
      ),
  );

  dlq.addCommand(
    remoteOptions(new Command('show'))
      .description('one dead letter in full: key, value, error headers with the stack trace, headers')
      .argument('<connector>')
      .argument('<offset>', 'its offset in the dead-letter topic', wholeNumber)
      .option('--partition <n>', 'its partition in the dead-letter topic', wholeNumber, 0)
      .action(async (name: string, offset: number, o: Remote & { partition: number }) => {
        const q = new URLSearchParams({
          partition: String(o.partition),
          offset: String(offset),
          limit: '1',
          include_redriven: 'true',
        });
        const info = (await restCall(o, 'GET', `${path(name)}?${q}`)) as DeadLettersInfo;
        const r = info.records[0];
        if (!r || r.partition !== o.partition || r.offset !== offset)
          throw new CliError(`${name} has no dead letter at ${o.partition}:${offset} in ${info.topic}`);
        if (o.json) return out(JSON.stringify(r, null, 2));
        out(`${info.topic} ${r.partition}:${r.offset}  ${r.timestamp}${r.redriven ? '  (redriven)' : ''}`);
        if (r.original)
          out(`from   ${r.original.topic} partition ${r.original.partition} offset ${r.original.offset}`);
        out(`key    ${bytes(r.key)}`);
        out(`value  ${bytes(r.value)}`);
        for (const h of r.headers) out(`header ${h.key}: ${bytes(h.value)}`);
        for (const [k, v] of Object.entries(r.error_headers)) out(`${k}: ${v}`);
      }),
  );

  dlq.addCommand(
    remoteOptions(new Command('redrive'))
      .description(
        'write dead letters to the sink again once the cause is fixed (every filter given must match)',
      )
      .argument('<connector>')
      .option('--all', 'every pending dead letter (needed when no filter is given)')
      .option('--reason <text>', 'exception class or message contains this text (any case)')
      .option('--reason-regex <regex>', 'regular expression over "<exception class>: <message>"')
      .option('--partition <n>', 'only this dead-letter topic partition', wholeNumber)
      .option('--from <offset>', 'dead-letter topic offsets from this one', wholeNumber)
      .option('--to <offset>', 'dead-letter topic offsets up to this one (inclusive)', wholeNumber)
      .option('--limit <n>', 'at most n records in this call (default 10000)', wholeNumber)
      .option('--dry-run', 'count what would be redriven, write nothing')
      .action(
        async (
          name: string,
          o: Remote & {
            all?: boolean;
            reason?: string;
            reasonRegex?: string;
            partition?: number;
            from?: number;
            to?: number;
            limit?: number;
            dryRun?: boolean;
          },
        ) => {
          const body = {
            ...(o.all ? { all: true } : {}),
            ...(o.reason !== undefined ? { reason: o.reason } : {}),
            ...(o.reasonRegex !== undefined ? { reason_regex: o.reasonRegex } : {}),
            ...(o.partition !== undefined ? { partition: o.partition } : {}),
            ...(o.from !== undefined ? { from_offset: o.from } : {}),
            ...(o.to !== undefined ? { to_offset: o.to } : {}),
            ...(o.limit !== undefined ? { limit: o.limit } : {}),
            ...(o.dryRun ? { dry_run: true } : {}),
          };
          const s = (await restCall(o, 'POST', `${path(name)}/redrive`, body)) as RedriveSummary;
          if (o.json) return out(JSON.stringify(s, null, 2));
          if (s.dry_run) out(`${s.selected} dead letter(s) of ${name} match; nothing written (--dry-run)`);
          else
            out(
              `${s.selected} selected, ${s.redriven} redriven, ${s.failed_again} failed again (back in ${s.topic}), ${s.remaining} remaining`,
            );
          if (s.skipped > 0) out(`${s.skipped} matched without error context and cannot be redriven`);
          for (const f of s.failures) out(`  ${f.partition}:${f.offset}  ${f.exception_class}: ${f.message}`);
          if (!s.dry_run && s.remaining > 0) out('run the same command again to continue');
        },
      ),
  );
  return dlq;
}
