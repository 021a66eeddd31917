/**
 * One change event as both sides write it: the topic, and the key, value and each header as the JSON
 * that Kafka's JsonConverter (schemas.enable=true) produced, parsed with exact integers.
 */
export interface CapturedEvent {
  readonly topic: string;
  readonly key: unknown;
  readonly value: unknown;
  readonly headers: readonly { readonly key: string; readonly value: unknown }[];
}

/**
 * JSON.parse, except that integers beyond 2^53 become bigints (int64 fields such as `source.lsn` or a
 * large int8 column would otherwise compare equal after rounding).
 */
export function parseExact(text: string): unknown {
  const reviver = (_key: string, value: unknown, context?: { source?: string }): unknown => {
    if (
      typeof value === 'number' &&
      !Number.isSafeInteger(value) &&
      context?.source &&
      /^-?\d+$/.test(context.source)
    ) {
      return BigInt(context.source);
    }
    return value;
  };
  return JSON.parse(text, reviver as (key: string, value: unknown) => unknown);
}
