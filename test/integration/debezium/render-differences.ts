import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IGNORED } from './compare.ts';
import { KNOWN_DIFFERENCES, type KnownDifference, MYSQL_KNOWN_DIFFERENCES } from './known-differences.ts';
import { MYSQL_VARIANTS } from './mysql-variants.ts';
import { VARIANTS, type Variant } from './variants.ts';

/**
 * docs/debezium-differences.md, generated from known-differences.ts and compare.ts's IGNORED list (a unit
 * test keeps the two in step). `node test/integration/debezium/render-differences.ts` rewrites the file.
 */
export const DOC_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../docs/debezium-differences.md',
);

const variantList = (variants: readonly Variant[]): string =>
  variants
    .map(
      (v) =>
        `\`${v.name}\` (${
          Object.entries(v.config)
            .map(([k, val]) => `${k}=${val}`)
            .join(', ') || 'defaults'
        })`,
    )
    .join(', ');

export function renderDifferencesDoc(): string {
  const section = (status: KnownDifference['status'], list = KNOWN_DIFFERENCES) =>
    list
      .filter((k) => k.status === status)
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
  return `# Where Seam's events differ from Debezium's

Generated from \`test/integration/debezium/known-differences.ts\` by
\`node test/integration/debezium/render-differences.ts\`; do not edit by hand.

Two differential suites, part of \`npm test\`, run Debezium 3.6.1's embedded engine and a Seam source on
the same workload and compare every event field by field: topic, key, value envelope, JsonConverter
schemas and headers. Each fails on any difference not listed below, and on a listed difference that no
longer occurs. See docs/decisions/2026-12-02-debezium-differential.md and
docs/decisions/2026-12-02-debezium-mysql-differential.md.

## PostgreSQL

\`test/integration/debezium/differential.test.ts\`. Variants: ${variantList(VARIANTS)}.

### Not yet fixed

${section('not-yet-fixed')}

### Deliberate

${section('deliberate')}

Seam also turns heartbeats on by default (\`heartbeat.interval.ms\` 10000; Debezium 0); the suite sets
it to 0 on the Seam side, so heartbeat records are not compared. Incremental snapshots are not compared
either; their rows differ in one field on purpose: \`source.lsn\` is the slot's restart LSN read during the
chunk (Debezium: the position where the window closes), so that a sink ordering by source position never
prefers a chunk row to a change streamed after it (docs/decisions/2026-12-03-incremental-snapshot-position.md).

## MySQL / MariaDB

\`test/integration/debezium/mysql-differential.test.ts\`: Debezium's MySqlConnector and Seam's MySQL source
(\`io.debezium.connector.mysql.MySqlConnector\` on both sides, so \`source.connector\` is \`mysql\` and the
source schema \`io.debezium.connector.mysql.Source\` on both) stream the test MariaDB 10.11 with their own
replica server ids. Debezium 3.6.1's MySqlConnector stops on MariaDB 10.11 (it asks for
\`SHOW BINARY LOG STATUS\`, and its fallback takes version 10.11 for a MySQL that must support it), and
Debezium's MariaDbConnector is not available to the build: the harness runs the MySqlConnector through a
JDBC shim (\`test/differential/debezium/.../MariaDbCompatDriver.java\`) that answers that one statement with
\`SHOW MASTER STATUS\`. The fields this workaround itself changes are listed under "Caused by the
reference's workaround". Variants: ${variantList(MYSQL_VARIANTS)}.

### Caused by the reference's workaround

${section('reference-workaround', MYSQL_KNOWN_DIFFERENCES)}

### Not yet fixed

${section('not-yet-fixed', MYSQL_KNOWN_DIFFERENCES)}

### Deliberate

${section('deliberate', MYSQL_KNOWN_DIFFERENCES)}

## Never compared (they differ run to run; both suites)

${IGNORED.map((i) => `- \`${i.path.source}\`${i.op ? ` (op ${i.op})` : ''}: ${i.why}`).join('\n')}

Also left out of the MySQL comparison: the rows of its \`ready\` table (written until every side streams,
so each side sees a different number) and the BEGIN/END events of their transactions.
`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DOC_PATH, renderDifferencesDoc());
  console.log(`wrote ${DOC_PATH}`);
}
