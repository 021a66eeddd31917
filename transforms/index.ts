import type { PredicatePlugin, TransformPlugin } from '../src/api/index.ts';
import { castPlugins } from './cast.ts';
import { byLogicalTableRouterPlugin } from './debezium/by-logical-table-router.ts';
import { contentBasedRouterPlugin } from './debezium/content-based-router.ts';
import { contentFilterPlugin } from './debezium/content-filter.ts';
import { eventRouterPlugin } from './debezium/event-router.ts';
import { extractNewRecordStatePlugin } from './debezium/extract-new-record-state.ts';
import { headerToValuePlugin } from './debezium/header-to-value.ts';
import { partitionRoutingPlugin } from './debezium/partition-routing.ts';
import { timezoneConverterPlugin } from './debezium/timezone-converter.ts';
import { dropHeadersPlugin } from './drop-headers.ts';
import { extractFieldPlugins } from './extract-field.ts';
import { filterPlugin } from './filter.ts';
import { flattenPlugins } from './flatten.ts';
import { headerFromPlugins } from './header-from.ts';
import { hoistFieldPlugins } from './hoist-field.ts';
import { insertFieldPlugins } from './insert-field.ts';
import { insertHeaderPlugin } from './insert-header.ts';
import { maskFieldPlugins } from './mask-field.ts';
import { hasHeaderKeyPlugin } from './predicates/has-header-key.ts';
import { recordIsTombstonePlugin } from './predicates/record-is-tombstone.ts';
import { topicNameMatchesPlugin } from './predicates/topic-name-matches.ts';
import { regexRouterPlugin } from './regex-router.ts';
import { replaceFieldPlugins } from './replace-field.ts';
import { setSchemaMetadataPlugins } from './set-schema-metadata.ts';
import { timestampConverterPlugins } from './timestamp-converter.ts';
import { timestampRouterPlugin } from './timestamp-router.ts';
import { valueToKeyPlugin } from './value-to-key.ts';

/** Built-in single message transforms, one file each. Kafka's SMTs come first so their simple names win. */
export function builtinTransforms(): TransformPlugin[] {
  return [
    ...insertFieldPlugins,
    ...replaceFieldPlugins,
    ...maskFieldPlugins,
    valueToKeyPlugin,
    ...hoistFieldPlugins,
    ...extractFieldPlugins,
    ...castPlugins,
    timestampRouterPlugin,
    regexRouterPlugin,
    ...flattenPlugins,
    filterPlugin,
    ...timestampConverterPlugins,
    ...setSchemaMetadataPlugins,
    ...headerFromPlugins,
    insertHeaderPlugin,
    dropHeadersPlugin,
    extractNewRecordStatePlugin,
    eventRouterPlugin,
    byLogicalTableRouterPlugin,
    headerToValuePlugin,
    timezoneConverterPlugin,
    partitionRoutingPlugin,
    contentFilterPlugin,
    contentBasedRouterPlugin,
  ];
}

/** Built-in predicates (transforms/predicates/). */
export function builtinPredicates(): PredicatePlugin[] {
  return [topicNameMatchesPlugin, hasHeaderKeyPlugin, recordIsTombstonePlugin];
}
