import { configSpec } from '../src/api/index.ts';
import { kafkaTransform } from './support/plugin.ts';

/** Kafka's Filter: drops every record it is applied to, so it is used with a predicate. */
export const filterPlugin = kafkaTransform(
  {
    name: 'Filter',
    doc: 'Drops all records, filtering them from subsequent transformations in the chain. Use it with a predicate to drop only the records that match (or, with negate, that do not).',
    configSpec: configSpec(),
  },
  () => ({ apply: () => null }),
);
