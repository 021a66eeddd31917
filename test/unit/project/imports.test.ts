import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles, importsOf, pluginRuleViolations, scanImports } from './import-graph.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const SCANNED = ['src', 'connectors', 'transforms'];

describe('the project imports', () => {
  const edges = scanImports(ROOT, SCANNED);

  it('scans the real sources (a broken scan would pass everything)', () => {
    expect(edges.length).toBeGreaterThan(300);
    expect(edges).toContainEqual({
      from: 'transforms/cast.ts',
      to: 'src/api/index.ts',
      specifier: '../src/api/index.ts',
      kind: 'static',
    });
  });

  it('connectors/ and transforms/ import only src/api and their own folder (DESIGN.md, rule 2)', () => {
    expect(pluginRuleViolations(edges), 'plugin files importing past src/api').toEqual([]);
  });

  it('has no import cycle in src/, connectors/ or transforms/ (STYLE.md, rule 15)', () => {
    expect(importCycles(edges), 'import cycles').toEqual([]);
  });
});

describe('the import checker', () => {
  const root = mkdtempSync(join(tmpdir(), 'seam-imports-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  write('src/api/index.ts', 'export const x = 1;\n');
  write('src/runtime/worker.ts', "import { x } from '../api/index.ts';\nexport const w = x;\n");
  write('src/runtime/a.ts', "import { b } from './b.ts';\nexport const a = () => b;\n");
  write('src/runtime/b.ts', "import {\n  a,\n} from './a.ts';\nexport const b = () => a;\n");
  write('src/runtime/typed.ts', "import type { T } from './typed-back.ts';\nexport type U = T;\n");
  write('src/runtime/typed-back.ts', "import type { U } from './typed.ts';\nexport type T = U;\n");
  write('src/cli/lazy.ts', "export const run = async () => (await import('./main.ts')).name;\n");
  write('src/cli/main.ts', "import { run } from './lazy.ts';\nexport const name = 'm'; void run;\n");
  write(
    'connectors/pg/task.ts',
    [
      "import { x } from '../../src/api/index.ts';",
      "import { w } from '../../src/runtime/worker.ts';",
      "import { c } from './config.ts';",
      "import { other } from '../mysql/config.ts';",
      "import pg from 'pg';",
      "// import { gone } from '../../src/runtime/commented-out.ts';",
      'export { x, w, c, other, pg };',
    ].join('\n'),
  );
  write('connectors/pg/config.ts', 'export const c = 1;\n');
  write('connectors/mysql/config.ts', 'export const other = 1;\n');
  write('connectors/index.ts', "export { c } from './pg/config.ts';\n");
  write('transforms/cast.ts', "export type { W } from '../src/runtime/worker-types.ts';\n");
  write('transforms/support/util.ts', "import '../../src/log/side-effect.ts';\n");
  const edges = scanImports(root, SCANNED);

  it('names each plugin file importing past src/api, with the import', () => {
    expect(pluginRuleViolations(edges)).toEqual([
      "connectors/pg/task.ts imports '../../src/runtime/worker.ts' (src/runtime/worker.ts): plugins may import only src/api and connectors/pg/",
      "connectors/pg/task.ts imports '../mysql/config.ts' (connectors/mysql/config.ts): plugins may import only src/api and connectors/pg/",
      "transforms/cast.ts imports '../src/runtime/worker-types.ts' (src/runtime/worker-types.ts): plugins may import only src/api and transforms/",
      "transforms/support/util.ts imports '../../src/log/side-effect.ts' (src/log/side-effect.ts): plugins may import only src/api and transforms/",
    ]);
  });

  it('reports a two-file cycle of static imports, not type-only or lazy ones', () => {
    expect(importCycles(edges)).toEqual(['src/runtime/a.ts -> src/runtime/b.ts -> src/runtime/a.ts']);
  });

  it('finds the cycle through a longer loop and a file importing itself', () => {
    const edge = (from: string, to: string) => ({ from, to, specifier: to, kind: 'static' as const });
    expect(
      importCycles([edge('x.ts', 'y.ts'), edge('y.ts', 'z.ts'), edge('z.ts', 'x.ts'), edge('s.ts', 's.ts')]),
    ).toEqual(['s.ts -> s.ts', 'x.ts -> y.ts -> z.ts -> x.ts']);
  });

  it('reads every import form and ignores package imports', () => {
    const text = [
      "import a from './a.ts';",
      "import type { B } from './b.ts';",
      "export * from './c.ts';",
      "export type { D } from './d.ts';",
      "import './e.ts';",
      "const f = await import('./f.ts');",
      "import { Pool } from 'pg';",
      "/* import { g } from './g.ts'; */",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      { specifier: './a.ts', kind: 'static' },
      { specifier: './b.ts', kind: 'type' },
      { specifier: './c.ts', kind: 'static' },
      { specifier: './d.ts', kind: 'type' },
      { specifier: './e.ts', kind: 'static' },
      { specifier: './f.ts', kind: 'dynamic' },
    ]);
  });
});
