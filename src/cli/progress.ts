import { createRequire } from 'node:module';
import type { ConnectorStateInfo, Herder } from '../herder/herder.ts';

/**
 * Snapshot progress bars for `seam start` in a terminal: polls the herder's status and draws one bar per
 * task whose `details.snapshot` says a snapshot runs (rows read of the estimated total, tables done,
 * ETA). Bars go to stderr so piped logs stay clean; nothing is drawn unless stdout and stderr are TTYs.
 */
export interface SnapshotProgress {
  readonly key: string;
  readonly label: string;
  readonly rows: number;
  /** Estimated total rows; the rows read so far when the source gives no estimate. */
  readonly total: number;
  readonly tables: string;
  readonly eta: string;
}

interface SnapshotDetail {
  running?: boolean;
  rows_scanned?: number;
  rows_total_estimate?: number | null;
  tables_total?: number;
  tables_remaining?: number;
  eta_seconds?: number | null;
}

/** The running snapshots in the given statuses. */
export function snapshotProgress(statuses: readonly ConnectorStateInfo[]): SnapshotProgress[] {
  const out: SnapshotProgress[] = [];
  for (const s of statuses) {
    for (const t of s.tasks) {
      const d = t.details?.snapshot as SnapshotDetail | undefined;
      if (!d?.running) continue;
      const rows = d.rows_scanned ?? 0;
      const total = d.tables_total ?? 0;
      out.push({
        key: `${s.name}/${t.id}`,
        label: `${s.name}[${t.id}]`,
        rows,
        total: Math.max(d.rows_total_estimate ?? rows, rows, 1),
        tables: `${total - (d.tables_remaining ?? total)}/${total}`,
        eta: d.eta_seconds == null ? '?' : `${d.eta_seconds}s`,
      });
    }
  }
  return out;
}

interface Bar {
  update(value: number, payload?: object): void;
  setTotal(total: number): void;
}
interface MultiBar {
  create(total: number, start: number, payload?: object): Bar;
  remove(bar: Bar): boolean;
  stop(): void;
}
interface CliProgress {
  MultiBar: new (options: object, preset: object) => MultiBar;
  Presets: { shades_classic: object };
}

export interface ProgressOptions {
  readonly stream?: NodeJS.WritableStream;
  readonly intervalMs?: number;
  /** Whether to draw; default: stdout and stderr are both terminals. */
  readonly terminal?: boolean;
}

/** Starts drawing when run in a terminal; returns a function that stops and clears the bars. */
export function showSnapshotProgress(herder: Herder, options: ProgressOptions = {}): () => void {
  const stream = options.stream ?? process.stderr;
  const terminal = options.terminal ?? Boolean(process.stdout.isTTY && process.stderr.isTTY);
  if (!terminal) return () => {};
  const { MultiBar, Presets } = createRequire(import.meta.url)('cli-progress') as CliProgress;
  const multi = new MultiBar(
    {
      stream,
      clearOnComplete: true,
      hideCursor: false,
      format:
        '{label} snapshot [{bar}] {percentage}% | {value}/{total} rows | tables {tables} | ETA {etaText}',
    },
    Presets.shades_classic,
  );
  const bars = new Map<string, Bar>();
  let polling = false;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      const names = await herder.connectors();
      const statuses = await Promise.all(names.map((n) => herder.connectorStatus(n).catch(() => null)));
      const running = snapshotProgress(statuses.filter((s): s is ConnectorStateInfo => s !== null));
      for (const p of running) {
        const payload = { label: p.label, tables: p.tables, etaText: p.eta };
        const bar = bars.get(p.key) ?? multi.create(p.total, 0, payload);
        bars.set(p.key, bar);
        bar.setTotal(p.total);
        bar.update(p.rows, payload);
      }
      for (const [key, bar] of bars) {
        if (running.some((p) => p.key === key)) continue;
        multi.remove(bar);
        bars.delete(key);
      }
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll().catch(() => {}), options.intervalMs ?? 500);
  timer.unref();
  const stop = () => {
    process.off('exit', stop);
    clearInterval(timer);
    multi.stop();
  };
  process.once('exit', stop);
  return stop;
}
