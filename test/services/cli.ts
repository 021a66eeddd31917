import { join } from 'node:path';
import { probe } from '../helpers/servers.ts';
import { cassandra } from './cassandra.ts';
import { elasticsearch } from './elasticsearch.ts';
import { kafka } from './kafka.ts';
import { mariadb } from './mariadb.ts';
import { serviceDir } from './paths.ts';
import { postgres } from './postgres.ts';
import { clearState, groupRssMiB, isRunning, logTail, readState, stopGroup, writeState } from './process.ts';
import { redis } from './redis.ts';
import { SERVICE_NAMES, type Service, type ServiceContext, type ServiceName } from './service.ts';
import { waitFor } from './wait.ts';

const registry: Partial<Record<ServiceName, Service>> = {
  postgres,
  mariadb,
  redis,
  kafka,
  elasticsearch,
  cassandra,
};

const usage =
  'usage: npm run services -- up|down|status [postgres|mariadb|redis|kafka|elasticsearch|cassandra ...]';

async function main(argv: string[]): Promise<number> {
  const [command, ...names] = argv;
  const selected = select(names);
  switch (command) {
    case 'up':
      return up(selected);
    case 'down':
      return down(selected);
    case 'status':
      return status(selected);
    default:
      console.error(usage);
      return 2;
  }
}

function select(names: string[]): Service[] {
  const wanted = names.length === 0 ? SERVICE_NAMES : names;
  return wanted.map((name) => {
    if (!(SERVICE_NAMES as readonly string[]).includes(name))
      throw new Error(`unknown server '${name}'. ${usage}`);
    const service = registry[name as ServiceName];
    if (!service) throw new Error(`server '${name}' is not implemented yet`);
    return service;
  });
}

function contextOf(service: Service): ServiceContext {
  const dir = serviceDir(service.name);
  return { dir, logFile: join(dir, 'server.log') };
}

/** Starts each server in turn (the JVMs would fight over two cores); one failure does not stop the rest. */
async function up(services: Service[]): Promise<number> {
  let failures = 0;
  for (const service of services) {
    try {
      await upOne(service);
    } catch (error) {
      failures++;
      console.error(`✗ ${service.name}: ${(error as Error).message}`);
    }
  }
  return failures === 0 ? 0 : 1;
}

async function upOne(service: Service): Promise<void> {
  const ctx = contextOf(service);
  const previous = readState(ctx.dir);
  if (previous && isRunning(previous)) {
    await service.ready(ctx);
    console.log(`✓ ${service.name} already running (pid ${previous.pid})\n  ${service.describe()}`);
    return;
  }
  clearState(ctx.dir);
  const busy = await probe('127.0.0.1', service.port, 1_000);
  if (busy === undefined) {
    throw new Error(
      `127.0.0.1:${service.port} is taken by a process this script did not start; stop it first`,
    );
  }
  const installStart = Date.now();
  await service.install(ctx);
  const installMs = Date.now() - installStart;
  const started = Date.now();
  const { pid, cmdlineMark } = await service.launch(ctx);
  const state = { pid, cmdlineMark, startedAt: new Date(started).toISOString() };
  writeState(ctx.dir, state);
  try {
    await waitFor(() => service.ready(ctx), {
      what: service.name,
      timeoutMs: service.startTimeoutMs,
      abortIf: () => {
        if (!isRunning(state)) throw new Error(`${service.name} exited during start-up`);
      },
    });
    await service.bootstrap?.(ctx);
  } catch (error) {
    await stopGroup(pid, 'SIGKILL', 0);
    clearState(ctx.dir);
    throw new Error(
      `${(error as Error).message}\n--- ${ctx.logFile} (last lines) ---\n${logTail(ctx.logFile)}`,
    );
  }
  const startupMs = Date.now() - started;
  writeState(ctx.dir, { ...state, startupMs });
  const install = installMs > 1_000 ? `, install ${seconds(installMs)}` : '';
  console.log(
    `✓ ${service.name} up in ${seconds(startupMs)}${install} (pid ${pid})\n  ${service.describe()}`,
  );
}

/** Stops, in reverse start order, only the process groups whose pids `up` recorded. */
async function down(services: Service[]): Promise<number> {
  for (const service of [...services].reverse()) {
    const ctx = contextOf(service);
    const state = readState(ctx.dir);
    if (!state) continue;
    if (isRunning(state)) {
      const started = Date.now();
      await stopGroup(state.pid, service.stopSignal, 60_000);
      console.log(`✓ ${service.name} stopped (pid ${state.pid}, ${seconds(Date.now() - started)})`);
    }
    clearState(ctx.dir);
  }
  return 0;
}

async function status(services: Service[]): Promise<number> {
  let down = 0;
  for (const service of services) {
    const ctx = contextOf(service);
    const state = readState(ctx.dir);
    if (!state || !isRunning(state)) {
      down++;
      console.log(`- ${service.name.padEnd(13)} stopped`);
      continue;
    }
    const startup = state.startupMs === undefined ? '?' : seconds(state.startupMs);
    console.log(
      `✓ ${service.name.padEnd(13)} pid ${String(state.pid).padEnd(7)} start-up ${startup.padEnd(7)} ` +
        `memory ${groupRssMiB(state.pid)} MiB RSS\n  ${service.describe()}`,
    );
  }
  return down === 0 ? 0 : 3;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

// kafkajs (used for Kafka's health query) arms timers with negative delays on Node 24; the warning is noise.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning') console.warn(`${warning.name}: ${warning.message}`);
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error((error as Error).message);
    process.exitCode = 1;
  },
);
