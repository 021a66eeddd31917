import { readFileSync } from 'node:fs';
import type { Client, ClientOptions } from '@elastic/elasticsearch';
import { ConfigError, DataError } from '../../src/api/index.ts';
import type { BulkItemResult } from './bulk-writer.ts';
import type { EsSinkConfig } from './config.ts';
import { classifyRequestError } from './errors.ts';
import { DELETED_FIELD } from './mapping.ts';

type Headers = Record<string, string>;

/**
 * The few Elasticsearch calls the sink makes, with the REST compatibility headers that match the
 * server's major version (found with `GET /` at connect): 7.x gets plain JSON, 8.x and 9.x get
 * `compatible-with=<major>`. Every failure leaves here already classified (errors.ts).
 */
export class EsClient {
  readonly #config: EsSinkConfig;
  #client: Client | null = null;
  major = 0;
  version = '';
  #json: Headers = {};
  #ndjson: Headers = {};

  constructor(config: EsSinkConfig) {
    this.#config = config;
  }

  /** The client, once `connect` has loaded it. */
  get client(): Client {
    if (this.#client === null) throw new Error('EsClient used before connect()');
    return this.#client;
  }

  /** Headers for JSON requests to this server's major version (set by connect). */
  get jsonHeaders(): Readonly<Headers> {
    return this.#json;
  }

  async connect(): Promise<void> {
    // Loaded on first use: the client library costs a worker ~30 MB of memory even when no
    // Elasticsearch connector runs.
    const { Client } = await import('@elastic/elasticsearch');
    this.#client ??= new Client(clientOptions(this.#config));
    let info: { version?: { number?: string } };
    try {
      info = (await this.client.info(undefined, { headers: { accept: 'application/json' } })) as typeof info;
    } catch (error) {
      throw classifyRequestError(error, 'connecting (GET /)');
    }
    this.version = info.version?.number ?? '';
    this.major = Number.parseInt(this.version, 10);
    if (!(this.major >= 7 && this.major <= 9)) {
      throw new ConfigError([
        {
          key: 'connection.url',
          message: `Elasticsearch ${this.version} is not supported; use 7.17, 8.x or 9.x`,
        },
      ]);
    }
    if (this.major === 7) {
      this.#json = { accept: 'application/json', 'content-type': 'application/json' };
      this.#ndjson = { accept: 'application/json', 'content-type': 'application/x-ndjson' };
    } else {
      const compat = `compatible-with=${this.major}`;
      this.#json = {
        accept: `application/vnd.elasticsearch+json; ${compat}`,
        'content-type': `application/vnd.elasticsearch+json; ${compat}`,
      };
      this.#ndjson = {
        accept: `application/vnd.elasticsearch+json; ${compat}`,
        'content-type': `application/vnd.elasticsearch+x-ndjson; ${compat}`,
      };
    }
  }

  async bulk(ndjson: string, timeoutMs: number): Promise<readonly BulkItemResult[]> {
    try {
      const res = await this.client.bulk(
        { operations: ndjson as never },
        { headers: this.#ndjson, requestTimeout: timeoutMs },
      );
      return res.items.map((item) => {
        const r = Object.values(item)[0]!;
        return {
          status: r.status,
          error: r.error ? { type: r.error.type, reason: r.error.reason ?? undefined } : undefined,
        };
      });
    } catch (error) {
      throw classifyRequestError(error, 'a bulk request');
    }
  }

  /** Creates the index (with `mappings` when given) unless an index, alias or data stream of that name exists. */
  async ensureIndex(
    index: string,
    mappings: object | null,
    settings: object | null = null,
  ): Promise<'created' | 'exists'> {
    try {
      if (await this.client.indices.exists({ index }, { headers: this.#json })) return 'exists';
      const body = { index, ...(mappings ? { mappings } : {}), ...(settings ? { settings } : {}) };
      await this.client.indices.create(body as never, {
        headers: this.#json,
      });
      return 'created';
    } catch (error) {
      const type = (error as { body?: { error?: { type?: string } } }).body?.error?.type;
      if (type === 'resource_already_exists_exception') return 'exists';
      if ((error as { statusCode?: number }).statusCode === 400) {
        throw new DataError(
          `Elasticsearch refused to create index '${index}': ${type ?? (error as Error).message}`,
          { cause: error },
        );
      }
      throw classifyRequestError(error, `creating index '${index}'`);
    }
  }

  /** Adds fields to an existing mapping; Elasticsearch refuses changes to a field's type. */
  async putMapping(index: string, mappings: { properties: object }): Promise<void> {
    try {
      await this.client.indices.putMapping({ index, properties: mappings.properties } as never, {
        headers: this.#json,
      });
    } catch (error) {
      throw classifyRequestError(error, `updating the mapping of '${index}'`);
    }
  }

  /** The current version of documents, and whether each is a soft-delete marker. */
  async versions(
    index: string,
    ids: readonly string[],
  ): Promise<Map<string, { version: bigint; deleted: boolean }>> {
    try {
      const res = await this.client.mget(
        { index, ids: [...ids], _source_includes: [DELETED_FIELD] },
        { headers: this.#json },
      );
      const out = new Map<string, { version: bigint; deleted: boolean }>();
      for (const doc of res.docs) {
        const d = doc as {
          _id: string;
          found?: boolean;
          _version?: number;
          _source?: Record<string, unknown>;
        };
        if (d.found && d._version !== undefined)
          out.set(d._id, { version: BigInt(d._version), deleted: d._source?.[DELETED_FIELD] === true });
      }
      return out;
    } catch (error) {
      throw classifyRequestError(error, `reading versions from '${index}'`);
    }
  }

  /** Deletes the markers written before `before` (epoch ms); returns how many went. */
  async purgeMarkers(markers: string, before: number): Promise<number> {
    try {
      const res = await this.client.deleteByQuery(
        {
          index: markers,
          conflicts: 'proceed',
          query: { range: { deleted_at: { lt: before } } },
        } as never,
        { headers: this.#json },
      );
      return (res as { deleted?: number }).deleted ?? 0;
    } catch (error) {
      throw classifyRequestError(error, `purging delete markers from '${markers}'`);
    }
  }

  /** Whether the index exists (cluster state: realtime, unlike a count or search). */
  async indexExists(index: string): Promise<boolean> {
    try {
      return await this.client.indices.exists({ index }, { headers: this.#json });
    } catch (error) {
      throw classifyRequestError(error, `looking up index '${index}'`);
    }
  }

  async close(): Promise<void> {
    await this.#client?.close();
  }
}

function clientOptions(config: EsSinkConfig): ClientOptions {
  const options: ClientOptions = {
    nodes: config['connection.url'],
    // The bulk writer owns retries (with backoff, jitter and status); the client must not retry on its own.
    maxRetries: 0,
    requestTimeout: config['read.timeout.ms'],
    compression: config['connection.compression'],
  };
  const apiKey = config['connection.api.key'];
  const user = config['connection.username'];
  if (apiKey) options.auth = { apiKey: apiKey.reveal() };
  else if (user) options.auth = { username: user, password: config['connection.password']?.reveal() ?? '' };
  const ca = config['elastic.https.ssl.ca.location'];
  if (config['elastic.security.protocol'] === 'SSL' || ca) {
    let caPem: Buffer | undefined;
    try {
      caPem = ca ? readFileSync(ca) : undefined;
    } catch (error) {
      throw new ConfigError([
        {
          key: 'elastic.https.ssl.ca.location',
          message: `cannot read the CA file: ${(error as Error).message}`,
        },
      ]);
    }
    options.tls = {
      ...(caPem ? { ca: caPem } : {}),
      ...(config['elastic.https.ssl.endpoint.identification.algorithm'] === ''
        ? { checkServerIdentity: () => undefined }
        : {}),
    };
  }
  return options;
}
