import { writeFileSync } from 'node:fs';
import { medianMax } from './check.ts';
import type { TrialResult } from './trial.ts';

export interface ScenarioSummary {
  readonly scenario: string;
  readonly trials: number;
  readonly failedTrials: number;
  readonly changes: number;
  readonly transactions: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly divergent: number;
  readonly recoveryMs: { median: number | null; max: number | null };
  readonly peakRssMiB: number;
  /** Error lines the workers logged, grouped by text with their count. */
  readonly workerErrors: Record<string, number>;
  readonly counts: Record<string, number>;
  readonly failures: Array<{ trial: number; seed: number; keptAt: string | null; problems: string[] }>;
}

export function summarize(scenario: string, results: readonly TrialResult[]): ScenarioSummary {
  const sum = (f: (r: TrialResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const errors: Record<string, number> = {};
  const counts: Record<string, number> = {};
  for (const r of results) {
    for (const e of r.workerErrors) {
      const key = e.replace(/\d{3,}/g, 'N').slice(0, 200);
      errors[key] = (errors[key] ?? 0) + 1;
    }
    for (const [k, v] of Object.entries(r.counts)) counts[k] = (counts[k] ?? 0) + v;
  }
  return {
    scenario,
    trials: results.length,
    failedTrials: results.filter((r) => r.problems.length > 0).length,
    changes: sum((r) => r.changes),
    transactions: sum((r) => r.transactions),
    lost: sum((r) => r.lost),
    duplicated: sum((r) => r.duplicated),
    divergent: sum((r) => r.divergent),
    recoveryMs: medianMax(results.flatMap((r) => (r.recoveryMs === null ? [] : [r.recoveryMs]))),
    peakRssMiB: Math.round(Math.max(0, ...results.map((r) => r.peakRssBytes)) / 2 ** 20),
    workerErrors: errors,
    counts,
    failures: results
      .filter((r) => r.problems.length > 0)
      .map((r) => ({ trial: r.trial, seed: r.seed, keptAt: r.keptAt, problems: r.problems })),
  };
}

const seconds = (ms: number | null) => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);

/** The printed table, one line per scenario, then the failures and the worker errors. */
export function printSummary(summaries: readonly ScenarioSummary[], out: (line: string) => void): void {
  const header = [
    'scenario',
    'trials',
    'failed',
    'changes',
    'lost',
    'dup',
    'divergent',
    'recovery med/max',
    'peak RSS',
  ];
  const rows = summaries.map((s) => [
    s.scenario,
    String(s.trials),
    String(s.failedTrials),
    String(s.changes),
    String(s.lost),
    String(s.duplicated),
    String(s.divergent),
    `${seconds(s.recoveryMs.median)}/${seconds(s.recoveryMs.max)}`,
    `${s.peakRssMiB} MiB`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  out(line(header));
  for (const r of rows) out(line(r));
  for (const s of summaries) {
    const extra = Object.entries(s.counts).map(([k, v]) => `${k}=${v}`);
    if (extra.length > 0) out(`${s.scenario}: ${extra.join(', ')}`);
    for (const [e, n] of Object.entries(s.workerErrors)) out(`${s.scenario}: worker logged ${n}x: ${e}`);
    for (const f of s.failures) {
      out(`${s.scenario} trial ${f.trial} FAILED (seed ${f.seed}; logs in ${f.keptAt}):`);
      for (const p of f.problems.slice(0, 10)) out(`  ${p.split('\n')[0]}`);
    }
  }
}

export function writeReport(
  file: string,
  run: { seed: number; profile: string; args: string[]; startedAt: string; endedAt: string },
  summaries: readonly ScenarioSummary[],
  trials: readonly TrialResult[],
): void {
  writeFileSync(file, `${JSON.stringify({ version: 1, ...run, scenarios: summaries, trials }, null, 2)}\n`);
}
