import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { allowCodeGeneration, generateFunction } from '../../../src/api/code-generation.ts';
import { sample } from './code-generation-sample.ts';

/**
 * Every runtime code generator has an interpreted fallback for where `new Function` is refused
 * (docs/decisions/2026-12-02-plugin-spi-internal-hooks.md). The sample runs each generator; its output
 * with code generation must equal its output without, whether forced off here or refused by node itself.
 * (without-code-generation.test.ts runs the generators' own suites on the fallbacks too.)
 */
describe('generateFunction', () => {
  const realFunction = globalThis.Function;
  afterEach(() => {
    globalThis.Function = realFunction;
    allowCodeGeneration(true);
  });

  it('compiles generated source', () => {
    const add = generateFunction(['a', 'b'], 'return a + b;') as (a: number, b: number) => number;
    expect(add(2, 3)).toBe(5);
  });

  it('gives null when code generation is refused (an EvalError), so the caller takes its fallback', () => {
    globalThis.Function = function refused() {
      throw new EvalError('Code generation from strings disallowed for this context');
    } as unknown as FunctionConstructor;
    expect(generateFunction([], 'return 1;')).toBeNull();
  });

  it('lets any other error through: a syntax error in generated source is a bug', () => {
    expect(() => generateFunction([], 'return {;')).toThrow(SyntaxError);
  });

  it('gives null while a test forces the fallbacks', () => {
    allowCodeGeneration(false);
    expect(generateFunction([], 'return 1;')).toBeNull();
    allowCodeGeneration(true);
    expect(generateFunction([], 'return 1;')).not.toBeNull();
  });
});

describe('every code generator', () => {
  afterEach(() => allowCodeGeneration(true));

  it('gives the same output on its fallback, forced in process', () => {
    const generated = sample();
    expect(generated.generated).toBe(true);
    allowCodeGeneration(false);
    const fallback = sample();
    expect(fallback.generated).toBe(false);
    expect(fallback.outputs).toEqual(generated.outputs);
    expect(generated.outputs.length).toBe(22);
  });

  it('gives the same output under node --disallow-code-generation-from-strings', async () => {
    const script = fileURLToPath(new URL('./code-generation-sample.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--disallow-code-generation-from-strings', script],
      { encoding: 'utf8' },
    );
    const refused = JSON.parse(stdout) as ReturnType<typeof sample>;
    // A generator calling `new Function` itself instead of generateFunction would have thrown there.
    expect(refused.generated).toBe(false);
    expect(refused.outputs).toEqual(sample().outputs);
  });
});
