import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, it } from 'vitest';

/**
 * src/storage/ holds the stores every herder plugs in (standalone today, distributed later); it must not
 * depend on any herder, so the stored types live in src/storage/ and herders import them from there.
 */
const root = resolve(import.meta.dirname, '../../..');
const storage = join(root, 'src/storage');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}

/** Every relative module specifier of a file: static and type imports, re-exports, dynamic imports. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;
  for (const m of text.matchAll(pattern)) found.push(m[1]!);
  return found;
}

it('src/storage/ imports nothing from src/herder/', () => {
  const files = tsFiles(storage);
  expect(files.map((f) => relative(storage, f))).toEqual(
    expect.arrayContaining(['config-store.ts', 'status-store.ts', 'connector-state.ts']),
  );
  const offending: string[] = [];
  for (const file of files) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(file), spec));
      if (target.startsWith('src/herder/') || target === 'src/herder')
        offending.push(`${relative(root, file)} → ${spec}`);
    }
  }
  expect(offending).toEqual([]);
});

it('the scan sees the kinds of import it must refuse', () => {
  const text = [
    "import type { A } from '../herder/herder.ts';",
    "export type { B } from '../herder/x.ts';",
    "const m = await import('../herder/y.ts');",
    "import '../herder/z.ts';",
  ].join('\n');
  expect(specifiers(text)).toEqual([
    '../herder/herder.ts',
    '../herder/x.ts',
    '../herder/y.ts',
    '../herder/z.ts',
  ]);
});
