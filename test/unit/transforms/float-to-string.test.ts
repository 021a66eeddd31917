import { describe, expect, it } from 'vitest';
import { floatToString } from '../../../transforms/support/cast-value.ts';

/** Cast's float→string fast path must print exactly what the general path, String(n), prints. */
describe('floatToString', () => {
  it('prints non-integral doubles as String(n) does, decimals of up to 9 fraction digits and any double', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const values = [
      -0.5,
      -1.25,
      0.001,
      0.000001,
      1e-7,
      123456.789,
      -999999999.5,
      999999999.999999,
      0.1 + 0.2,
    ];
    for (let i = 0; i < 200_000; i++) {
      const k = Math.floor(random() * 10);
      const scale = 10 ** Math.floor(random() * 10);
      values.push(Math.round((random() - 0.5) * 2 * scale * 10 ** k) / 10 ** k, (random() - 0.5) * scale);
    }
    for (const n of values) if (!Number.isInteger(n)) expect(floatToString(n), String(n)).toBe(String(n));
  });

  it('keeps a .0 on integral values below 1e7', () => {
    expect(floatToString(3)).toBe('3.0');
    expect(floatToString(-0)).toBe('0.0');
    expect(floatToString(12_345_678)).toBe('12345678');
  });
});
