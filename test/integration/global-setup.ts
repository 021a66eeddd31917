import { endpoints, probe, type ServerName } from '../helpers/servers.ts';

const ALL: ServerName[] = ['postgres', 'mariadb', 'redis', 'kafka', 'elasticsearch', 'cassandra'];

/**
 * Runs once before the integration suites: prints which servers answer, with the command that starts
 * the missing ones. It does not fail the run; each suite calls requireServer() for the servers it needs,
 * so a missing server fails exactly the suites that depend on it.
 */
export default async function setup(): Promise<void> {
  const lines = await Promise.all(
    ALL.map(async (name) => {
      const results = await Promise.all(endpoints(name).map(({ host, port }) => probe(host, port, 1_000)));
      const where = endpoints(name)
        .map(({ host, port }) => `${host}:${port}`)
        .join(',');
      return results.every((error) => error === undefined)
        ? `  ✓ ${name} ${where}`
        : `  ✗ ${name} ${where} unreachable: its suites will fail (npm run services -- up ${name})`;
    }),
  );
  console.log(`integration servers:\n${lines.join('\n')}`);
}
