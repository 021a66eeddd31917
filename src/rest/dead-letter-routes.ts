import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import { ConnectError } from '../api/errors.ts';
import { parseSelection } from '../herder/dead-letters-view.ts';
import type { Herder } from '../herder/herder.ts';
import { herderCall } from './herder-call.ts';
import { NameParams, queryBoolean } from './schemas.ts';

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 1000;

const DeadLettersQuery = Type.Object({
  partition: Type.Optional(
    Type.String({ description: 'dead-letter topic partition the page starts in (default 0)' }),
  ),
  offset: Type.Optional(
    Type.String({ description: 'dead-letter topic offset the page starts at (default: oldest)' }),
  ),
  limit: Type.Optional(
    Type.String({ description: `records in the page, 0–${MAX_PAGE} (default ${DEFAULT_PAGE})` }),
  ),
  include_redriven: Type.Optional(Type.String({ description: 'true also lists records already redriven' })),
});

const REDRIVE_BODY = `Body (every filter given must match): {"all": true} | "reason": substring of the exception class or
message (case-insensitive) | "reason_regex": regex over "<class>: <message>" | "partition", "from_offset", "to_offset"
(dead-letter topic, inclusive) | "limit": at most this many records this call (default 10000) | "dry_run": true
counts without writing. 200 with {selected, redriven, failed_again, remaining, skipped, failures}.`;

/**
 * Seam extension, `/connectors/{name}/dead-letters`: what went to the connector's dead-letter topic
 * (count, oldest/newest, reasons grouped by exception class and message pattern, a page of records with
 * their error headers, secrets scrubbed) and `POST …/redrive` to write chosen ones again once the cause
 * is fixed. The redrive runs synchronously within half the request timeout and says what is `remaining`
 * (docs/decisions/2026-12-02-dead-letter-redrive.md). 404 unknown connector; 400 no dead-letter topic,
 * a source's dead letters (redrive), a bad selection; 409 while a rebuild or another redrive runs.
 */
export function deadLetterRoutes(app: FastifyInstance, herder: Herder, timeoutMs: number): void {
  const tags = ['connectors'];
  type Named = FastifyRequest<{ Params: Static<typeof NameParams> }>;

  app.get(
    '/connectors/:name/dead-letters',
    {
      schema: {
        tags,
        summary: "The connector's dead letters: count, reasons, a page of records (Seam extension)",
        params: NameParams,
        querystring: DeadLettersQuery,
      },
    },
    async (req: Named) => {
      const { name } = req.params;
      const q = req.query as Static<typeof DeadLettersQuery>;
      const partition = whole(q.partition, 'partition');
      const offset = whole(q.offset, 'offset');
      const limit = whole(q.limit, 'limit', MAX_PAGE) ?? DEFAULT_PAGE;
      return herderCall(`reading the dead letters of ${name}`, timeoutMs, () =>
        herder.deadLetters(name, {
          ...(partition !== undefined ? { partition } : {}),
          ...(offset !== undefined ? { offset } : {}),
          limit,
          includeRedriven: queryBoolean(q.include_redriven, false),
        }),
      );
    },
  );

  app.post(
    '/connectors/:name/dead-letters/redrive',
    {
      schema: {
        tags,
        summary: 'Write selected dead letters to the sink again (Seam extension)',
        description: REDRIVE_BODY,
        params: NameParams,
      },
    },
    async (req: Named) => {
      const { name } = req.params;
      const selection = parseSelection(req.body);
      // Half the request timeout for the work, so the answer (with `remaining`) always comes back in time.
      return herderCall(`redriving the dead letters of ${name}`, timeoutMs, () =>
        herder.redriveDeadLetters(name, selection, Math.floor(timeoutMs / 2)),
      );
    },
  );
}

function whole(value: string | undefined, name: string, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > max)
    throw new ConnectError(`Query parameter ${name} must be a whole number from 0 to ${max}`, {
      code: 'seam.rest.bad_request',
    });
  return n;
}
