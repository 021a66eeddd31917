import type { FieldPlan } from '../api/field-plan.ts';
import {
  ConfigError,
  type ConfigProblem,
  ConnectError,
  type ConnectRecord,
  DataError,
  type Predicate,
  type PredicatePlugin,
  type Transformation,
  type TransformPlugin,
} from '../api/index.ts';
import { type Draft, hooksOf, type TransformHooks } from '../api/transform-hooks.ts';
import type { PluginRegistry } from '../plugins/registry.ts';
import { type Fused, fuse } from './transform-fusion.ts';

/**
 * Builds the single-message-transform chain of a connector from its flat config (`transforms=a,b`,
 * `transforms.a.type=…`, `transforms.a.predicate=p`, `transforms.a.negate=true`, `predicates=p`,
 * `predicates.p.type=…`) and applies it to records. Validation collects every problem of every alias
 * before anything runs, so a bad chain fails at submit time, not at the first record.
 */

/** One configured transform with its optional predicate. */
export interface TransformStep {
  readonly alias: string;
  readonly transformation: Transformation;
  readonly predicate: Predicate | null;
  readonly negate: boolean;
}

function listOf(text: string | undefined): string[] {
  if (text === undefined) return [];
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** The keys under `<prefix>` with the prefix removed (`transforms.a.field` → `field`). */
function subConfig(config: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}

function duplicates(names: readonly string[]): string[] {
  return [...new Set(names.filter((n, i) => names.indexOf(n) !== i))];
}

type Resolved<P> = { plugin: P } | { problem: ConfigProblem };

function resolvePlugin<K extends 'transformation' | 'predicate'>(
  registry: PluginRegistry,
  kind: K,
  key: string,
  typeName: string | undefined,
): Resolved<K extends 'transformation' ? TransformPlugin : PredicatePlugin> {
  if (typeName === undefined || typeName.trim() === '') {
    return {
      problem: { key, message: `Missing required configuration "${key}" which has no default value.` },
    };
  }
  try {
    return {
      plugin: registry.resolve(typeName, kind) as K extends 'transformation'
        ? TransformPlugin
        : PredicatePlugin,
    };
  } catch (e) {
    if (e instanceof ConnectError) return { problem: { key, message: e.message } };
    throw e;
  }
}

/** Problems of one plugin's own keys: spec problems first; if none, whatever its factory rejects. */
function pluginProblems(
  plugin: TransformPlugin | PredicatePlugin,
  raw: Record<string, string>,
  prefix: string,
): ConfigProblem[] {
  const problems = plugin.configSpec
    .validate(raw)
    .problems.map((p) => ({ key: prefix + p.key, message: p.message }));
  if (problems.length > 0) return problems;
  try {
    const instance = plugin.create(raw);
    instance.close?.();
    return [];
  } catch (e) {
    if (e instanceof ConfigError)
      return e.problems.map((p) => ({
        key: p.key ? prefix + p.key : prefix.slice(0, -1),
        message: p.message,
      }));
    if (e instanceof ConnectError) return [{ key: `${prefix}type`, message: e.message }];
    throw e;
  }
}

export function validateTransformConfig(
  config: Readonly<Record<string, string>>,
  registry: PluginRegistry,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const aliases = listOf(config.transforms);
  const predicateNames = listOf(config.predicates);
  for (const d of duplicates(aliases))
    problems.push({ key: 'transforms', message: `Duplicate alias provided: ${d}` });
  for (const d of duplicates(predicateNames))
    problems.push({ key: 'predicates', message: `Duplicate alias provided: ${d}` });

  for (const alias of new Set(aliases)) {
    const prefix = `transforms.${alias}.`;
    const resolved = resolvePlugin(registry, 'transformation', `${prefix}type`, config[`${prefix}type`]);
    if ('problem' in resolved) problems.push(resolved.problem);
    else problems.push(...pluginProblems(resolved.plugin, subConfig(config, prefix), prefix));

    const predicate = config[`${prefix}predicate`]?.trim();
    if (predicate && !predicateNames.includes(predicate)) {
      problems.push({
        key: `${prefix}predicate`,
        message: `Predicate '${predicate}' is not declared; declared predicates: ${predicateNames.join(', ') || '(none)'} (add it to "predicates")`,
      });
    }
    const negate = config[`${prefix}negate`];
    if (negate !== undefined && !/^(true|false)$/i.test(negate.trim())) {
      problems.push({ key: `${prefix}negate`, message: `Invalid value ${negate}: expected true or false` });
    }
  }

  for (const name of new Set(predicateNames)) {
    const prefix = `predicates.${name}.`;
    const resolved = resolvePlugin(registry, 'predicate', `${prefix}type`, config[`${prefix}type`]);
    if ('problem' in resolved) problems.push(resolved.problem);
    else problems.push(...pluginProblems(resolved.plugin, subConfig(config, prefix), prefix));
  }
  return problems;
}

/** A struct value: a plain object (what every field-rewriting step requires of a struct). */
function isStruct(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What {@link TransformChain} `#fused` returns when the record does not take the fused run. */
const NOT_FUSED: unique symbol = Symbol('not fused');

/** A data error names the step it came from; anything else is a bug and passes unchanged. */
function withAlias(step: TransformStep, e: unknown): unknown {
  return e instanceof DataError ? new DataError(`${step.alias}: ${e.message}`, { cause: e }) : e;
}

export class TransformChain {
  readonly steps: readonly TransformStep[];
  readonly aliases: readonly string[];
  readonly #predicates: readonly Predicate[];
  /** Per step: the internal speed hooks of its transformation (null: it has none, `apply` only). */
  readonly #hooks: readonly (TransformHooks | null)[];
  /** Per step that can start a fused run: the run fused per entry plan (null: it does not fuse). */
  readonly #fusions: readonly (WeakMap<FieldPlan, Fused | null> | null)[];
  readonly #lastEntry: (FieldPlan | null)[];
  readonly #lastFused: (Fused | null)[];
  /**
   * The run {@link #fused} last took (a field, so no result object is allocated per record; it holds a
   * long-lived Fused, not the young value built per record, whose store would cost a write barrier).
   */
  #run: Fused | null = null;

  constructor(steps: readonly TransformStep[], predicates: readonly Predicate[] = []) {
    this.steps = steps;
    this.aliases = steps.map((s) => s.alias);
    this.#predicates = predicates;
    const hooks = steps.map((s) => hooksOf(s.transformation));
    this.#hooks = hooks;
    this.#fusions = hooks.map((own, i) => {
      const canStart = own?.entryPlan !== undefined || own?.fieldPlan !== undefined;
      const canFollow = steps[i + 1]?.predicate === null && hooks[i + 1]?.fieldPlan !== undefined;
      return canStart && canFollow ? new WeakMap() : null;
    });
    this.#lastEntry = steps.map(() => null);
    this.#lastFused = steps.map(() => null);
  }

  /** Validates everything first, so a bad config throws one ConfigError listing every problem. */
  static fromConfig(config: Readonly<Record<string, string>>, registry: PluginRegistry): TransformChain {
    const problems = validateTransformConfig(config, registry);
    if (problems.length > 0) throw new ConfigError(problems);
    const predicates = new Map<string, Predicate>();
    for (const name of new Set(listOf(config.predicates))) {
      const prefix = `predicates.${name}.`;
      const plugin = registry.resolve(config[`${prefix}type`]!, 'predicate');
      predicates.set(name, plugin.create(subConfig(config, prefix)));
    }
    const steps = listOf(config.transforms).map((alias): TransformStep => {
      const prefix = `transforms.${alias}.`;
      const plugin = registry.resolve(config[`${prefix}type`]!, 'transformation');
      const own = subConfig(config, prefix);
      const predicateName = own.predicate?.trim();
      return {
        alias,
        transformation: plugin.create(own),
        predicate: predicateName ? predicates.get(predicateName)! : null,
        negate: own.negate?.trim().toLowerCase() === 'true',
      };
    });
    return new TransformChain(steps, [...predicates.values()]);
  }

  /**
   * Runs every step in order; null as soon as one drops the record. Consecutive steps that have the
   * internal `applyTo` hook (src/api/transform-hooks.ts) share one private copy of the record instead of each making its own; once a predicate or a
   * plain `apply` has seen that copy, it is never written again (the next `applyTo` step copies anew).
   * The input is never written. Same result as running {@link applyStep} for each step.
   *
   * A run of steps that describe themselves as field plans (the `fieldPlan` / `entryPlan` hooks), with no predicate
   * after its first step, is fused: the run's output value is built once, by one generated object literal
   * per input schema, instead of once per step (see transform-fusion.ts).
   */
  apply<R extends ConnectRecord>(record: R): R | null {
    let current: R = record;
    let draft: Draft<R> | null = null;
    const steps = this.steps;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]!;
      if (step.predicate !== null) {
        draft = null;
        if (step.predicate.test(current) === step.negate) continue;
      }
      const t = step.transformation as Transformation<R>;
      const fusions = this.#fusions[i];
      if (fusions) {
        const built = this.#fused(fusions, i, current);
        if (built !== NOT_FUSED) {
          const fused = this.#run!;
          if (draft === null) {
            draft = { ...current } as Draft<R>;
            current = draft as R;
          }
          draft.valueSchema = fused.schema;
          draft.value = built;
          if (fused.topic !== null) draft.topic = fused.topic(draft.topic);
          i = fused.end - 1;
          continue;
        }
      }
      try {
        const hooks = this.#hooks[i] as TransformHooks<R> | null;
        if (hooks?.applyTo !== undefined) {
          if (draft === null) {
            draft = { ...current } as Draft<R>;
            current = draft as R;
          }
          if (!hooks.applyTo(draft)) return null;
        } else {
          draft = null;
          const out = t.apply(current);
          if (out === null) return null;
          current = out;
        }
      } catch (e) {
        throw withAlias(step, e);
      }
    }
    return current;
  }

  /**
   * The value the fused run from step `i` builds for `record`, with the run left in {@link #run};
   * NOT_FUSED when the record does not take it (no plan for it, or a step would throw: the steps then run
   * one by one, so the error names its step). Writes nothing else.
   */
  #fused(fusions: WeakMap<FieldPlan, Fused | null>, i: number, record: ConnectRecord): unknown {
    const hooks = this.#hooks[i]!;
    // A plan can fail to build too (e.g. Cast of a field default): the step then fails on its own.
    try {
      let entry: FieldPlan | null = null;
      let input: unknown = record.value;
      if (hooks.entryPlan !== undefined) {
        const p = hooks.entryPlan(record);
        if (p !== null) {
          entry = p;
          input = p.input(record);
        }
      } else if (record.valueSchema?.type === 'struct' && isStruct(input)) {
        entry = hooks.fieldPlan!(record.valueSchema);
      }
      if (entry === null) return NOT_FUSED;
      // The last entry plan of this step first: a stream mostly repeats one schema.
      let fused: Fused | null | undefined =
        this.#lastEntry[i] === entry ? this.#lastFused[i] : fusions.get(entry);
      if (fused === undefined) {
        fused = fuse(this.steps, this.#hooks, i, entry);
        fusions.set(entry, fused);
      }
      this.#lastEntry[i] = entry;
      this.#lastFused[i] = fused;
      if (fused === null) return NOT_FUSED;
      this.#run = fused;
      return fused.copy === null ? input : fused.copy(input as Readonly<Record<string, unknown>>, record);
    } catch (e) {
      if (e instanceof DataError) return NOT_FUSED;
      throw e;
    }
  }

  /** Runs step `index` alone (for per-stage error reporting); skips it when its predicate says so. */
  applyStep<R extends ConnectRecord>(index: number, record: R): R | null {
    const step = this.steps[index]!;
    if (step.predicate !== null && step.predicate.test(record) === step.negate) return record;
    try {
      return step.transformation.apply(record) as R | null;
    } catch (e) {
      throw withAlias(step, e);
    }
  }

  close(): void {
    for (const s of this.steps) s.transformation.close?.();
    for (const p of this.#predicates) p.close?.();
  }
}
