import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConnectError } from '../api/index.ts';

/**
 * One JSON document on disk, replaced atomically: write a temp file, fsync it, rename over the old one,
 * fsync the directory. A crash leaves either the old or the new document, never a torn one.
 * Documents carry a `version` field; an unknown version or unreadable JSON is `seam.log.corrupt`.
 */
export interface VersionedDocument {
  readonly version: number;
}

const RECOVERY = (path: string): string =>
  `Restore it from a backup, or move it aside (mv ${path} ${path}.bad) to start without it`;

export function readJsonFile<T extends VersionedDocument>(path: string, version: number): T | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ConnectError(`Cannot read ${path}: ${(e as Error).message}`, {
      code: 'seam.log.unavailable',
      cause: e,
    });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConnectError(`${path} is not valid JSON: ${(e as Error).message}. ${RECOVERY(path)}`, {
      code: 'seam.log.corrupt',
      cause: e,
    });
  }
  if (doc === null || typeof doc !== 'object' || (doc as VersionedDocument).version !== version) {
    throw new ConnectError(`${path} has an unknown format (expected version ${version}). ${RECOVERY(path)}`, {
      code: 'seam.log.corrupt',
    });
  }
  return doc as T;
}

export function writeJsonFile(path: string, doc: VersionedDocument): void {
  const tmp = `${path}.tmp`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      writeFileSync(fd, `${JSON.stringify(doc, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch (e) {
    throw new ConnectError(`Cannot write ${path}: ${(e as Error).message}`, {
      code: 'seam.log.unavailable',
      cause: e,
    });
  }
}
