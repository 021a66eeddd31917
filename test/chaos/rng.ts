/** A small deterministic generator (mulberry32), so a failing trial replays with the same seed. */
export type Rng = () => number;

export function seeded(seed: number): Rng {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function between(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

/** The seed of trial `i` of a scenario: a stable function of the run seed and the scenario name. */
export function trialSeed(runSeed: number, scenario: string, trial: number): number {
  let h = runSeed >>> 0;
  for (const c of `${scenario}#${trial}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
