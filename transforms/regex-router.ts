import type { FieldPlan } from '../src/api/field-plan.ts';
import { ConfigError, type ConnectRecord, configSpec, regex, type Schema } from '../src/api/index.ts';
import type { Draft } from '../src/api/transform-hooks.ts';
import { compileReplacement, fullMatchRegex, groupCount } from './support/java-regex.ts';
import { kafkaTransform } from './support/plugin.ts';
import { bothForms } from './support/record-side.ts';
import { SchemaCache } from './support/schema-util.ts';

const spec = configSpec()
  .define({
    name: 'regex',
    type: 'string',
    required: true,
    validator: regex(),
    importance: 'high',
    doc: 'Regular expression to use for matching the whole topic name.',
  })
  .define({
    name: 'replacement',
    type: 'string',
    required: true,
    importance: 'high',
    doc: 'Replacement string; $1, $2 … or ${name} refer to capture groups (Java syntax).',
  });

/** Kafka's RegexRouter: when the whole topic matches `regex`, rewrites it with Java `replaceFirst` rules. */
export const regexRouterPlugin = kafkaTransform(
  {
    name: 'RegexRouter',
    doc: 'Update the record topic using the configured regular expression and replacement string. The regex must match the whole topic name; the replacement may use capture groups ($1, ${name}).',
    configSpec: spec,
  },
  (config) => {
    const re = fullMatchRegex(config.regex);
    let replace: (m: RegExpExecArray) => string;
    try {
      replace = compileReplacement(config.replacement, groupCount(re));
    } catch (e) {
      throw new ConfigError([
        {
          key: 'replacement',
          message: `Invalid replacement '${config.replacement}': ${(e as Error).message}`,
        },
      ]);
    }
    // A connector writes to few topics, so the routed name is remembered per topic (bounded), and the
    // last one is checked before the map: a stream mostly repeats one topic.
    const routed = new Map<string, string>();
    let lastTopic: string | null = null;
    let lastRouted = '';
    const route = (topic: string): string => {
      if (topic === lastTopic) return lastRouted;
      let out = routed.get(topic);
      if (out === undefined) {
        const m = re.exec(topic);
        out = m ? replace(m) : topic;
        if (routed.size >= 10_000) routed.clear();
        routed.set(topic, out);
      }
      lastTopic = topic;
      lastRouted = out;
      return out;
    };
    // As a field plan: the value and its schema unchanged, the topic routed (one plan per schema).
    const plans = new SchemaCache<FieldPlan>();
    const fieldPlan = (schema: Schema): FieldPlan =>
      plans.get(schema, () => ({ schema, struct: null, topic: route }));
    return bothForms(
      <R extends ConnectRecord>(record: R, inPlace: boolean): R => {
        const topic = route(record.topic);
        if (topic === record.topic) return record;
        if (!inPlace) return { ...record, topic };
        (record as Draft<R>).topic = topic;
        return record;
      },
      { fieldPlan },
    );
  },
);
