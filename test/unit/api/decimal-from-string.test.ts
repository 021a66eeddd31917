import { describe, expect, it } from 'vitest';
import { decimalFromString } from '../../../src/api/index.ts';

/** decimalFromString as it was before its fast path: the reference every input is compared with. */
function reference(text: string, scale: number): { unscaled: bigint; scale: number } {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m) throw new RangeError(`not a decimal number: '${text}'`);
  const sign = m[1] === '-' ? -1n : 1n;
  const frac = m[3] ?? '';
  let unscaled = BigInt((m[2] || '0') + frac.slice(0, scale).padEnd(scale, '0'));
  if (frac.length > scale && frac.charCodeAt(scale) - 48 >= 5) unscaled += 1n;
  return { unscaled: sign * unscaled, scale };
}

function outcome(f: () => unknown): unknown {
  try {
    return f();
  } catch (e) {
    return (e as Error).message;
  }
}

/** A small deterministic generator, so a failure names a reproducible input. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('decimalFromString', () => {
  it('matches the regex parser on edge cases', () => {
    const cases = [
      '0',
      '-0',
      '.',
      '-.',
      '5.',
      '.5',
      '-',
      '',
      ' 1.5 ',
      '+1.5',
      '1e5',
      '1..2',
      'abc',
      '12.345',
    ];
    cases.push('999999999999999', '9999999999999999', '99999999.99999999', '-123456789012.34', '0.000001');
    for (const text of cases)
      for (let scale = 0; scale <= 18; scale++)
        expect(
          outcome(() => decimalFromString(text, scale)),
          `${JSON.stringify(text)} at scale ${scale}`,
        ).toEqual(outcome(() => reference(text, scale)));
  });

  it('matches the regex parser on random decimal texts of every length and scale', () => {
    const random = lcg(20261203);
    const chars = '0123456789';
    for (let i = 0; i < 50_000; i++) {
      const intDigits = Math.floor(random() * 18);
      const fracDigits = Math.floor(random() * 10) - 2;
      let text = random() < 0.3 ? '-' : '';
      for (let k = 0; k < intDigits; k++) text += chars[Math.floor(random() * 10)];
      if (fracDigits >= 0) {
        text += '.';
        for (let k = 0; k < fracDigits; k++) text += chars[Math.floor(random() * 10)];
      }
      const scale = Math.floor(random() * 19);
      expect(
        outcome(() => decimalFromString(text, scale)),
        `${JSON.stringify(text)} at scale ${scale}`,
      ).toEqual(outcome(() => reference(text, scale)));
    }
  });
});
