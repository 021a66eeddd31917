import {
  configSpec,
  DataError,
  FatalError,
  type SinkPlugin,
  type SinkRecord,
  type SinkTaskContext,
  type SourcePlugin,
  type SourceRecord,
  type SourceTaskContext,
  sourceRecord,
  type TransformPlugin,
} from '../../src/api/index.ts';
import { builtinConverters } from '../../src/log/converters/index.ts';
import { PluginRegistry } from '../../src/plugins/registry.ts';

/**
 * Small plugins for runtime tests: a counting source, a collecting sink and a transform that rejects
 * chosen records. Tests steer them through `hooks`, keyed by connector name.
 */
export interface Hooks {
  /** Called before each poll with the next sequence number; may throw or never resolve. */
  beforePoll?: (next: number) => Promise<void> | void;
  /** Called with each put batch; may throw. */
  beforePut?: (records: readonly SinkRecord[]) => Promise<void> | void;
  committedRecords?: number[];
}

export const hooks = new Map<string, Hooks>();
/** What each sink connector has flushed (durable), in order. */
export const flushed = new Map<string, unknown[]>();

const seqSpec = configSpec()
  .define({ name: 'topic', type: 'string', required: true, doc: 'Topic to write.' })
  .define({ name: 'count', type: 'int', default: 1_000_000, doc: 'Records to produce in all.' })
  .define({ name: 'batch', type: 'int', default: 10, doc: 'Records per poll.' });

export const seqSource: SourcePlugin = {
  kind: 'source',
  className: 'test.SeqSource',
  aliases: [],
  version: '1',
  configSpec: seqSpec,
  createConnector: () => {
    let config: Record<string, string> = {};
    return {
      start: async (c) => {
        config = { ...c };
      },
      taskConfigs: async () => [config],
      stop: async () => {},
    };
  },
  createTask: () => {
    let next = 0;
    let name = '';
    let cfg = { topic: '', count: 0, batch: 0 };
    let context: SourceTaskContext | null = null;
    return {
      start: async (c, ctx) => {
        context = ctx;
        name = ctx.connectorName;
        const parsed = seqSpec.parse(c);
        cfg = { topic: parsed.topic, count: parsed.count, batch: parsed.batch };
        const offset = await ctx.offsetStorageReader.offset({ source: 'seq' });
        next = offset === null ? 0 : Number(offset['seq']) + 1;
      },
      poll: async (): Promise<SourceRecord[] | null> => {
        await hooks.get(name)?.beforePoll?.(next);
        if (next >= cfg.count) {
          await new Promise((r) => setTimeout(r, 10));
          return context?.signal.aborted ? null : [];
        }
        const out: SourceRecord[] = [];
        for (let i = 0; i < cfg.batch && next < cfg.count; i++, next++) {
          out.push(
            sourceRecord({
              topic: cfg.topic,
              key: `k${next}`,
              value: { seq: next },
              sourcePartition: { source: 'seq' },
              sourceOffset: { seq: next },
            }),
          );
        }
        return out;
      },
      commitRecord: (record) => {
        hooks.get(name)?.committedRecords?.push(Number((record.sourceOffset as { seq: number }).seq));
      },
      stop: async () => {},
    };
  },
};

const sinkSpec = configSpec();

export const collectSink: SinkPlugin = {
  kind: 'sink',
  className: 'test.CollectSink',
  aliases: [],
  version: '1',
  configSpec: sinkSpec,
  createConnector: () => {
    let config: Record<string, string> = {};
    return {
      start: async (c) => {
        config = { ...c };
      },
      taskConfigs: async (max) => Array.from({ length: max }, () => config),
      stop: async () => {},
    };
  },
  createTask: () => {
    let name = '';
    let buffer: unknown[] = [];
    let ctx: SinkTaskContext | null = null;
    return {
      start: async (_c, context) => {
        ctx = context;
        name = context.connectorName;
      },
      put: async (records) => {
        await hooks.get(name)?.beforePut?.(records);
        for (const r of records) {
          if (r.value === 'poison') {
            if (ctx?.errantRecordReporter) await ctx.errantRecordReporter.report(r, new DataError('poison'));
            continue;
          }
          buffer.push(r.value);
        }
      },
      flush: async () => {
        const list = flushed.get(name) ?? [];
        list.push(...buffer);
        flushed.set(name, list);
        buffer = [];
      },
      stop: async () => {},
    };
  },
};

/** Throws DataError for records whose value has `seq % modulo === 0`. */
export const rejectTransform: TransformPlugin = {
  kind: 'transformation',
  className: 'test.Reject',
  aliases: [],
  version: '1',
  doc: 'test',
  configSpec: configSpec().define({
    name: 'modulo',
    type: 'int',
    default: 5,
    doc: 'Reject every n-th record.',
  }),
  create: (config) => {
    const modulo = Number(config['modulo'] ?? 5);
    return {
      apply: (record) => {
        const seq = (record.value as { seq?: number } | null)?.seq;
        if (typeof seq === 'number' && seq % modulo === 0) throw new DataError(`seq ${seq} rejected`);
        return record;
      },
    };
  },
};

export const failingStartSource: SourcePlugin = {
  ...seqSource,
  className: 'test.FailingStart',
  createTask: () => ({
    start: async () => {
      throw new FatalError('cannot start');
    },
    poll: async () => null,
    stop: async () => {},
  }),
};

export function testRegistry(): PluginRegistry {
  return new PluginRegistry([
    seqSource,
    collectSink,
    rejectTransform,
    failingStartSource,
    ...builtinConverters(),
  ]);
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
