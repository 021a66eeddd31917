import { mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { requireServer } from '../helpers/servers.ts';
import { parseArgs } from './args.ts';
import { loadScenarios } from './registry.ts';
import { printSummary, type ScenarioSummary, summarize, writeReport } from './report.ts';
import { trialSeed } from './rng.ts';
import { runTrial, type TrialResult } from './trial.ts';

/**
 * `npm run chaos`: runs trials of the fault scenarios against the servers of `npm run services`, prints a
 * summary per scenario, writes the JSON report and exits 1 on any loss, duplicate, divergence or failed
 * check (the failing trials' logs and data are kept, with their seeds, for a replay).
 */
async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const all = await loadScenarios();
  if (args.list) {
    for (const s of all)
      console.log(`${s.name.padEnd(24)} ${s.description}${s.explicitOnly ? ' (by name only)' : ''}`);
    return 0;
  }
  const unknown = args.scenarios.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; --list shows them`);
  const chosen =
    args.scenarios.length > 0
      ? all.filter((s) => args.scenarios.includes(s.name))
      : all.filter((s) => !s.explicitOnly);
  for (const name of new Set(chosen.flatMap((s) => s.requires))) await requireServer(name);

  const startedAt = new Date().toISOString();
  const runDir = join(tmpdir(), 'seam-chaos', `${startedAt.replace(/[:.]/g, '-')}-seed${args.seed}`);
  mkdirSync(runDir, { recursive: true });
  const budgetEnd = Date.now() + args.minutes * 60_000;
  console.log(
    `seam chaos: ${chosen.map((s) => s.name).join(', ')}; ${args.trials} trial(s) each, seed ${args.seed}, profile ${args.profile}, budget ${args.minutes} min`,
  );
  const results: TrialResult[] = [];
  // Round-robin over scenarios, so a time budget that runs out leaves every scenario with trials.
  outer: for (let trial = 0; trial < args.trials; trial++) {
    for (const s of chosen) {
      if (Date.now() > budgetEnd) {
        console.log(`time budget of ${args.minutes} min reached: no further trials`);
        break outer;
      }
      const seed = trialSeed(args.seed, s.name, trial);
      const t0 = Date.now();
      const r = await runTrial(s, trial, seed, args.profile, join(runDir, `${s.name}-${trial}`), args.keep);
      results.push(r);
      const verdict = r.problems.length === 0 ? 'ok' : `FAILED (${r.problems[0]!.split('\n')[0]})`;
      console.log(
        `${s.name} #${trial} seed ${seed}: ${r.changes} changes, ${r.transactions} tx, lost ${r.lost}, dup ${r.duplicated}, divergent ${r.divergent}, ${((Date.now() - t0) / 1000).toFixed(0)}s: ${verdict}`,
      );
    }
  }
  const summaries: ScenarioSummary[] = chosen.map((s) =>
    summarize(
      s.name,
      results.filter((r) => r.scenario === s.name),
    ),
  );
  console.log('');
  printSummary(summaries, (line) => console.log(line));
  const report = resolve(args.report);
  writeReport(
    report,
    {
      seed: args.seed,
      profile: args.profile,
      args: process.argv.slice(2),
      startedAt,
      endedAt: new Date().toISOString(),
    },
    summaries,
    results,
  );
  console.log(`report: ${report}`);
  const failed = results.some((r) => r.problems.length > 0);
  if (failed) console.log(`FAILED: rerun with --seed ${args.seed} (logs kept under ${runDir})`);
  else if (!args.keep) rmSync(runDir, { recursive: true, force: true });
  else console.log(`trial directories kept under ${runDir}`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
