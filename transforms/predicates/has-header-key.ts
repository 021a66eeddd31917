import { configSpec, nonEmpty } from '../../src/api/index.ts';
import { kafkaPredicate } from '../support/plugin.ts';

const spec = configSpec().define({
  name: 'name',
  type: 'string',
  required: true,
  validator: nonEmpty(),
  importance: 'medium',
  doc: 'The header name.',
});

/** True when at least one header has the configured key. */
export const hasHeaderKeyPlugin = kafkaPredicate(
  {
    name: 'HasHeaderKey',
    doc: 'A predicate which is true for records with at least one header with the configured name.',
    configSpec: spec,
  },
  (config) => ({ test: (record) => record.headers.some((h) => h.key === config.name) }),
);
