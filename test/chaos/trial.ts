import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/worker-process.ts';
import { checkLog, diffView } from './check.ts';
import type { ChaosPipeline, ChaosWorkload } from './pipeline.ts';
import { createPipeline } from './pipelines.ts';
import { FaultProxy } from './proxy.ts';
import { seeded, sleep } from './rng.ts';
import type { AnyScenario, TrialContext } from './scenario.ts';
import { ChaosWorker } from './worker.ts';

export interface TrialResult {
  readonly scenario: string;
  readonly trial: number;
  readonly seed: number;
  readonly transactions: number;
  /** Changes committed while the pipeline ran (the ledger), plus the prefilled rows. */
  readonly changes: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly divergent: number;
  readonly recoveryMs: number | null;
  readonly peakRssBytes: number;
  readonly workerErrors: string[];
  /** Violations: loss, duplicates, divergence, a scenario's own checks, a harness failure. */
  readonly problems: string[];
  readonly notes: string[];
  readonly counts: Record<string, number>;
  /** Where the logs are kept when the trial failed. */
  readonly keptAt: string | null;
}

const QUIESCENCE_MS = 240_000;

/** Runs one trial of `scenario` in `dir` and returns its result; the directory goes unless it failed. */
export async function runTrial(
  scenario: AnyScenario,
  trial: number,
  seed: number,
  profile: 'ci' | 'full',
  dir: string,
  keep = false,
): Promise<TrialResult> {
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'worker.log');
  const notes: string[] = [];
  const counts: Record<string, number> = {};
  const problems: string[] = [];
  const id = `${process.pid}_${trial}_${scenario.name.replaceAll('-', '_')}`.slice(0, 40);
  const { pipeline, workload: workloadOf } = createPipeline(scenario.pipeline ?? 'pg-es', dir, id);
  const proxy = await FaultProxy.start(pipeline.sinkTarget);
  const rng = seeded(seed);
  let mounted = false;
  const workers: ChaosWorker[] = [];
  let workload: ChaosWorkload | null = null;
  let recoveryMs: number | null = null;
  let prefilled = 0;
  let passed = false;
  try {
    await pipeline.connect();
    if (scenario.tmpfsDataDirMiB) {
      execFileSync('mount', [
        '-t',
        'tmpfs',
        '-o',
        `size=${scenario.tmpfsDataDirMiB}m`,
        'tmpfs',
        pipeline.dataDir,
      ]);
      mounted = true;
    }
    workload = workloadOf(rng);
    await workload.createTables();
    prefilled = scenario.prefillRows ?? 300;
    await workload.prefill(prefilled);
    await pipeline.prepareViews();
    const files = pipeline.files(
      { host: '127.0.0.1', port: proxy.port },
      { ...scenario.sinkOverrides },
      { ...scenario.sourceOverrides },
    );
    const n = pipeline.workers ?? 1;
    for (let i = 0; i < n; i++)
      workers.push(
        new ChaosWorker({
          dataDir: n === 1 ? pipeline.dataDir : join(pipeline.dataDir, `worker-${i}`),
          port: await freePort(),
          workerConfigFile: files.worker,
          // A cluster's connectors are registered once, through its first worker (the config topic).
          connectorFiles: i === 0 ? files.connectors : [],
          logFile: i === 0 ? logFile : join(dir, `worker-${i}.log`),
        }),
      );
    const worker = workers[0]!;
    let faultEnd: number | null = null;
    const ctx: TrialContext<ChaosPipeline, ChaosWorkload> = {
      rng,
      profile,
      pipeline,
      workload,
      worker,
      workers,
      proxy,
      dir,
      untilViewsEqual: async (timeoutMs) => {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          if ((await viewDifferences(pipeline, workload!).catch(() => ['unreadable'])).length === 0)
            return true;
          if (Date.now() >= deadline) return false;
          await sleep(500);
        }
      },
      faultEnded: () => {
        faultEnd = Date.now();
      },
      note: (text) => {
        notes.push(text);
        appendFileSync(logFile, `--- chaos: ${text}\n`);
      },
      count: (name, n = 1) => {
        counts[name] = (counts[name] ?? 0) + n;
      },
    };
    await scenario.prepare?.(ctx);
    // The first worker last: a cluster's connectors then appear with every member already joined and
    // are spread at once, not moved while their initial snapshot runs.
    for (const w of [...workers].reverse()) await w.start();
    // Changes committed while the slot is being created, or before an interrupted initial snapshot is
    // taken again on a recreated slot, reach the log as snapshot rows, not change events: the ledger
    // starts once the slot exists and the snapshot is in the views.
    await pipeline.untilCapturing();
    if (!scenario.startsWorkload) {
      if (!(await ctx.untilViewsEqual(180_000)))
        throw new Error('the initial snapshot did not reach the views in 180 s');
      workload.start();
    }
    try {
      await scenario.inject(ctx);
    } finally {
      await workload.stop();
      await proxy.set({ kind: 'pass' });
    }
    faultEnd ??= Date.now();
    for (const w of workers) {
      w.noteOwnExit();
      if (!w.running) await w.start();
    }
    const diff = await quiesce(pipeline, workload, scenario.quiescenceMs ?? QUIESCENCE_MS);
    if (diff.length > 0) problems.push(...diff.slice(0, 20).map((d) => `divergent: ${d}`));
    else recoveryMs = Date.now() - faultEnd;
    const divergent = diff.length;
    if (divergent > 0) await untilLogComplete(pipeline, workload, 60_000);
    const failedTasks = await failedTaskStates(worker);
    problems.push(...failedTasks);
    for (const [i, w] of workers.entries()) {
      w.noteOwnExit();
      for (const exit of w.unexpectedExits)
        problems.push(`the ${n === 1 ? 'worker' : `worker ${i}`} process died on its own (${exit})`);
    }
    if (scenario.verify) problems.push(...(await scenario.verify(ctx)));
    await Promise.all(workers.map((w) => w.stop()));
    const verdict = checkLog(workload.ledger, await pipeline.loggedChanges());
    if (verdict.lost > 0 || verdict.duplicated > 0) {
      problems.push(...verdict.examples);
      recoveryMs = null;
    }
    return finish({ lost: verdict.lost, duplicated: verdict.duplicated, divergent });
  } catch (error) {
    problems.push(`trial failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return finish({ lost: 0, duplicated: 0, divergent: 0 });
  } finally {
    await workload?.stop().catch(() => undefined);
    for (const w of workers) await w.kill().catch(() => undefined);
    await proxy.close();
    await pipeline.close();
    if (mounted) execFileSync('umount', ['-l', pipeline.dataDir]);
    if (passed && !keep) rmSync(dir, { recursive: true, force: true });
  }

  function finish(v: { lost: number; duplicated: number; divergent: number }): TrialResult {
    const failed = problems.length > 0;
    const result: TrialResult = {
      scenario: scenario.name,
      trial,
      seed,
      transactions: workload?.transactions ?? 0,
      changes: (workload?.ledger.length ?? 0) + prefilled * 2,
      ...v,
      recoveryMs,
      peakRssBytes: Math.max(0, ...workers.map((w) => w.peakRssBytes)),
      workerErrors: workers.flatMap((w, i) => w.errors().map((e) => (i === 0 ? e : `worker ${i}: ${e}`))),
      problems,
      notes,
      counts,
      keptAt: failed || keep ? dir : null,
    };
    passed = !failed;
    // The ledger beside the kept log lets a failure be traced to its transactions.
    if (failed && workload) writeFileSync(join(dir, 'ledger.json'), JSON.stringify(workload.ledger));
    return result;
  }
}

/**
 * Waits until every view equals its table and the log holds every committed change; returns the last
 * differences (empty once quiet).
 */
async function quiesce(
  pipeline: ChaosPipeline,
  workload: ChaosWorkload,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let diff: string[] = [];
  let viewsEqualSince: number | null = null;
  for (;;) {
    try {
      diff = await viewDifferences(pipeline, workload);
      if (diff.length === 0) {
        const verdict = checkLog(workload.ledger, await pipeline.loggedChanges());
        if (verdict.lost === 0) return [];
        // The views are complete, so the log is too unless something is lost: the final check counts
        // it; waiting longer than a short grace would only delay the report.
        viewsEqualSince ??= Date.now();
        if (Date.now() - viewsEqualSince > 30_000) return [];
      }
    } catch (error) {
      diff = [`view not readable: ${error instanceof Error ? error.message : String(error)}`];
    }
    if (Date.now() > deadline) return diff;
    await sleep(1000);
  }
}

async function viewDifferences(pipeline: ChaosPipeline, workload: ChaosWorkload): Promise<string[]> {
  const diff: string[] = [];
  for (const table of pipeline.viewTables) {
    const rows = workload.model.get(table)!;
    diff.push(...diffView(rows, await pipeline.viewRows(table), table));
  }
  return diff;
}

/** The log side of quiescence on its own: a divergent view must not cut the log's catching up short. */
async function untilLogComplete(pipeline: ChaosPipeline, workload: ChaosWorkload, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (checkLog(workload.ledger, await pipeline.loggedChanges()).lost === 0) return;
    await sleep(1000);
  }
}

/** Connectors or tasks in FAILED state: a task death the scenario did not expect. */
async function failedTaskStates(worker: ChaosWorker): Promise<string[]> {
  type Status = {
    status: { connector: { state: string }; tasks: Array<{ id: number; state: string; trace?: string }> };
  };
  const all = await worker.get<Record<string, Status>>('/connectors?expand=status');
  if (!all) return ['the worker does not answer GET /connectors?expand=status'];
  const out: string[] = [];
  for (const [name, { status }] of Object.entries(all)) {
    if (status.connector.state === 'FAILED') out.push(`connector ${name} FAILED`);
    for (const t of status.tasks)
      if (t.state === 'FAILED') out.push(`task ${name}-${t.id} FAILED: ${(t.trace ?? '').split('\n')[0]}`);
  }
  return out;
}
