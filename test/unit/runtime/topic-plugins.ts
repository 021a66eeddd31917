import {
  configSpec,
  type SourcePlugin,
  type SourceRecord,
  type SourceTaskContext,
  sourceRecord,
} from '../../../src/api/index.ts';

/**
 * A source for topic tests: every sequence number becomes one record in each of `topics` (key `k<seq>`,
 * value `{seq, pad}`), `batch` sequence numbers per poll, `count` in all; the numbers in `big.seqs` get a
 * pad of `big.bytes` characters (a record over max.message.bytes). Its offset is the last sequence number.
 */
const spec = configSpec()
  .define({ name: 'topics', type: 'list', required: true, doc: 'Topics to write, each record to all.' })
  .define({ name: 'count', type: 'int', default: 10, doc: 'Sequence numbers in all.' })
  .define({ name: 'batch', type: 'int', default: 10, doc: 'Sequence numbers per poll.' })
  .define({ name: 'big.seqs', type: 'list', default: [], doc: 'Sequence numbers with a big value.' })
  .define({ name: 'big.bytes', type: 'int', default: 2_000_000, doc: 'Pad length of a big value.' });

export const topicsSource: SourcePlugin = {
  kind: 'source',
  className: 'test.TopicsSource',
  aliases: [],
  version: '1',
  configSpec: spec,
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
    let cfg = spec.parse({ topics: 'x' });
    let big = new Set<number>();
    let context: SourceTaskContext | null = null;
    return {
      start: async (c, ctx) => {
        context = ctx;
        cfg = spec.parse(c);
        big = new Set(cfg['big.seqs'].map(Number));
        const offset = await ctx.offsetStorageReader.offset({ source: 'topics' });
        next = offset === null ? 0 : Number(offset['seq']) + 1;
      },
      poll: async (): Promise<SourceRecord[] | null> => {
        if (next >= cfg.count) {
          await new Promise((r) => setTimeout(r, 20));
          return context?.signal.aborted ? null : [];
        }
        const out: SourceRecord[] = [];
        for (let i = 0; i < cfg.batch && next < cfg.count; i++, next++) {
          for (const topic of cfg.topics) {
            out.push(
              sourceRecord({
                topic,
                key: `k${next}`,
                value: { seq: next, pad: big.has(next) ? 'x'.repeat(cfg['big.bytes']) : '' },
                sourcePartition: { source: 'topics' },
                sourceOffset: { seq: next },
              }),
            );
          }
        }
        return out;
      },
      stop: async () => {},
    };
  },
};
