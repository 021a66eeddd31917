import { describe, expect, it } from 'vitest';
import { clusterSettings, isDistributed } from '../../../../src/herder/distributed/cluster-settings.ts';

const base = { 'group.id': 'g', 'bootstrap.servers': 'k:9092', 'redis.url': 'redis://r:6379' };

describe('distributed worker keys', () => {
  it('group.id with redis.url asks for a cluster; group.id alone stays standalone (transactional prefix)', () => {
    expect(isDistributed(base)).toBe(true);
    expect(isDistributed({ 'group.id': 'g', 'bootstrap.servers': 'k:9092' })).toBe(false);
    expect(isDistributed({ 'redis.url': 'redis://r' })).toBe(false);
  });

  it('defaults: 10 s lease, heartbeat a third of it, 15 s rebalance delay, keys under seam:<group.id>:', () => {
    expect(clusterSettings(base)).toEqual({
      groupId: 'g',
      redisUrl: 'redis://r:6379',
      prefix: 'seam:g:',
      leaseMs: 10_000,
      heartbeatMs: 3_333,
      maxDelayMs: 15_000,
    });
  });

  it('reports every problem at once', () => {
    expect(() =>
      clusterSettings({
        'group.id': 'g',
        'redis.url': 'http://r',
        'cluster.lease.timeout.ms': '3000',
        'heartbeat.interval.ms': '2000',
        'scheduled.rebalance.max.delay.ms': '-1',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          expect.objectContaining({ key: 'bootstrap.servers' }),
          expect.objectContaining({ key: 'heartbeat.interval.ms' }),
          expect.objectContaining({ key: 'scheduled.rebalance.max.delay.ms' }),
          expect.objectContaining({ key: 'redis.url' }),
        ],
      }),
    );
  });
});
