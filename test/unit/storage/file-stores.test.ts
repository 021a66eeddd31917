import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { FileConfigStore } from '../../../src/storage/config-store.ts';
import { FileStatusStore } from '../../../src/storage/status-store.ts';

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
    expect(() => new FileConfigStore(path)).toThrow(/move it aside/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('sets a damaged status file aside and starts with empty statuses (they are rewritten at start)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seam-store-'));
  try {
    const path = join(dir, 'status.json');
    writeFileSync(path, 'garbage');
    const store = new FileStatusStore(path);
    expect(await store.get('anything')).toBeUndefined();
    const aside = readdirSync(dir).filter((f) => f.startsWith('status.json.corrupt-'));
    expect(aside).toHaveLength(1);
    expect(readFileSync(join(dir, aside[0]!), 'utf8')).toBe('garbage');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
