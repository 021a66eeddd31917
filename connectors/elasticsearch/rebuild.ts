import { ConfigError, type RebuildPlan, type RebuildRequest, type SinkRebuild } from '../../src/api/index.ts';
import { esSinkConfigSpec } from './config.ts';
import { classifyRequestError } from './errors.ts';
import { EsClient } from './es-client.ts';
import { indexNaming } from './index-name.ts';

/** One view being rebuilt: the name readers and writers use, the index behind it now, and the new one. */
interface ViewSwap {
  readonly name: string;
  /** null when nothing of that name exists yet. */
  readonly current: string | null;
  readonly next: string;
}

/** A search may have resolved an alias just before it moved and not yet reached the shards. */
const DRAIN_GRACE_MS = 500;
/** Open scrolls keep counting as searches: the old index is removed after this however busy. */
const DRAIN_MAX_MS = 30_000;

/** Index settings carried over to the new index (the rest are Elasticsearch's defaults). */
const COPIED_SETTINGS = [
  'number_of_shards',
  'number_of_replicas',
  'gc_deletes',
  'refresh_interval',
  'analysis',
];

/**
 * View rebuild for the Elasticsearch sink (SinkRebuild). For each topic's index name R:
 * - prepare: the index behind R (R itself the first time, else the one alias R points to, `R-vN`) is
 *   read for its mappings and settings; `R-v<N+1>` is created with them. Rebuild tasks write to it
 *   (`topic.to.external.resource.mapping`), live tasks write to R and mirror to it (`write.mirror.indices`);
 *   external versions from source positions make the two writers' order irrelevant.
 * - finish: one `_aliases` request moves every alias of the old index (R itself when it is one, and the
 *   filtered aliases readers use, with their filters) to the new index, so readers switch atomically; once
 *   searches on the old index have drained, it is removed (when the old index was named R itself, in the
 *   same request that makes R an alias of the new one). Readers that read through an alias never fail;
 *   a reader of the concrete index R may see one failure at the first rebuild.
 * - abort: deletes the new index.
 * Data streams cannot be rebuilt this way (they are append-only): refused at prepare.
 */
export const elasticsearchRebuild: SinkRebuild = {
  async prepare(request: RebuildRequest): Promise<RebuildPlan> {
    const c = esSinkConfigSpec.parse(request.config);
    if (c['data.stream.type'].toUpperCase() !== 'NONE')
      throw new ConfigError([{ key: 'data.stream.type', message: 'data streams cannot be rebuilt' }]);
    const naming = indexNaming({
      mapping: c['topic.to.external.resource.mapping'],
      dataStreamType: 'NONE',
      dataStreamDataset: '',
      dataStreamNamespace: '',
    });
    return withClient(request.config, async (es) => {
      const swaps: ViewSwap[] = [];
      const rebuildMapping = new Map<string, string>();
      for (const topic of request.topics) {
        const name = naming.resourceFor(topic);
        let swap = swaps.find((s) => s.name === name);
        if (!swap) {
          swap = await createNext(es, name);
          swaps.push(swap);
        }
        rebuildMapping.set(topic, swap.next);
      }
      for (const entry of c['topic.to.external.resource.mapping']) {
        const topic = entry.slice(0, entry.lastIndexOf(':'));
        if (!rebuildMapping.has(topic)) rebuildMapping.set(topic, entry.slice(entry.lastIndexOf(':') + 1));
      }
      return {
        rebuildOverrides: {
          'topic.to.external.resource.mapping': [...rebuildMapping].map(([t, i]) => `${t}:${i}`).join(','),
          'write.mirror.indices': '',
          // The new index belongs to the same view: its writes are checked against the view's delete markers.
          'write.markers.names': swaps.map((s) => `${s.next}:${s.name}`).join(','),
        },
        liveOverrides: { 'write.mirror.indices': swaps.map((s) => `${s.name}:${s.next}`).join(',') },
        state: { swaps },
      };
    });
  },

  async finish(config, plan): Promise<void> {
    const swaps = (plan.state['swaps'] ?? []) as ViewSwap[];
    await withClient(config, async (es) => {
      // 1. Every alias of the old indices moves to the new ones in one request: readers switch atomically.
      const move: object[] = [];
      const draining: string[] = [];
      for (const s of swaps) {
        if (s.current === null || !(await exists(es, s.next)) || !(await exists(es, s.current))) continue;
        for (const [alias, definition] of Object.entries(await aliasesOf(es, s.current))) {
          move.push({ remove: { index: s.current, alias } });
          move.push({ add: { index: s.next, alias, ...definition } });
        }
        draining.push(s.current);
      }
      if (move.length > 0) await updateAliases(es, move);
      // 2. Searches that resolved an alias to an old index just before the move still run there.
      for (const index of draining) await drained(es, index);
      // 3. The old indices go; a topic-named concrete index (first rebuild) becomes an alias of that name.
      const replace: object[] = [];
      for (const s of swaps) {
        if (!(await exists(es, s.next))) continue;
        if (s.current !== null && (await exists(es, s.current)))
          replace.push({ remove_index: { index: s.current } });
        if (s.current === s.name || s.current === null)
          replace.push({ add: { index: s.next, alias: s.name } });
      }
      if (replace.length > 0) await updateAliases(es, replace);
    });
  },

  async abort(config, plan): Promise<void> {
    const swaps = (plan.state['swaps'] ?? []) as ViewSwap[];
    await withClient(config, async (es) => {
      for (const s of swaps) await deleteIndex(es, s.next);
    });
  },
};

