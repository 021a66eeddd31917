import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Password } from '../../../src/api/index.ts';
import { createLogging } from '../../../src/instrumentation/logger.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { stream, lines };
}

describe('logger', () => {
  it('writes JSON lines and hides passwords in every known shape', () => {
    const out = capture();
    const { logger } = createLogging({ destination: out.stream });
    logger.info(
      { config: { 'database.password': 'p1', 'database.user': 'u', 'sasl.jaas.config': 'jaas-text' } },
      'starting',
    );
    logger.info({ connection: { password: 'p2', host: 'h' } }, 'connect');
    logger.info({ db: { password: 'p3' }, secret: new Password('p4') }, 'nested');
    const text = JSON.stringify(out.lines());
    for (const secret of ['p1', 'p2', 'p3', 'p4', 'jaas-text']) expect(text).not.toContain(secret);
    const [first, second] = out.lines();
    expect(first).toMatchObject({
      msg: 'starting',
      config: { 'database.user': 'u', 'database.password': '[hidden]' },
    });
    expect(second).toMatchObject({ connection: { password: '[hidden]', host: 'h' } });
  });

  it('names child loggers and changes levels by namespace, including loggers created later', () => {
    const out = capture();
    const { levels } = createLogging({ destination: out.stream, level: 'info' });
    const task0 = levels.task('orders', 0);
    const other = levels.task('billing', 0);
    task0.debug('hidden before');
    expect(levels.set('connector.orders', 'DEBUG')).toEqual(['connector.orders', 'connector.orders.task.0']);
    task0.debug('shown after');
    other.debug('still hidden');
    levels.task('orders', 1).debug('inherited');
    const msgs = out.lines().map((l) => [l['logger'], l['msg'], l['task']]);
    expect(msgs).toEqual([
      ['connector.orders.task.0', 'shown after', 0],
      ['connector.orders.task.1', 'inherited', 1],
    ]);
    expect(levels.get('connector.orders.task.0')?.level).toBe('DEBUG');
    expect(levels.get('connector.billing.task.0')).toEqual({ level: 'INFO', last_modified: null });
    expect(levels.get('nope')).toBeUndefined();
    const all = levels.all();
    expect(Object.keys(all)).toEqual(['root', 'connector.orders', 'connector.orders.task.0']);
    expect(typeof all['connector.orders']?.last_modified).toBe('number');
    expect(() => levels.set('root', 'LOUD')).toThrow(/Invalid log level 'LOUD'/);
    levels.set('root', 'error');
    expect(levels.get('connector.orders.task.0')?.level).toBe('ERROR');
    expect(levels.all()['root']?.level).toBe('ERROR');
  });

  it('reaches loggers the runtime makes with logger.child({connector, task}), including later ones', () => {
    const out = capture();
    const { logger, levels } = createLogging({ destination: out.stream, level: 'info' });
    const task = logger.child({ connector: 'orders', task: 0 });
    const stage = task.child({ stage: 'poll' });
    expect(levels.get('connector.orders.task.0')).toEqual({ level: 'INFO', last_modified: null });
    expect(levels.set('connector.orders', 'DEBUG')).toEqual(['connector.orders', 'connector.orders.task.0']);
    task.debug('task debug');
    stage.debug('stage debug');
    logger.child({ connector: 'orders' }).debug('connector debug');
    logger.child({ connector: 'billing' }).debug('other connector');
    expect(out.lines().map((l) => l['msg'])).toEqual(['task debug', 'stage debug', 'connector debug']);
  });
});
