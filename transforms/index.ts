import type { PredicatePlugin, TransformPlugin } from '../src/api/index.ts';
import { dropHeadersPlugin } from './drop-headers.ts';
import { filterPlugin } from './filter.ts';
import { insertHeaderPlugin } from './insert-header.ts';
import { hasHeaderKeyPlugin } from './predicates/has-header-key.ts';
import { recordIsTombstonePlugin } from './predicates/record-is-tombstone.ts';
import { topicNameMatchesPlugin } from './predicates/topic-name-matches.ts';
import { regexRouterPlugin } from './regex-router.ts';
import { timestampRouterPlugin } from './timestamp-router.ts';

/** Built-in single message transforms, one file each. Kafka's SMTs come first so their simple names win. */
export function builtinTransforms(): TransformPlugin[] {
  return [filterPlugin, regexRouterPlugin, timestampRouterPlugin, insertHeaderPlugin, dropHeadersPlugin];
}

/** Built-in predicates (transforms/predicates/). */
export function builtinPredicates(): PredicatePlugin[] {
  return [topicNameMatchesPlugin, hasHeaderKeyPlugin, recordIsTombstonePlugin];
}
