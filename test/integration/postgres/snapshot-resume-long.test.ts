import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrial, setUpTrial, type TrialOptions, tearDownTrial } from './snapshot-resume-harness.ts';

/**
 * The acceptance run of resumable snapshots: a 1,000,000-row table, a `seam start` worker SIGKILLed at 5
 * random points of the snapshot with concurrent updates and inserts, peak worker RSS under 300 MB. It
 * takes minutes, so it runs only with SEAM_LONG_TESTS=1; snapshot-resume.test.ts runs the same trial
 * at 100k rows in every `npm test`.
 */
const LONG = process.env.SEAM_LONG_TESTS === '1';
const TRIAL: TrialOptions = {
  name: 'resume_long',
  rows: 1_000_000,
  interruptions: 5,
  signal: 'SIGKILL',
  chunk: 10_240,
  threads: 2,
};

let db: pg.Client | undefined;

describe.runIf(LONG)('PostgreSQL source: resumable initial snapshot of 1M rows (SEAM_LONG_TESTS=1)', () => {
  beforeAll(async () => {
    db = await setUpTrial(TRIAL);
  }, 300_000);

  afterAll(async () => {
    await tearDownTrial(db, TRIAL);
  });

  it('survives 5 SIGKILLs: every row read, duplicates only in the chunks beyond each checkpoint, RSS < 300 MB', async () => {
    const r = await runTrial(db!, TRIAL);
    console.log(
      `pg snapshot resume (long): ${TRIAL.rows} rows, ${TRIAL.interruptions} SIGKILLs at checkpoints ${r.checkpoints.join(', ')}; ${r.reads} reads (${r.duplicates} read twice), ${r.changes} concurrent changes streamed; peak worker RSS ${r.peakRssMb.toFixed(0)} MB`,
    );
    expect(r.peakRssMb).toBeLessThan(300);
  }, 1_200_000);
});
