import { configSpec } from '../../src/api/index.ts';
import { kafkaPredicate } from '../support/plugin.ts';

/** True for tombstones: records whose value is null, whatever their schema. */
export const recordIsTombstonePlugin = kafkaPredicate(
  {
    name: 'RecordIsTombstone',
    doc: 'A predicate which is true for records which are tombstones (i.e. have null value).',
    configSpec: configSpec(),
  },
  () => ({ test: (record) => record.value === null || record.value === undefined }),
);
