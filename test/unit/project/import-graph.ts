import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

/**
 * A small import-graph scan of the project's own sources, for two house rules (docs/decisions/
 * 2026-12-02-ci-gates-and-import-rule.md): plugins (connectors/, transforms/) import nothing of src/ but
 * src/api, and no module imports itself through a cycle. It reads `import … from`, `export … from`,
 * side-effect `import '…'` and `import('…')` with literal specifiers. Every import counts for the plugin
 * rule. Cycles are the ones that matter at load time, through static imports only: `import type` and
 * `export type` are erased before the code runs, and an `import()` runs after its importer has finished
 * loading (a command loaded lazily may import constants back from the file that loads it).
 */

export interface ImportEdge {
  /** Both paths relative to the scanned root, with `/` separators. */
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
  readonly kind: ImportKind;
}

export type ImportKind = 'static' | 'type' | 'dynamic';

const FROM = /^[ \t]*(import|export)\s+(type\s+)?[\w\s{},*$]*?\s*from\s*['"]([^'"\n]+)['"]/gm;
const BARE = /^[ \t]*import\s*['"]([^'"\n]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

/** Block and line comments blanked out (string contents that look like comments are rare in imports). */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/^\s*\/\/.*$/gm, '');
}

/** The relative imports of one file's text: specifier and whether it is type-only. */
export function importsOf(text: string): { specifier: string; kind: ImportKind }[] {
  const code = withoutComments(text);
  const out: { specifier: string; kind: ImportKind }[] = [];
  for (const m of code.matchAll(FROM)) out.push({ specifier: m[3]!, kind: m[2] ? 'type' : 'static' });
  for (const m of code.matchAll(BARE)) out.push({ specifier: m[1]!, kind: 'static' });
  for (const m of code.matchAll(DYNAMIC)) out.push({ specifier: m[1]!, kind: 'dynamic' });
  return out.filter((i) => i.specifier.startsWith('.'));
}

function sourceFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const name of entries.sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const slash = (p: string) => p.split(sep).join('/');

/** Every relative import of every .ts file under `dirs` (relative to `root`). */
export function scanImports(root: string, dirs: readonly string[]): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const dir of dirs) {
    for (const file of sourceFiles(join(root, dir))) {
      const from = slash(relative(root, file));
      for (const { specifier, kind } of importsOf(readFileSync(file, 'utf8'))) {
        const to = slash(relative(root, resolve(dirname(file), specifier)));
        edges.push({ from, to, specifier, kind });
      }
    }
  }
  return edges;
}

/**
 * The folder a plugin file may import from besides src/api: its connector's folder
 * (`connectors/<name>/`), or the whole tree for a file directly in connectors/ (the built-in list) and
 * for anything under transforms/ (transforms share support/ and predicates/).
 */
function pluginHome(file: string): string | null {
  const parts = file.split('/');
  if (parts[0] === 'transforms') return 'transforms/';
  if (parts[0] !== 'connectors') return null;
  return parts.length > 2 ? `connectors/${parts[1]}/` : 'connectors/';
}

/** Imports by plugin code of anything outside src/api/ and its own folder, as readable lines. */
export function pluginRuleViolations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const home = pluginHome(e.from);
    if (home === null || e.to.startsWith('src/api/') || e.to.startsWith(home)) continue;
    out.push(`${e.from} imports '${e.specifier}' (${e.to}): plugins may import only src/api and ${home}`);
  }
  return out;
}

/** Each import cycle once, as `a.ts -> b.ts -> a.ts`, through static imports only. */
export function importCycles(edges: readonly ImportEdge[]): string[] {
  const graph = new Map<string, string[]>();
  for (const e of edges) {
    if (e.kind !== 'static') continue;
    const list = graph.get(e.from) ?? [];
    if (!list.includes(e.to)) list.push(e.to);
    graph.set(e.from, list);
  }
  // Tarjan's strongly connected components: every component of more than one file (or a file that
  // imports itself) holds a cycle; one cycle through it is reported, found by a walk inside it.
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) connect(v);
  return components.map((c) => cycleIn(graph, new Set(c)));
}

/** One cycle inside a strongly connected component, starting at its first file in sort order. */
function cycleIn(graph: ReadonlyMap<string, readonly string[]>, component: ReadonlySet<string>): string {
  const start = [...component].sort()[0]!;
  const path = [start];
  const seen = new Set([start]);
  const walk = (v: string): boolean => {
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) return true;
      if (seen.has(w)) continue;
      seen.add(w);
      path.push(w);
      if (walk(w)) return true;
      path.pop();
    }
    return false;
  };
  walk(start);
  return [...path, start].join(' -> ');
}
