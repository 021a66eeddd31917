import { expect, it } from 'vitest';
import { ConnectMetrics } from '../../../src/instrumentation/metrics.ts';
import type { RuntimeMetrics } from '../../../src/runtime/runtime-metrics.ts';

it('ConnectMetrics implements the runtime metrics port', async () => {
  const metrics: RuntimeMetrics = new ConnectMetrics();
  const source = metrics.sourceTask('c', 0);
  source.recordPoll(3, 5);
  source.recordWrite(3);
  source.recordStatus('RUNNING');
  metrics.taskErrors('c', 0).recordDeadLetterProduce(true);
  expect(await (metrics as ConnectMetrics).text()).toMatch(
    /source_task_metrics_source_record_poll_total\{connector="c",task="0"\} 3/,
  );
  metrics.removeTask('c', 0);
});
