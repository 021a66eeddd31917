import { parseProperties } from '../../../src/runtime/properties-file.ts';
import type { K8sObject } from './kustomize.ts';

/**
 * What the manifests give one worker pod, read from the rendered objects: the container's args and
 * environment (with Kubernetes' `$(VAR)` expansion and the downward API), the worker config file from the
 * ConfigMap, and the resulting worker config as deploy/entrypoint.sh builds it. The topology tests start
 * workers from this, so they run with exactly the configuration a pod gets.
 */
export interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: Record<string, unknown>;
}

export interface Probe {
  httpGet?: { path: string; port: string | number };
}

export interface PodSpec {
  containers: Container[];
  volumes?: {
    name: string;
    configMap?: { name: string };
    secret?: { secretName: string };
    emptyDir?: Record<string, unknown>;
  }[];
  securityContext?: Record<string, unknown>;
}

export interface WorkerPod {
  readonly statefulSet: K8sObject;
  readonly spec: PodSpec;
  readonly container: Container;
  /** The config map file SEAM_CONFIG_FILE names, as mounted. */
  readonly configFile: { path: string; text: string };
  /** Environment of the container for the given pod name and namespace. */
  readonly env: Record<string, string>;
}

export function byKind(objects: readonly K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

/** The worker container of the StatefulSet, as pod `<statefulset>-<ordinal>` in `namespace` gets it. */
export function workerPod(objects: readonly K8sObject[], ordinal: number, namespace: string): WorkerPod {
  const [statefulSet] = byKind(objects, 'StatefulSet');
  if (!statefulSet) throw new Error('no StatefulSet rendered');
  const spec = (statefulSet['spec'] as { template: { spec: PodSpec } }).template.spec;
  const container = spec.containers.find((c) => c.name === 'seam');
  if (!container) throw new Error('no container named seam');
  const fields: Record<string, string> = {
    'metadata.name': `${statefulSet.metadata.name}-${ordinal}`,
    'metadata.namespace': namespace,
  };
  const env = containerEnv(container, fields);
  const path = env['SEAM_CONFIG_FILE'];
  if (!path) throw new Error('the container has no SEAM_CONFIG_FILE');
  return {
    statefulSet,
    spec,
    container,
    env,
    configFile: { path, text: mountedFile(objects, spec, container, path) },
  };
}

/** Kubernetes' expansion: `$(VAR)` of a variable defined earlier in the list, `$$` for a literal `$`. */
export function containerEnv(
  container: Container,
  fields: Readonly<Record<string, string>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container.env ?? []) {
    if (e.valueFrom?.fieldRef) {
      const value = fields[e.valueFrom.fieldRef.fieldPath];
      if (value === undefined) throw new Error(`no value for field ${e.valueFrom.fieldRef.fieldPath}`);
      env[e.name] = value;
    } else if (e.valueFrom) {
      throw new Error(`env ${e.name}: only fieldRef is modelled here`);
    } else {
      env[e.name] = (e.value ?? '').replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name?: string) =>
        name === undefined ? '$' : (env[name] ?? m),
      );
    }
  }
  return env;
}

/** The content of a file under a ConfigMap volume mount. */
function mountedFile(
  objects: readonly K8sObject[],
  spec: PodSpec,
  container: Container,
  path: string,
): string {
  for (const m of container.volumeMounts ?? []) {
    if (!path.startsWith(`${m.mountPath}/`)) continue;
    const volume = spec.volumes?.find((v) => v.name === m.name);
    if (!volume?.configMap) continue;
    const [map] = byKind(objects, 'ConfigMap', volume.configMap.name);
    const text = (map?.['data'] as Record<string, string> | undefined)?.[path.slice(m.mountPath.length + 1)];
    if (text !== undefined) return text;
  }
  throw new Error(`${path} is not a file of a mounted ConfigMap`);
}

/**
 * The worker config deploy/entrypoint.sh writes for this environment: the file, then one line per
 * SEAM_WORKER_<KEY> variable in byte order of `NAME=value` (`LC_ALL=C sort`), key lower-cased with `_` as
 * `.`; a later line wins.
 */
export function entrypointConfigText(fileText: string, env: Readonly<Record<string, string>>): string {
  const lines = Object.entries(env)
    .filter(([name]) => name.startsWith('SEAM_WORKER_'))
    .map(([name, value]) => `${name}=${value}`)
    .sort((a, b) => (Buffer.compare(Buffer.from(a), Buffer.from(b)) < 0 ? -1 : 1))
    .map((line) => {
      const name = line.slice(0, line.indexOf('='));
      const key = name.slice('SEAM_WORKER_'.length).toLowerCase().replaceAll('_', '.');
      return `${key}=${line.slice(name.length + 1).replaceAll('\\', '\\\\')}`;
    });
  return `${fileText}\n${lines.map((l) => `${l}\n`).join('')}`;
}

export function workerConfigOf(
  fileText: string,
  env: Readonly<Record<string, string>>,
): Record<string, string> {
  return Object.fromEntries(parseProperties(entrypointConfigText(fileText, env)));
}
