import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConnectorConfig } from '../../../src/herder/config-validation.ts';
import { builtinRegistry } from '../../../src/plugins/builtin.ts';

/** The examples in config/ are used in docs; every connector example must validate without a problem. */
const dir = join(import.meta.dirname, '..', '..', '..', 'config');
const examples = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'worker.json');

describe('config/ examples', () => {
  it.each(examples)('%s is a valid connector config', async (file) => {
    const { name, config } = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      name: string;
      config: Record<string, string>;
    };
    const { problems } = await validateConnectorConfig(builtinRegistry(), config['connector.class']!, {
      ...config,
      name,
    });
    expect(problems).toEqual([]);
  });
});
