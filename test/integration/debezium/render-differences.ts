import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IGNORED } from './compare.ts';
import { KNOWN_DIFFERENCES, type KnownDifference } from './known-differences.ts';
import { VARIANTS } from './variants.ts';

/**
 * docs/debezium-differences.md, generated from known-differences.ts and compare.ts's IGNORED list (a unit
 * test keeps the two in step). `node test/integration/debezium/render-differences.ts` rewrites the file.
 */
export const DOC_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../docs/debezium-differences.md',
);

export function renderDifferencesDoc(): string {
  const section = (status: KnownDifference['status']) =>
    KNOWN_DIFFERENCES.filter((k) => k.status === status)
      .map((k) => {
        const scope = [
          k.topic ? `topics \`${k.topic.source}\`` : '',
          k.variants ? `variants ${k.variants.join(', ')}` : 'all variants',
        ]
          .filter(Boolean)
          .join('; ');
        return `- **${k.id}** (${scope}; fields \`${k.path.source}\`): ${k.reason}`;
      })
      .join('\n');
  return `# Where Seam's PostgreSQL events differ from Debezium's

Generated from \`test/integration/debezium/known-differences.ts\` by
\`node test/integration/debezium/render-differences.ts\`; do not edit by hand.

The differential suite (\`test/integration/debezium/differential.test.ts\`, part of \`npm test\`) runs
Debezium 3.6.1's embedded engine and Seam's PostgreSQL source on the same workload and compares every
event field by field: topic, key, value envelope, JsonConverter schemas and headers. It fails on any
difference not listed below, and on a listed difference that no longer occurs. Variants:
${VARIANTS.map(
  (v) =>
    `\`${v.name}\` (${
      Object.entries(v.config)
        .map(([k, val]) => `${k}=${val}`)
        .join(', ') || 'defaults'
    })`,
).join(', ')}.
See docs/decisions/2026-12-02-debezium-differential.md.

## Not yet fixed

${section('not-yet-fixed')}

## Deliberate

${section('deliberate')}

Seam also turns heartbeats on by default (\`heartbeat.interval.ms\` 10000; Debezium 0); the suite sets
it to 0 on the Seam side, so heartbeat records are not compared.

## Never compared (they differ run to run)

${IGNORED.map((i) => `- \`${i.path.source}\`${i.op ? ` (op ${i.op})` : ''}: ${i.why}`).join('\n')}
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DOC_PATH, renderDifferencesDoc());
  console.log(`wrote ${DOC_PATH}`);
}
