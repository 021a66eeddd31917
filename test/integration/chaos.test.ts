import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireServer } from '../helpers/servers.ts';
import { NODE } from '../helpers/worker-process.ts';

/**
 * The CI subset of the fault suite (`npm run chaos`): a fixed seed, one short trial of a few scenarios,
 * zero loss and divergence; and the suite's self-test, which breaks an acknowledgement on purpose and must
 * make the run fail with the divergence reported.
 */
const dir = mkdtempSync(join(tmpdir(), 'seam-chaos-ci-'));
const MAIN = join(import.meta.dirname, '..', 'chaos', 'main.ts');

interface Report {
  scenarios: Array<{
    scenario: string;
    trials: number;
    lost: number;
    duplicated: number;
    divergent: number;
    failedTrials: number;
  }>;
}

function chaos(args: string[]): Promise<{ code: number | null; output: string; report: Report | null }> {
  const report = join(dir, `report-${args[0]}.json`);
  return new Promise((resolve) => {
    const child = spawn(NODE, [MAIN, ...args, '--profile', 'ci', '--report', report], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('exit', (code) => {
      let parsed: Report | null = null;
      try {
        parsed = JSON.parse(readFileSync(report, 'utf8')) as Report;
      } catch {
        // no report: the output says why
      }
      resolve({ code, output, report: parsed });
    });
  });
}

beforeAll(async () => {
  await requireServer('postgres');
  await requireServer('elasticsearch');
  await requireServer('mariadb');
  await requireServer('cassandra');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fault suite (CI subset)', () => {
  it('kills, a terminated walsender, Elasticsearch and Cassandra outages and kills of a MariaDB pipeline lose nothing and leave the views equal', async () => {
    const scenarios = [
      'kill-streaming',
      'pg-terminate-walsender',
      'es-outage',
      'mariadb-kill-streaming',
      'cassandra-outage',
    ];
    const run = await chaos([...scenarios, '--trials', '1', '--seed', '20261202']);
    expect(run.code, run.output).toBe(0);
    expect(run.report?.scenarios.map((s) => s.scenario).sort()).toEqual([...scenarios].sort());
    for (const s of run.report!.scenarios) {
      expect(s, run.output).toMatchObject({
        trials: 1,
        failedTrials: 0,
        lost: 0,
        duplicated: 0,
        divergent: 0,
      });
    }
  }, 420_000);

  it('catches a sink that acknowledges writes it never made (the check can fail)', async () => {
    const run = await chaos(['self-test-ack-before-durable', '--trials', '1', '--seed', '20261202']);
    expect(run.code, run.output).toBe(1);
    const s = run.report!.scenarios[0]!;
    expect(s.failedTrials).toBe(1);
    expect(s.divergent, run.output).toBeGreaterThan(0);
    expect(run.output).toMatch(/FAILED: rerun with --seed 20261202/);
  }, 240_000);
});
