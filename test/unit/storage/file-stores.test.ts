import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FileConfigStore } from '../../../src/storage/config-store.ts';

it('persists connector configs atomically with a version field and rejects a corrupt file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seam-store-'));
  try {
    const path = join(dir, 'connectors.json');
    const store = new FileConfigStore(path);
    await store.put('a', { config: { name: 'a' }, targetState: 'PAUSED', taskConfigs: [{ x: '1' }] });
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(1);
    const reopened = await new FileConfigStore(path).load();
    expect(reopened.get('a')).toEqual({
      config: { name: 'a' },
      targetState: 'PAUSED',
      taskConfigs: [{ x: '1' }],
    });
    writeFileSync(path, '{"version": 1, "conn');
    expect(() => new FileConfigStore(path)).toThrow(expect.objectContaining({ code: 'seam.log.corrupt' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
