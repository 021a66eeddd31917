import { atLeast, type ConfigOf, configSpec, nonEmpty, oneOf } from '../../src/api/index.ts';

export const QUICKSTARTS = ['users', 'pageviews', 'orders'] as const;
export type Quickstart = (typeof QUICKSTARTS)[number];

/** Task config key the connector adds to tell each task which stream (0 … tasks.max-1) it generates. */
export const TASK_INDEX_KEY = 'datagen.task.index';

/** Options under the names of Confluent's kafka-connect-datagen, so its quickstart configs work unchanged. */
export const datagenConfigSpec = configSpec()
  .define({
    name: 'kafka.topic',
    type: 'string',
    required: true,
    validator: nonEmpty(),
    importance: 'high',
    doc: 'Topic to write.',
  })
  .define({
    name: 'quickstart',
    type: 'string',
    default: 'users',
    validator: oneOf(QUICKSTARTS),
    recommended: QUICKSTARTS,
    importance: 'high',
    doc: 'Record shape, after Confluent quickstarts: users, pageviews or orders.',
  })
  .define({
    name: 'iterations',
    type: 'long',
    default: -1,
    validator: atLeast(-1),
    importance: 'medium',
    doc: 'Records each task generates in all; -1 generates forever.',
  })
  .define({
    name: 'max.interval',
    type: 'long',
    default: 500,
    validator: atLeast(0),
    importance: 'medium',
    doc: 'Longest wait in ms before each record (a random wait up to it, as Confluent); 0 generates as fast as possible, in batches.',
  })
  .define({
    name: 'seed',
    type: 'long',
    default: 0,
    aliases: ['random.seed'],
    importance: 'low',
    doc: 'Seed of the generator: the same seed, task and sequence number always give the same record.',
  })
  .define({
    name: 'batch.size',
    type: 'int',
    default: 100,
    validator: atLeast(1),
    importance: 'low',
    doc: '(Seam) Records per poll when max.interval is 0.',
  });

export type DatagenConfig = ConfigOf<typeof datagenConfigSpec>;
