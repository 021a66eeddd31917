import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../../../src/plugins/builtin.ts';

const root = join(import.meta.dirname, '../../..');
const doc = readFileSync(join(root, 'docs/errors.md'), 'utf8');
// Seam's own codes and every built-in plugin's, as REST looks them up.
const ERROR_CODES = builtinRegistry().errorCodes;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

describe('docs/errors.md', () => {
  it('documents every registered code with its status, in the table and in a section', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(doc, `table row for ${code}`).toContain(`| \`${code}\` | ${info.status} |`);
      const section = doc.split(`\n## ${code}\n`)[1];
      expect(section, `section for ${code}`).toBeDefined();
      expect(section?.trimStart().startsWith(`**${info.status}.**`), `status of ${code}`).toBe(true);
      expect(section?.split('\n## ')[0], `fix for ${code}`).toContain('**Fix:**');
    }
  });

  it('documents no code that is not registered', () => {
    const documented = [...doc.matchAll(/^## (seam\.[a-z_.]+)$/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('finds every code the sources raise or compare against registered', () => {
    const used = new Set<string>();
    for (const dir of ['src', 'connectors', 'transforms']) {
      for (const file of tsFiles(join(root, dir))) {
        const text = readFileSync(file, 'utf8');
        for (const m of text.matchAll(/code\??\s*(?::|===|!==)\s*'(seam\.[a-z_.]+)'/g)) used.add(m[1]!);
        for (const m of text.matchAll(/(?:RestError|errorBody)\(\s*'(seam\.[a-z_.]+)'/g)) used.add(m[1]!);
      }
    }
    expect(used.size).toBeGreaterThan(3);
    expect([...used].filter((c) => !(c in ERROR_CODES))).toEqual([]);
  });
});
