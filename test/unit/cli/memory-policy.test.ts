import { describe, expect, it } from 'vitest';
import { workerMemoryFlags } from '../../../src/cli/memory-policy.ts';

describe('worker memory policy', () => {
  it('adds the semi-space cap and a fixed heap growing factor by default', () => {
    expect(workerMemoryFlags([], {})).toEqual(['--max-semi-space-size=8', '--heap-growing-percent=100']);
  });

  it('leaves a flag given on the command line or in NODE_OPTIONS alone, so re-executing adds nothing twice', () => {
    expect(workerMemoryFlags(['--max-semi-space-size=8', '--heap-growing-percent=100'], {})).toEqual([]);
    expect(workerMemoryFlags(['--max-semi-space-size=32'], {})).toEqual(['--heap-growing-percent=100']);
    expect(workerMemoryFlags(['--heap-growing-percent=50'], {})).toEqual(['--max-semi-space-size=8']);
  });

  it('takes its values from the environment, and 0 leaves the setting to V8', () => {
    expect(workerMemoryFlags([], { SEAM_SEMI_SPACE_MB: '4', SEAM_HEAP_GROWING_PERCENT: '0' })).toEqual([
      '--max-semi-space-size=4',
    ]);
    expect(workerMemoryFlags([], { SEAM_SEMI_SPACE_MB: '0', SEAM_HEAP_GROWING_PERCENT: '0' })).toEqual([]);
    expect(workerMemoryFlags([], { SEAM_HEAP_GROWING_PERCENT: 'lots' })).toEqual(['--max-semi-space-size=8']);
  });
});
