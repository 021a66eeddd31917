import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CLI, freePort } from '../../helpers/worker-process.ts';
import type { K8sObject } from './kustomize.ts';
import { byKind, type WorkerPod, workerPod } from './pod-config.ts';

/**
 * Starts a worker process the way a pod of the rendered manifests starts: deploy/entrypoint.sh with the
 * container's args and environment, the ConfigMap's worker config and the Secret's files as the kubelet
 * lays them out. Only what one host running several pods must change is changed, each through the same
 * SEAM_WORKER_* mechanism the pod uses: the listener (a free loopback port), the mount paths (under
 * `dir`), and `overrides` (the cluster's addresses and names once workers join one: bootstrap.servers,
 * redis.url, group.id and the storage topics of the test servers, unique per test).
 */
export interface PodProcess {
  readonly pod: WorkerPod;
  readonly url: string;
  readonly secretsDir: string;
  readonly child: ChildProcess;
  output(): string;
  /** SIGTERM, as the kubelet stops a pod; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const root = join(import.meta.dirname, '..', '..', '..');
const NODE_BIN = join(root, 'node_modules', '.bin');

export async function startPodProcess(options: {
  objects: readonly K8sObject[];
  ordinal: number;
  namespace: string;
  dir: string;
  overrides?: Readonly<Record<string, string>>;
}): Promise<PodProcess> {
  const pod = workerPod(options.objects, options.ordinal, options.namespace);
  const port = await freePort();
  const configFile = join(options.dir, 'config', 'worker.properties');
  mkdirSync(dirname(configFile), { recursive: true });
  writeFileSync(configFile, pod.configFile.text);
  const secretsDir = join(options.dir, 'secrets');
  mountSecret(options.objects, secretsDir);
  const tmp = join(options.dir, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const hostKeys: Record<string, string> = {
    listeners: `http://127.0.0.1:${port}`,
    'rest.advertised.port': String(port),
    'config.providers.file.param.allowed.paths': secretsDir,
    ...options.overrides,
  };
  const env: Record<string, string> = {
    ...pod.env,
    SEAM_CONFIG_FILE: configFile,
    SEAM_MAIN: CLI,
    TMPDIR: tmp,
    PATH: `${NODE_BIN}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
    HOME: options.dir,
    SEAM_LOG_LEVEL: process.env['SEAM_LOG_LEVEL'] ?? 'warn',
  };
  for (const [key, value] of Object.entries(hostKeys))
    env[`SEAM_WORKER_${key.toUpperCase().replaceAll('.', '_')}`] = value;
  const args = [...(pod.container.args ?? [])];
  const dataAt = args.indexOf('--data-dir') + 1;
  if (dataAt > 0) args[dataAt] = join(options.dir, 'data');
  const child = spawn('sh', [join(root, 'deploy', 'entrypoint.sh'), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    pod,
    url: `http://127.0.0.1:${port}`,
    secretsDir,
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The Secret's files as a Kubernetes secret volume holds them: each a symlink through `..data`. */
export function mountSecret(objects: readonly K8sObject[], dir: string): void {
  const [secret] = byKind(objects, 'Secret', 'seam-credentials');
  const files = (secret?.['stringData'] as Record<string, string> | undefined) ?? {};
  const stamp = '..2026_12_02_00_00_00.000000001';
  mkdirSync(join(dir, stamp), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, stamp, name), text, { mode: 0o440 });
    symlinkSync(join('..data', name), join(dir, name));
  }
  symlinkSync(stamp, join(dir, '..data'));
}

/** Polls `url` until it answers `status`, the process exits, or `timeoutMs` passes. */
export async function waitForStatus(
  p: PodProcess,
  path: string,
  status: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (p.child.exitCode !== null || p.child.signalCode !== null)
      throw new Error(`worker exited while waiting for ${path}:\n${p.output()}`);
    try {
      if ((await fetch(`${p.url}${path}`)).status === status) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${path} did not answer ${status} in time:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
