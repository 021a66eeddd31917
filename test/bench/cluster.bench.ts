/**
 * `npm run bench -- cluster [records=50000] [pipelines=3] [kills=10] [lease=3000]`: distributed mode on
 * the servers of `npm run services` (Kafka and Redis).
 * 1. Throughput: the same pipelines — `pipelines` datagen sources of 2 tasks (`records` records per
 *    task, generated as fast as possible) into topics of 2 partitions, each read by a file sink (one
 *    task) — run by a cluster of 1 worker, then by a cluster of 3 workers (fresh topics, groups and Redis
 *    keys each), in the same run: records per second from creating the connectors until every record is
 *    in the sinks' files (end to end) and between 10 % and 90 % of them (steady), and the ratios
 *    3 workers : 1. All workers share this machine's cores, so the
 *    ratio says what spreading costs or gains here, not what 3 machines would give.
 * 2. Failover: on the 3-worker cluster (lease `lease` ms, scheduled.rebalance.max.delay.ms 0), `kills`
 *    times a random worker that holds connectors is killed with SIGKILL; the time until each of its
 *    connectors is RUNNING on another worker under a newer epoch; then it is started again and the
 *    cluster settles. Prints median and max.
 */
import { readFileSync } from 'node:fs';
import {
  call,
  cluster,
  clusterSettled,
  connectorsOn,
  heldEpochs,
  median,
  movedOff,
  TestCluster,
  waitFor,
  workerId,
} from '../integration/cluster/cluster-harness.ts';
import { type Measurement, printMeasurement, printRatio } from './report.ts';

function arg(args: string[], name: string, fallback: number): number {
  return Number(args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1) ?? fallback);
}

function lines(path: string): number {
  try {
    const text = readFileSync(path, 'utf8');
    let n = 0;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

/** `count` datagen → file pipelines named `<tag>gen-<i>` and `<tag>out-<i>`, with their own topics and groups. */
function pipelines(
  c: TestCluster,
  count: number,
  records: number,
  tag = '',
  maxInterval = '0',
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (let i = 0; i < count; i++) {
    const topic = c.topic(`${tag}bench${i}`);
    out[`${tag}gen-${i}`] = {
      'connector.class': 'io.confluent.kafka.connect.datagen.DatagenConnector',
      'tasks.max': '2',
      'kafka.topic': topic,
      quickstart: 'users',
      iterations: String(records),
      'max.interval': maxInterval,
      'batch.size': maxInterval === '0' ? '500' : '20',
      'topic.creation.default.partitions': '2',
      'topic.creation.default.replication.factor': '1',
    };
    out[`${tag}out-${i}`] = {
      'connector.class': 'FileStreamSink',
      topics: topic,
      file: `${c.dir}/${tag}out-${i}.jsonl`,
      'consumer.override.group.id': `${c.group}-${tag}out${i}`,
    };
  }
  return out;
}

async function throughput(label: string, n: number, count: number, records: number, lease: number) {
  const c = new TestCluster(`bench${n}`, { 'cluster.lease.timeout.ms': String(lease) });
  const groups = Array.from({ length: count }, (_, i) => `${c.group}-out${i}`);
  try {
    const workers = await c.start(n);
    const connectors = pipelines(c, count, records);
    const total = count * 2 * records;
    const start = process.hrtime.bigint();
    for (const [name, config] of Object.entries(connectors))
      await call(workers[0]!.url, 'PUT', `/connectors/${name}/config`, config);
    const files = Array.from({ length: count }, (_, i) => `${c.dir}/out-${i}.jsonl`);
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    // The steady rate between 10 % and 90 % of the records leaves out start-up (assignment at the
    // leader's next heartbeat, producers and consumer groups forming) and the last stragglers.
    let t10 = 0;
    let t90 = 0;
    await waitFor(
      `${total} records in the sinks' files`,
      async () => {
        const done = files.reduce((s, f) => s + lines(f), 0);
        if (t10 === 0 && done >= total * 0.1) t10 = elapsed();
        if (t90 === 0 && done >= total * 0.9) t90 = elapsed();
        return done >= total;
      },
      1_800_000,
    );
    const all: Measurement = { label: `${label}, end to end`, items: total, seconds: elapsed() };
    const m: Measurement = {
      label: `${label}, steady (10-90 %)`,
      items: Math.round(total * 0.8),
      seconds: t90 - t10,
    };
    printMeasurement(all);
    printMeasurement(m);
    const owners = (await cluster(workers[0]!)).assignment.owners;
    console.log(`  owners: ${JSON.stringify(owners)}`);
    return { m, all, c, groups };
  } catch (error) {
    await c.close({ groups });
    throw error;
  }
}

export async function run(args: string[]): Promise<void> {
  const records = arg(args, 'records', 50_000);
  const count = arg(args, 'pipelines', 3);
  const kills = arg(args, 'kills', 10);
  const lease = arg(args, 'lease', 3000);
  console.log(
    `cluster: ${count} pipelines (datagen 2 tasks × ${records} records → Kafka, 2 partitions → file sink); lease ${lease} ms, no rebalance delay`,
  );
  const one = await throughput('1 worker', 1, count, records, lease);
  await one.c.close({ groups: one.groups });
  const three = await throughput('3 workers', 3, count, records, lease);
  const c = three.c;
  try {
    printRatio('3 workers : 1 worker, end to end', three.all, one.all);
    printRatio('3 workers : 1 worker, steady', three.m, one.m);
    // Failover: pipelines that keep running (the bench's own have finished their records).
    const live = pipelines(c, count, 1_000_000_000, 'live-', '20');
    for (const [name, config] of Object.entries(live))
      await call(c.any().url, 'PUT', `/connectors/${name}/config`, config);
    const all = [
      ...Object.keys(live),
      ...Array.from({ length: count }, (_, i) => [`gen-${i}`, `out-${i}`]).flat(),
    ];
    await waitFor('all connectors RUNNING', () => clusterSettled(c, all, 3), 180_000);
    const times: number[] = [];
    for (let k = 1; k <= kills; k++) {
      const ws = c.live();
      const assignment = (await cluster(ws[0]!)).assignment;
      const holding = ws.filter((w) => connectorsOn(assignment, workerId(w)).length > 0);
      const victim = holding[Math.floor(Math.random() * holding.length)]!;
      const victimId = workerId(victim);
      // Connectors of which it ran the instance or a task: only those instances move.
      const moving = connectorsOn(assignment, victimId);
      const before = await heldEpochs(ws);
      const killedAt = Date.now();
      await victim.kill();
      await waitFor(
        'the killed worker’s connectors RUNNING elsewhere',
        () => movedOff(c, moving, victimId, assignment, before),
        180_000,
      );
      times.push(Date.now() - killedAt);
      console.log(
        `  kill ${k}/${kills}: ${victimId} ran instances or tasks of ${moving.length} connectors, RUNNING elsewhere after ${times.at(-1)} ms`,
      );
      await c.startOne(Number(new URL(victim.url).port));
      await waitFor('the cluster settles', () => clusterSettled(c, all, 3), 180_000);
    }
    console.log(
      `failover SIGKILL → RUNNING elsewhere over ${kills} kills: median ${median(times)} ms, max ${Math.max(...times)} ms (lease ${lease} ms)`,
    );
  } finally {
    await c.close({
      groups: [...three.groups, ...Array.from({ length: count }, (_, i) => `${c.group}-live-out${i}`)],
    });
  }
}
