import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DOC_PATH, renderDifferencesDoc } from '../../integration/debezium/render-differences.ts';

describe('docs/debezium-differences.md', () => {
  it('is the rendering of known-differences.ts (run node test/integration/debezium/render-differences.ts)', () => {
    expect(readFileSync(DOC_PATH, 'utf8')).toBe(renderDifferencesDoc());
  });
});
