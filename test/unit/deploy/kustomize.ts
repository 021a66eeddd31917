import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/**
 * A renderer for the subset of kustomize that deploy/k8s uses, so the manifests can be checked on a machine
 * without kubectl (CI's). Faithful to `kubectl kustomize` for that subset (kustomize.test.ts compares the
 * two wherever kubectl is installed) and refusing everything else, so a manifest that starts using another
 * feature fails here instead of being rendered wrongly:
 * - `resources`: YAML files and directories holding a kustomization;
 * - `configMapGenerator` with `files` (`behavior` create or merge), names suffixed with kustomize's
 *   content hash and every reference from a pod template renamed with it;
 * - `replicas` and `images` (name, newName, newTag).
 */
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string } } & Record<
  string,
  unknown
>;

interface Generator {
  name: string;
  data: Record<string, string>;
}

interface Build {
  objects: K8sObject[];
  generators: Map<string, Generator>;
}

/**
 * kustomize and kubectl read YAML 1.1, where `0440` is octal (a file mode, 288); YAML 1.2 would read 440.
 */
const YAML_1_1 = { version: '1.1' } as const;

const FIELDS = new Set(['apiVersion', 'kind', 'resources', 'configMapGenerator', 'replicas', 'images']);

export function renderKustomization(dir: string): K8sObject[] {
  const { objects, generators } = build(dir);
  const renamed = new Map<string, string>();
  const out = [...objects];
  for (const g of generators.values()) {
    const hashed = `${g.name}-${configMapHash(g.name, g.data)}`;
    renamed.set(g.name, hashed);
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: hashed }, data: g.data });
  }
  for (const o of out) for (const spec of podSpecs(o)) renameConfigMapRefs(spec, renamed);
  return out;
}

function build(dir: string): Build {
  const k = parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8'), YAML_1_1) as Record<string, unknown>;
  for (const key of Object.keys(k))
    if (!FIELDS.has(key)) throw new Error(`${dir}: kustomization field ${key} is not supported here`);
  const objects: K8sObject[] = [];
  const generators = new Map<string, Generator>();
  for (const entry of list<string>(k['resources'])) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      const base = build(path);
      objects.push(...base.objects);
      for (const [name, g] of base.generators) generators.set(name, g);
    } else {
      for (const doc of parseAllDocuments(readFileSync(path, 'utf8'), YAML_1_1)) {
        const o = doc.toJS() as K8sObject | null;
        if (o) objects.push(o);
      }
    }
  }
  for (const g of list<Record<string, unknown>>(k['configMapGenerator'])) generate(dir, g, generators);
  for (const r of list<{ name: string; count: number }>(k['replicas'])) {
    const target = objects.find(
      (o) => o.metadata.name === r.name && ['Deployment', 'StatefulSet', 'ReplicaSet'].includes(o.kind),
    );
    if (!target) throw new Error(`${dir}: replicas: no workload named ${r.name}`);
    (target['spec'] as Record<string, unknown>)['replicas'] = r.count;
  }
  for (const image of list<Record<string, string>>(k['images'])) {
    for (const o of objects) for (const spec of podSpecs(o)) retag(spec, image);
  }
  return { objects, generators };
}

function generate(dir: string, g: Record<string, unknown>, generators: Map<string, Generator>): void {
  for (const key of Object.keys(g))
    if (!['name', 'files', 'behavior'].includes(key))
      throw new Error(`${dir}: configMapGenerator field ${key} is not supported here`);
  const name = String(g['name']);
  const behavior = (g['behavior'] as string | undefined) ?? 'create';
  const data: Record<string, string> = {};
  for (const file of list<string>(g['files'])) {
    const [key, path] = file.includes('=')
      ? (file.split('=', 2) as [string, string])
      : [basename(file), file];
    data[key] = readFileSync(join(dir, path), 'utf8');
  }
  const existing = generators.get(name);
  if (behavior === 'create') {
    if (existing) throw new Error(`${dir}: ConfigMap ${name} is generated twice`);
    generators.set(name, { name, data });
  } else if (behavior === 'merge') {
    if (!existing) throw new Error(`${dir}: merge into ConfigMap ${name}, which no base generates`);
    existing.data = { ...existing.data, ...data };
  } else {
    throw new Error(`${dir}: configMapGenerator behavior ${behavior} is not supported here`);
  }
}

function list<T>(value: unknown): T[] {
  return Array.isArray(value) ? (value as T[]) : [];
}

/** The pod specs of an object: workload templates only (the kinds deploy/k8s has). */
function podSpecs(o: K8sObject): Record<string, unknown>[] {
  if (!['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(o.kind)) return [];
  const template = (o['spec'] as { template?: { spec?: Record<string, unknown> } } | undefined)?.template;
  return template?.spec ? [template.spec] : [];
}

type Container = {
  image?: string;
  env?: { valueFrom?: { configMapKeyRef?: { name: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
};

function containers(spec: Record<string, unknown>): Container[] {
  return [...list<Container>(spec['containers']), ...list<Container>(spec['initContainers'])];
}

function renameConfigMapRefs(spec: Record<string, unknown>, renamed: Map<string, string>): void {
  const rename = (ref: { name: string } | undefined) => {
    if (ref && renamed.has(ref.name)) ref.name = renamed.get(ref.name)!;
  };
  type Volume = {
    configMap?: { name: string };
    projected?: { sources?: { configMap?: { name: string } }[] };
  };
  for (const v of list<Volume>(spec['volumes'])) {
    rename(v.configMap);
    for (const s of v.projected?.sources ?? []) rename(s.configMap);
  }
  for (const c of containers(spec)) {
    for (const e of c.env ?? []) rename(e.valueFrom?.configMapKeyRef);
    for (const e of c.envFrom ?? []) rename(e.configMapRef);
  }
}

/** kustomize's image transformer: `name` matches the image without its tag or digest. */
function retag(spec: Record<string, unknown>, image: Record<string, string>): void {
  for (const key of Object.keys(image))
    if (!['name', 'newName', 'newTag'].includes(key))
      throw new Error(`images field ${key} is not supported here`);
  for (const c of containers(spec)) {
    if (!c.image) continue;
    const at = c.image.indexOf('@');
    const withoutDigest = at < 0 ? c.image : c.image.slice(0, at);
    const colon = withoutDigest.lastIndexOf(':');
    const hasTag = colon > withoutDigest.lastIndexOf('/');
    const name = hasTag ? withoutDigest.slice(0, colon) : withoutDigest;
    if (name !== image['name']) continue;
    const tag = image['newTag'] ?? (hasTag ? withoutDigest.slice(colon + 1) : undefined);
    c.image = `${image['newName'] ?? name}${tag ? `:${tag}` : ''}${at < 0 || image['newTag'] ? '' : c.image.slice(at)}`;
  }
}

/**
 * kustomize's ConfigMap name suffix: sha256 of `{"data":…,"kind":"ConfigMap","name":…}` as Go's
 * encoding/json writes it (keys sorted, `<>&` escaped), first 10 hex digits with 0 1 3 a e replaced by
 * g h k m t (so a suffix never spells a word).
 */
export function configMapHash(name: string, data: Readonly<Record<string, string>>): string {
  const json = goJson({ data, kind: 'ConfigMap', name });
  const hex = createHash('sha256').update(json, 'utf8').digest('hex').slice(0, 10);
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex].map((c) => swap[c] ?? c).join('');
}

function goJson(value: unknown): string {
  if (typeof value === 'string') return goString(value);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${goString(k)}:${goJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function goString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || ch === '<' || ch === '>' || ch === '&' || code === 0x2028 || code === 0x2029)
      out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
