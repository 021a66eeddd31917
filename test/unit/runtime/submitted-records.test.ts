import { expect, it } from 'vitest';
import { SubmittedRecords } from '../../../src/runtime/submitted-records.ts';

it('commits only up to the contiguous acknowledged watermark per partition', () => {
  const s = new SubmittedRecords();
  const a1 = s.submit({ t: 'a' }, { n: 1 });
  const a2 = s.submit({ t: 'a' }, { n: 2 });
  const b1 = s.submit({ t: 'b' }, { n: 10 });
  s.ack(a2);
  expect(s.commit()).toEqual([]);
  expect(s.offsetsIfAcked(new Set([a1]))).toEqual([{ partition: '{"t":"a"}', offset: { n: 2 } }]);
  s.ack(a1);
  s.ack(b1);
  expect(s.commit()).toEqual([
    { partition: '{"t":"a"}', offset: { n: 2 } },
    { partition: '{"t":"b"}', offset: { n: 10 } },
  ]);
  expect(s.inFlight).toBe(0);
});
