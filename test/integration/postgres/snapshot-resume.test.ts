import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrial, setUpTrial, type TrialOptions, tearDownTrial } from './snapshot-resume-harness.ts';

/**
 * Resumable initial snapshots, against a `seam start` worker process: interrupted at random points with
 * SIGKILL, and with SIGTERM, while rows change, each restart resumes after the last chunk in the log.
 * The 1M-row, 5-kill acceptance run is snapshot-resume-long.test.ts (SEAM_LONG_TESTS=1).
 */
const KILLS: TrialOptions = {
  name: 'resume_kill',
  rows: 100_000,
  interruptions: 3,
  signal: 'SIGKILL',
  chunk: 2000,
  fetch: 1000,
  threads: 2,
  // Small appends slow the worker down enough for the interruptions to land inside a 100k-row snapshot.
  connector: { 'max.batch.size': '200', 'max.queue.size': '400' },
};
const TERM: TrialOptions = {
  ...KILLS,
  name: 'resume_term',
  rows: 30_000,
  interruptions: 1,
  signal: 'SIGTERM',
  threads: 1,
};

let kills: pg.Client | undefined;
let term: pg.Client | undefined;

beforeAll(async () => {
  kills = await setUpTrial(KILLS);
  term = await setUpTrial(TERM);
}, 120_000);

afterAll(async () => {
  await tearDownTrial(kills, KILLS);
  await tearDownTrial(term, TERM);
});

describe('PostgreSQL source: resumable initial snapshot', () => {
  it(`resumes after ${KILLS.interruptions} SIGKILLs with concurrent changes: every row read, duplicates only in the chunks beyond each checkpoint`, async () => {
    const r = await runTrial(kills!, KILLS);
    // The worker logs JSON lines: the key's quotes are escaped there.
    expect(r.output).toMatch(
      /Resuming snapshot of public\.pgsnap_resume_kill after key \[\\"\d+\\"\] \(\d+ rows already captured\)/,
    );
    console.log(
      `pg snapshot resume: ${KILLS.rows} rows, ${KILLS.interruptions} SIGKILLs at checkpoints ${r.checkpoints.join(', ')}; ${r.reads} reads (${r.duplicates} read twice), ${r.changes} concurrent changes streamed; peak worker RSS ${r.peakRssMb.toFixed(0)} MB`,
    );
    // Memory is bounded by the queue, not by the table: the same limit as the 1M-row trial.
    expect(r.peakRssMb).toBeLessThan(300);
  }, 240_000);

  it('resumes after SIGTERM, with the progress carried over in the task status', async () => {
    const r = await runTrial(term!, TERM);
    expect(r.checkpoints[0]).toBeGreaterThan(0);
    expect(r.output).toContain(`(${r.checkpoints[0]} rows already captured)`);
    // Keys are 1..rows, so the rows before the checkpoint are its key.
    expect(r.resumedInStatus).toEqual([r.checkpoints[0]]);
    // A graceful stop leaves nothing of a finished chunk unstored: at most the open chunks are read again.
    expect(r.duplicates).toBeLessThanOrEqual(TERM.threads * TERM.chunk);
    console.log(
      `pg snapshot resume after SIGTERM: checkpoint ${r.checkpoints[0]}, ${r.duplicates} rows read twice, peak RSS ${r.peakRssMb.toFixed(0)} MB`,
    );
  }, 180_000);
});
