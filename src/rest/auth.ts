import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConnectError } from '../api/errors.ts';
import { RestError } from './errors.ts';

/**
 * REST authentication: HTTP basic (users with scrypt password hashes) and bearer tokens, either or
 * both. Every comparison of a secret is constant-time over digests of equal length, and an unknown user
 * costs the same scrypt as a known one, so timing tells nothing about which users or tokens exist.
 * A successful basic check is remembered by the SHA-256 of its header (never the password) so a client
 * sending the same header on every request pays scrypt once, not per request.
 */
export interface RestAuthConfig {
  /** user → `scrypt$N$r$p$salt$hash` (base64 salt and hash). */
  readonly users?: ReadonlyMap<string, string>;
  /** SHA-256 digests of the accepted bearer tokens. */
  readonly tokenDigests?: readonly Buffer[];
  /** Paths (no query) answered without credentials, e.g. `/health`, `/metrics`. */
  readonly openPaths?: readonly string[];
  readonly realm?: string;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;
const REMEMBERED = 256;

export function hashPassword(password: string, salt: Buffer = randomBytes(16)): Promise<string> {
  return derive(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength).then(
    (hash) =>
      `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}`,
  );
}

/** Constant-time check of a password against a `hashPassword` string; false for a malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.N, parsed.r, parsed.p, parsed.hash.length);
  return timingSafeEqual(actual, parsed.hash);
}

/** Adds the onRequest check to `app`; nothing is added when neither users nor tokens are configured. */
export function installAuth(app: FastifyInstance, config: RestAuthConfig): void {
  const users = config.users ?? new Map<string, string>();
  const tokens = config.tokenDigests ?? [];
  if (users.size === 0 && tokens.length === 0) return;
  const open = new Set(config.openPaths ?? []);
  const realm = (config.realm ?? 'seam').replace(/["\\]/g, '');
  const challenge = [
    ...(users.size > 0 ? [`Basic realm="${realm}", charset="UTF-8"`] : []),
    ...(tokens.length > 0 ? [`Bearer realm="${realm}"`] : []),
  ].join(', ');
  const remembered = new Map<string, true>();
  // A fixed hash for unknown users, so they cost a full scrypt like known ones.
  const decoy = hashPassword('', Buffer.alloc(16));

  const deny = (why: string) =>
    new RestError('seam.rest.unauthorized', `User cannot access the resource: ${why}`, {
      'www-authenticate': challenge,
    });

  app.addHook('onRequest', async (req: FastifyRequest) => {
    if (open.has(req.url.split('?')[0] ?? '')) return;
    const header = req.headers.authorization;
    if (!header) throw deny('no credentials were sent');
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : header.slice(space + 1).trim();
    if (scheme === 'bearer' && tokens.length > 0) {
      if (tokenMatches(value, tokens)) return;
      throw deny('invalid credentials');
    }
    if (scheme === 'basic' && users.size > 0) {
      const key = sha256(header).toString('base64');
      if (remembered.has(key)) return;
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const user = colon < 0 ? decoded : decoded.slice(0, colon);
      const password = colon < 0 ? '' : decoded.slice(colon + 1);
      const stored = users.get(user) ?? (await decoy);
      const ok = (await verifyPassword(password, stored)) && users.has(user);
      if (!ok) throw deny('invalid credentials');
      if (remembered.size >= REMEMBERED) remembered.clear();
      remembered.set(key, true);
      return;
    }
    throw deny(`the ${scheme} scheme is not accepted`);
  });
}

/** Reads the credentials file: `user:scrypt$…` lines; blank lines and `#` comments skipped. */
export function readCredentialsFile(path: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const [n, line] of lines(path)) {
    const colon = line.indexOf(':');
    const user = colon < 0 ? '' : line.slice(0, colon).trim();
    const hash = colon < 0 ? '' : line.slice(colon + 1).trim();
    if (user === '' || !parseHash(hash)) {
      throw new ConnectError(
        `${path}:${n}: expected user:scrypt$N$r$p$salt$hash (make one with \`seam hash-password --user <name>\`)`,
        { code: 'seam.config.invalid' },
      );
    }
    users.set(user, hash);
  }
  return users;
}

/** Reads the tokens file: a token a line (at least 16 characters), or `sha256:<hex>` of one. */
export function readTokensFile(path: string): Buffer[] {
  const digests: Buffer[] = [];
  for (const [n, line] of lines(path)) {
    const hashed = /^sha256:([0-9a-f]{64})$/i.exec(line);
    if (hashed) digests.push(Buffer.from(hashed[1] ?? '', 'hex'));
    else if (line.length >= 16 && !/\s/.test(line)) digests.push(sha256(line));
    else
      throw new ConnectError(`${path}:${n}: a token must be at least 16 characters without spaces`, {
        code: 'seam.config.invalid',
      });
  }
  return digests;
}

function lines(path: string): [number, string][] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConnectError(`Cannot read ${path}: ${(error as Error).message}`, {
      code: 'seam.config.invalid',
    });
  }
  return text
    .split(/\r?\n/)
    .map((line, i): [number, string] => [i + 1, line.trim()])
    .filter(([, line]) => line !== '' && !line.startsWith('#'));
}

function tokenMatches(token: string, digests: readonly Buffer[]): boolean {
  const presented = sha256(token);
  let match = false;
  // No early exit: every stored token is compared whatever matched.
  for (const d of digests) match = timingSafeEqual(presented, d) || match;
  return match;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function parseHash(stored: string): { N: number; r: number; p: number; salt: Buffer; hash: Buffer } | null {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  const sane =
    Number.isInteger(N) &&
    N >= 2 &&
    N <= 1 << 20 &&
    (N & (N - 1)) === 0 &&
    r >= 1 &&
    r <= 32 &&
    p >= 1 &&
    p <= 16;
  if (!sane || salt.length < 8 || hash.length < 16) return null;
  return { N, r, p, salt, hash };
}

function derive(
  password: string,
  salt: Buffer,
  N: number,
  r: number,
  p: number,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, salt, length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}
