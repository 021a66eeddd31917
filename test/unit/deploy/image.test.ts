import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pkg from '../../../package.json' with { type: 'json' };
import { startCommand } from '../../../src/cli/start.ts';
import { parseProperties } from '../../../src/runtime/properties-file.ts';
import { renderKustomization } from './kustomize.ts';
import { entrypointConfigText, workerPod } from './pod-config.ts';

const root = join(import.meta.dirname, '..', '..', '..');
const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8');
const entrypoint = join(root, 'deploy', 'entrypoint.sh');
const tmp = mkdtempSync(join(tmpdir(), 'seam-image-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Dockerfile instructions with continuation lines joined, split into stages at each FROM. */
function stages(text: string): { from: string; lines: string[] }[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n');
  const out: { from: string; lines: string[] }[] = [];
  for (const raw of joined) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^FROM /i.test(line)) out.push({ from: line, lines: [] });
    else out.at(-1)?.lines.push(line);
  }
  return out;
}

function instruction(lines: readonly string[], name: string): string[] {
  return lines
    .filter((l) => l.toUpperCase().startsWith(`${name} `))
    .map((l) => l.slice(name.length + 1).trim());
}

/** Parses `seam start` arguments with the CLI's own command definition, without starting anything. */
function parseStart(args: readonly string[]): Record<string, unknown> {
  expect(args[0]).toBe('start');
  let options: Record<string, unknown> = {};
  const command = startCommand()
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} })
    .action((_files: string[], o: Record<string, unknown>) => {
      options = o;
    });
  command.parse(args.slice(1), { from: 'user' });
  return options;
}

describe('deploy/Dockerfile', () => {
  const [build, final, ...more] = stages(dockerfile);

  it('builds in one stage and runs Node 24 in a second one without npm', () => {
    expect(more).toEqual([]);
    const major = pkg.devDependencies.node.split('.')[0];
    expect(pkg.engines.node).toBe(`>=${major}`);
    expect(build?.from).toMatch(new RegExp(`^FROM node:${major}-bookworm-slim AS build$`));
    expect(final?.from).toBe(`FROM node:${major}-bookworm-slim`);
    const run = instruction(build!.lines, 'RUN').join('\n');
    expect(run).toMatch(/npm ci --omit=dev/);
    expect(instruction(final!.lines, 'COPY').some((c) => c.startsWith('--from=build '))).toBe(true);
    const finalRun = instruction(final!.lines, 'RUN').join('\n');
    expect(finalRun).not.toMatch(/apt-get install|npm (ci|install)/);
    for (const tool of ['/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack'])
      expect(finalRun).toContain(tool);
  });

  it('runs as a numeric non-root user with the data directory as a volume', () => {
    expect(instruction(final!.lines, 'USER')).toEqual(['10001:10001']);
    expect(instruction(final!.lines, 'VOLUME')).toEqual(['/var/lib/seam']);
    expect(instruction(final!.lines, 'RUN').join('\n')).toMatch(/chown seam:seam \/var\/lib\/seam/);
    expect(instruction(final!.lines, 'EXPOSE')).toEqual(['8083']);
  });

  it('checks health on GET /health', () => {
    const [check] = instruction(final!.lines, 'HEALTHCHECK');
    expect(check).toMatch(/CMD \["node", "-e", ".*\/health'\)/);
  });

  it('has an entrypoint and a CMD that the CLI accepts', () => {
    expect(JSON.parse(instruction(final!.lines, 'ENTRYPOINT')[0]!)).toEqual([
      '/usr/local/bin/seam-entrypoint',
    ]);
    const cmd = JSON.parse(instruction(final!.lines, 'CMD')[0]!) as string[];
    expect(parseStart(cmd)).toEqual({ host: '0.0.0.0', dataDir: '/var/lib/seam' });
    expect(() => parseStart(['start', '--no-such-flag'])).toThrow(/unknown option/);
  });

  it('runs the arguments every Kubernetes overlay gives the container through the CLI', () => {
    for (const overlay of ['dev', 'prod']) {
      const { container } = workerPod(
        renderKustomization(join(root, 'deploy', 'k8s', 'overlays', overlay)),
        0,
        'x',
      );
      expect(parseStart(container.args ?? [])).toEqual({ dataDir: '/var/lib/seam' });
    }
  });

  it('copies only what exists and what .dockerignore lets into the context', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1));
    const sources = [...build!.lines, ...final!.lines]
      .filter((l) => /^COPY /i.test(l) && !l.includes('--from='))
      .flatMap((l) =>
        l
          .replace(/--chmod=\S+\s+/, '')
          .split(/\s+/)
          .slice(1, -1),
      );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) {
      expect(existsSync(join(root, source)), source).toBe(true);
      expect(allowed, source).toContain(source);
    }
  });
});

