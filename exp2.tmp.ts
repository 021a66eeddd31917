import { parseKafkaConfig } from '/work/wt-ktopics/src/log/kafka/kafka-config.ts';
import { KafkaTopicLog } from '/work/wt-ktopics/src/log/kafka/kafka-topic-log.ts';
import { platformaticClient } from '/work/wt-ktopics/src/log/kafka/platformatic-client.ts';
import { inspect } from 'node:util';
const run = Date.now().toString(36);
const client = platformaticClient(parseKafkaConfig({ 'bootstrap.servers': '127.0.0.1:9092', 'client.id': 'ktopics-exp' }));
const log = await KafkaTopicLog.open({ client, transactionalId: `ktopics-exp-${run}`, offsetsTopic: `ktopics-exp-off-${run}`, offsetsPartitions: 1 });
const t2 = `ktopics-exp2-${run}`;
const rec = (n: number) => ({ topic: t2, partition: 0, key: new Uint8Array([1]), value: new Uint8Array(n), headers: [], timestamp: null });
const mode = process.argv[2];
try {
  if (mode === 'many') console.log('many', (await log.append(Array.from({ length: 3000 }, () => rec(1000)))).length);
  else console.log('big', await log.append([rec(2_000_000)]));
} catch (e: any) { console.log(inspect(e, { depth: 8 }).slice(0, 4000)); }
try { console.log('after', (await log.append([rec(10)]))); } catch (e: any) { console.log('after err', inspect(e, {depth: 6}).slice(0, 3000)); }
await log.deleteTopic(t2); await log.deleteTopic(`ktopics-exp-off-${run}`);
await log.close();