async function withClient<T>(config: Readonly<Record<string, string>>, fn: (es: EsClient) => Promise<T>) {
  const es = new EsClient(esSinkConfigSpec.parse(config));
  try {
    await es.connect();
    return await fn(es);
  } finally {
    await es.close();
  }
}

/** Finds what R is now and creates the next versioned index with the same mappings and settings. */
async function createNext(es: EsClient, name: string): Promise<ViewSwap> {
  const h = { headers: es.jsonHeaders };
  let current: string | null = null;
  try {
    const aliased = (await es.client.indices.getAlias({ name }, h)) as Record<string, unknown>;
    const indices = Object.keys(aliased);
    if (indices.length !== 1)
      throw new ConfigError([
        { key: 'topics', message: `alias '${name}' points to ${indices.length} indices; cannot rebuild it` },
      ]);
    current = indices[0]!;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if ((error as { statusCode?: number }).statusCode !== 404)
      throw classifyRequestError(error, `reading alias '${name}'`);
    if (await exists(es, name)) {
      // A concrete index (first rebuild): the swap replaces it by an alias of the same name.
      current = name;
    }
  }
  const generation = Number(/-v(\d+)$/.exec(current ?? '')?.[1] ?? 0);
  const next = `${name}-v${generation + 1}`;
  // A leftover of an aborted or crashed attempt holds a partial copy: start it afresh.
  await deleteIndex(es, next);
  const body: { mappings?: unknown; settings?: Record<string, unknown> } = {};
  if (current !== null) {
    try {
      const mapping = (await es.client.indices.getMapping({ index: current }, h)) as Record<
        string,
        { mappings: unknown }
      >;
      const settings = (await es.client.indices.getSettings({ index: current }, h)) as Record<
        string,
        { settings: { index?: Record<string, unknown> } }
      >;
      body.mappings = mapping[current]?.mappings;
      const index = settings[current]?.settings.index ?? {};
      body.settings = Object.fromEntries(COPIED_SETTINGS.filter((k) => k in index).map((k) => [k, index[k]]));
    } catch (error) {
      throw classifyRequestError(error, `reading the definition of '${current}'`);
    }
  }
  try {
    await es.client.indices.create({ index: next, ...body } as never, h);
  } catch (error) {
    throw classifyRequestError(error, `creating index '${next}'`);
  }
  return { name, current, next };
}

async function updateAliases(es: EsClient, actions: object[]): Promise<void> {
  try {
    await es.client.indices.updateAliases({ actions } as never, { headers: es.jsonHeaders });
  } catch (error) {
    throw classifyRequestError(error, 'swapping aliases');
  }
}

/** Waits (at most DRAIN_MAX_MS) until no search runs on the index any more. */
async function drained(es: EsClient, index: string): Promise<void> {
  const deadline = Date.now() + DRAIN_MAX_MS;
  await sleep(DRAIN_GRACE_MS);
  while (Date.now() < deadline) {
    const stats = (await es.client.indices.stats(
      { index, metric: 'search' },
      { headers: es.jsonHeaders },
    )) as {
      _all?: {
        total?: { search?: { query_current?: number; fetch_current?: number; scroll_current?: number } };
      };
    };
    const search = stats._all?.total?.search ?? {};
    if ((search.query_current ?? 0) + (search.fetch_current ?? 0) === 0) return;
    await sleep(100);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function exists(es: EsClient, index: string): Promise<boolean> {
  try {
    return await es.client.indices.exists({ index }, { headers: es.jsonHeaders });
  } catch (error) {
    throw classifyRequestError(error, `checking index '${index}'`);
  }
}

/** The aliases of an index with their filter and routing, as `_aliases` add actions take them. */
async function aliasesOf(es: EsClient, index: string): Promise<Record<string, Record<string, unknown>>> {
  try {
    const res = (await es.client.indices.getAlias({ index }, { headers: es.jsonHeaders })) as Record<
      string,
      { aliases: Record<string, Record<string, unknown>> }
    >;
    return res[index]?.aliases ?? {};
  } catch (error) {
    throw classifyRequestError(error, `reading the aliases of '${index}'`);
  }
}

async function deleteIndex(es: EsClient, index: string): Promise<void> {
  try {
    await es.client.indices.delete({ index, ignore_unavailable: true } as never, {
      headers: es.jsonHeaders,
    });
  } catch (error) {
    throw classifyRequestError(error, `deleting index '${index}'`);
  }
}
