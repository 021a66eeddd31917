import { configSpec, regex } from '../../src/api/index.ts';
import { fullMatchRegex } from '../support/java-regex.ts';
import { kafkaPredicate } from '../support/plugin.ts';

const spec = configSpec().define({
  name: 'pattern',
  type: 'string',
  required: true,
  validator: regex(),
  importance: 'medium',
  doc: "A Java regular expression for matching against the name of a record's topic (the whole name must match).",
});

/** True when the whole topic name matches `pattern` (Java `Matcher.matches()`). */
export const topicNameMatchesPlugin = kafkaPredicate(
  {
    name: 'TopicNameMatches',
    doc: 'A predicate which is true for records with a topic name that matches the configured regular expression.',
    configSpec: spec,
  },
  (config) => {
    const re = fullMatchRegex(config.pattern);
    return { test: (record) => re.test(record.topic) };
  },
);
