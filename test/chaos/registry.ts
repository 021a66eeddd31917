import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AnyScenario } from './scenario.ts';

const here = join(dirname(fileURLToPath(import.meta.url)), 'scenarios');

/**
 * Every scenario under test/chaos/scenarios/, in file-name order: adding a scenario is adding one file
 * that exports `scenario`. The list is read from the directory when the program asks for it, not by an
 * import side effect.
 */
export async function loadScenarios(): Promise<AnyScenario[]> {
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
    .sort();
  const out: AnyScenario[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(here, file)).href)) as { scenario?: AnyScenario };
    if (!mod.scenario) throw new Error(`test/chaos/scenarios/${file} exports no \`scenario\``);
    out.push(mod.scenario);
  }
  return out;
}