/** Packages the image's code imports at run time: static and dynamic imports, not `import type`. */
function runtimePackages(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      for (const [pkgName, file] of runtimePackages(path)) found.set(pkgName, file);
      continue;
    }
    if (!/\.(ts|js)$/.test(name) || name.endsWith('.test.ts') || name.endsWith('.d.ts')) continue;
    const code = readFileSync(path, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    const specifiers = [
      ...[...code.matchAll(/^\s*(?:import|export)\s+(?!type\b)[\w\s{},*$]*?from\s*['"]([^'"\n]+)['"]/gm)].map(
        (m) => m[1]!,
      ),
      ...[...code.matchAll(/^\s*import\s*['"]([^'"\n]+)['"]/gm)].map((m) => m[1]!),
      ...[...code.matchAll(/\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g)].map((m) => m[1]!),
    ];
    for (const s of specifiers) {
      if (s.startsWith('.') || s.startsWith('node:') || builtinModules.includes(s)) continue;
      const parts = s.split('/');
      found.set(s.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!, path);
    }
  }
  return found;
}

describe('the production install of the image', () => {
  it('has every package the runtime code imports (npm ci --omit=dev leaves devDependencies out)', () => {
    const dependencies = new Set(Object.keys(pkg.dependencies));
    const missing: string[] = [];
    for (const dir of ['src', 'connectors', 'transforms', 'bin'])
      for (const [name, file] of runtimePackages(join(root, dir)))
        if (!dependencies.has(name)) missing.push(`${name} (imported by ${file.slice(root.length + 1)})`);
    // pino-pretty is loaded by name only when installed and stdout is a terminal (logger.ts).
    expect(missing).toEqual([]);
    expect(runtimePackages(join(root, 'src')).has('fastify')).toBe(true);
  });
});

describe('deploy/entrypoint.sh', () => {
  // A stand-in for node: prints its arguments and the worker config file it was given.
  const bin = join(tmp, 'bin');
  execFileSync('mkdir', ['-p', bin]);
  writeFileSync(
    join(bin, 'node'),
    '#!/bin/sh\nfor a in "$@"; do echo "arg:$a"; done\nwhile [ $# -gt 0 ]; do [ "$1" = --config ] && cat "$2"; shift; done\n',
  );
  chmodSync(join(bin, 'node'), 0o755);

  function run(args: string[], env: Record<string, string>): { args: string[]; config: string } {
    const out = execFileSync('sh', [entrypoint, ...args], {
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, TMPDIR: tmp, ...env },
    });
    const lines = out.split('\n');
    return {
      args: lines.filter((l) => l.startsWith('arg:')).map((l) => l.slice(4)),
      config: lines.filter((l) => !l.startsWith('arg:')).join('\n'),
    };
  }

  it('passes the arguments through when no worker config comes from the environment', () => {
    expect(run(['start', '--host', '0.0.0.0'], {}).args).toEqual([
      '/opt/seam/src/cli/main.ts',
      'start',
      '--host',
      '0.0.0.0',
    ]);
    expect(run(['plugins'], { SEAM_WORKER_GROUP_ID: 'x' }).args).toEqual([
      '/opt/seam/src/cli/main.ts',
      'plugins',
    ]);
  });

  it('writes the config file plus SEAM_WORKER_* keys, as the topology helper models it', () => {
    const file = join(tmp, 'worker.properties');
    const text = 'group.id=seam\nrest.advertised.host.name=overridden\nlisteners=http://0.0.0.0:8083';
    writeFileSync(file, text);
    const env = {
      SEAM_CONFIG_FILE: file,
      SEAM_WORKER_REST_ADVERTISED_HOST_NAME: 'seam-worker-1.seam-workers.ns.svc',
      SEAM_WORKER_OFFSET_FLUSH_INTERVAL_MS: '500',
      SEAM_WORKER_CONFIG_PROVIDERS_FILE_PARAM_ALLOWED_PATHS: 'C:\\secrets',
      SEAM_OTHER: 'ignored',
    };
    const result = run(['start', '--data-dir', '/var/lib/seam'], env);
    expect(result.args).toEqual([
      '/opt/seam/src/cli/main.ts',
      'start',
      '--config',
      join(tmp, 'seam-worker.properties'),
      '--data-dir',
      '/var/lib/seam',
    ]);
    const written = Object.fromEntries(parseProperties(result.config));
    expect(written).toEqual(Object.fromEntries(parseProperties(entrypointConfigText(text, env))));
    expect(written).toEqual({
      'group.id': 'seam',
      'rest.advertised.host.name': 'seam-worker-1.seam-workers.ns.svc',
      listeners: 'http://0.0.0.0:8083',
      'offset.flush.interval.ms': '500',
      'config.providers.file.param.allowed.paths': 'C:\\secrets',
    });
  });
});
