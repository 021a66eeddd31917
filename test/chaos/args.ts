/** `npm run chaos -- [scenario...] [--trials N] [--seed S] [--minutes M] [--profile ci|full] [--report FILE] [--keep] [--list]` */
export interface ChaosArgs {
  readonly scenarios: string[];
  readonly trials: number;
  readonly seed: number;
  /** Wall-clock budget: no new trial starts after it (running trials finish). */
  readonly minutes: number;
  readonly profile: 'ci' | 'full';
  readonly report: string;
  readonly list: boolean;
  /** Keeps every trial's directory (logs, data), not only the failing ones'. */
  readonly keep: boolean;
}

export function parseArgs(argv: readonly string[]): ChaosArgs {
  const out = {
    scenarios: [] as string[],
    trials: 1,
    seed: Date.now() % 1_000_000,
    minutes: 60,
    profile: 'full' as 'ci' | 'full',
    report: 'chaos-report.json',
    list: false,
    keep: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const int = (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${arg} wants a whole number, got ${v}`);
      return n;
    };
    if (arg === '--trials') out.trials = Math.max(1, int(value()));
    else if (arg === '--seed') out.seed = int(value());
    else if (arg === '--minutes') out.minutes = Number(value());
    else if (arg === '--report') out.report = value();
    else if (arg === '--list') out.list = true;
    else if (arg === '--keep') out.keep = true;
    else if (arg === '--profile') {
      const v = value();
      if (v !== 'ci' && v !== 'full') throw new Error('--profile is ci or full');
      out.profile = v;
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else out.scenarios.push(arg);
  }
  if (!(out.minutes > 0)) throw new Error('--minutes must be positive');
  return out;
}
