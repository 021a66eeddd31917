import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
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

it('keeps statuses in memory and retries when the status file cannot be written (a full disk must not end the worker)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seam-store-'));
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const sub = join(dir, 'gone');
    mkdirSync(sub);
    const path = join(sub, 'status.json');
    const store = new FileStatusStore(path, 10);
    rmSync(sub, { recursive: true, force: true });
    const running = { state: 'RUNNING' as const, worker_id: 'w:1' };
    await store.put('a', { connector: running, tasks: { '0': running }, topics: [] });
    await vi.waitFor(() => expect(warnings.some((w) => w.includes('statuses stay in memory'))).toBe(true));
    expect((await store.get('a'))?.connector.state).toBe('RUNNING');
    mkdirSync(sub);
    await vi.waitFor(() => expect(existsSync(path)).toBe(true), { timeout: 5000 });
    expect(JSON.parse(readFileSync(path, 'utf8')).connectors.a.connector.state).toBe('RUNNING');
  } finally {
    process.off('warning', onWarning);
    rmSync(dir, { recursive: true, force: true });
  }
});
