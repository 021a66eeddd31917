import { describe, expect, it } from 'vitest';
import { murmur2 } from '../../../src/log/murmur2.ts';
import { partitionForKey } from '../../../src/log/partitioner.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('murmur2', () => {
  // The vectors of Kafka's UtilsTest.testMurmur2 (clients/src/test/.../common/utils/UtilsTest.java).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s like Kafka', (input, expected) => {
    expect(murmur2(bytes(input))).toBe(expected);
  });
});

describe('partitionForKey', () => {
  it('clears the sign bit before the modulo, like Kafka toPositive', () => {
    // toPositive(-790332482) = 1357151166
    expect(partitionForKey(bytes('foobar'), 10)).toBe(1357151166 % 10);
    expect(partitionForKey(bytes('foobar'), 50)).toBe(16);
    expect(partitionForKey(bytes('21'), 7)).toBe((-973932308 & 0x7fffffff) % 7);
  });

  it('is stable and in range', () => {
    for (let i = 0; i < 200; i++) {
      const p = partitionForKey(bytes(`key-${i}`), 6);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(6);
      expect(partitionForKey(bytes(`key-${i}`), 6)).toBe(p);
    }
  });

  it('places records without a key on partition 0', () => {
    expect(partitionForKey(null, 4)).toBe(0);
  });
});
