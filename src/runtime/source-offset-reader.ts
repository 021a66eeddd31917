import type { OffsetStorageReader, SourceOffset, SourcePartition } from '../api/index.ts';
import type { OffsetStore } from '../storage/offset-store.ts';
import { canonicalJson, parseJson } from './json-text.ts';

/** A source task's view of its connector's committed offsets (`SourceTaskContext.offsetStorageReader`). */
export function offsetStorageReader(store: OffsetStore, connector: string): OffsetStorageReader {
  const lookup = async (
    partitions: readonly SourcePartition[],
  ): Promise<Map<SourcePartition, SourceOffset | null>> => {
    const stored = await store.offsets(connector);
    const out = new Map<SourcePartition, SourceOffset | null>();
    for (const p of partitions) {
      const text = stored.get(canonicalJson(p));
      out.set(p, text === undefined ? null : (parseJson(text) as SourceOffset));
    }
    return out;
  };
  return {
    offset: async (p) => (await lookup([p])).get(p) ?? null,
    offsets: lookup,
  };
}
