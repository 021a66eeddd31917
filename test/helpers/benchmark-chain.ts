/**
 * The five-transform chain of `npm run bench -- transforms` (ExtractNewRecordState, ReplaceField,
 * InsertField, RegexRouter, Cast). The unit test of the fused chain runs the same config, so what the
 * benchmark measures is also what is checked for correctness.
 */
export const BENCHMARK_CHAIN: Readonly<Record<string, string>> = {
  transforms: 'unwrap,drop,insert,route,cast',
  'transforms.unwrap.type': 'io.debezium.transforms.ExtractNewRecordState',
  'transforms.unwrap.add.fields': 'op,source.ts_ms',
  'transforms.drop.type': 'org.apache.kafka.connect.transforms.ReplaceField$Value',
  'transforms.drop.exclude': 'note',
  'transforms.drop.renames': 'customer_id:customer',
  'transforms.insert.type': 'org.apache.kafka.connect.transforms.InsertField$Value',
  'transforms.insert.static.field': 'origin',
  'transforms.insert.static.value': 'seam',
  'transforms.insert.topic.field': 'topic',
  'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
  'transforms.route.regex': '([^.]+)\\.([^.]+)\\.([^.]+)',
  'transforms.route.replacement': '$3',
  'transforms.cast.type': 'org.apache.kafka.connect.transforms.Cast$Value',
  'transforms.cast.spec': 'amount:string,id:int64',
};
