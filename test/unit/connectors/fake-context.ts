import type {
  PluginLogger,
  SinkTaskContext,
  SourceOffset,
  SourcePartition,
  SourceTaskContext,
} from '../../../src/api/index.ts';

/** Minimal task contexts for calling connector tasks directly, without the runtime. */
const quiet: PluginLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function fakeSourceContext(committed: Map<string, SourceOffset> = new Map(), taskId = 0) {
  const controller = new AbortController();
  const details = new Map<string, unknown>();
  const context: SourceTaskContext = {
    connectorName: 'test',
    taskId,
    logger: quiet,
    status: { setDetail: (k, v) => details.set(k, v) },
    signal: controller.signal,
    offsetStorageReader: {
      offset: async (p: SourcePartition) => committed.get(JSON.stringify(p)) ?? null,
      offsets: async (ps) => new Map(ps.map((p) => [p, committed.get(JSON.stringify(p)) ?? null])),
    },
  };
  return { context, controller, details };
}

/** Records what a runtime would commit: the offset of the last record per partition. */
export function commitAll(
  committed: Map<string, SourceOffset>,
  records: readonly { sourcePartition: SourcePartition | null; sourceOffset: SourceOffset | null }[],
): void {
  for (const r of records) committed.set(JSON.stringify(r.sourcePartition), r.sourceOffset!);
}

export function fakeSinkContext(): SinkTaskContext {
  return {
    connectorName: 'test',
    taskId: 0,
    logger: quiet,
    status: { setDetail() {} },
    signal: new AbortController().signal,
    assignment: () => [],
    offset() {},
    pause() {},
    resume() {},
    requestCommit() {},
    errantRecordReporter: null,
  };
}
