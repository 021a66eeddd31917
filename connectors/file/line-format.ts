/**
 * One record value as one line of text: strings as they are; bytes decoded as UTF-8; structs, maps and
 * arrays as JSON (int64 bigints as exact digits, bytes as base64, decimals as plain numbers); null as
 * `null`, as Kafka's FileStreamSinkTask prints it. Newlines inside a string value are written as they are,
 * as Kafka does, so such a value spans lines.
 */
export function formatLine(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
  return toJson(value);
}

function toJson(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'bigint':
      return String(v);
    case 'boolean':
      return String(v);
    case 'object': {
      if (v === null) return 'null';
      if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
      if (v instanceof Uint8Array)
        return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
      if (v instanceof Date) return JSON.stringify(v.toISOString());
      if (v instanceof Map)
        return `{${[...v].map(([k, x]) => `${JSON.stringify(String(k))}:${toJson(x)}`).join(',')}}`;
      if (isDecimal(v)) return decimalText(v.unscaled, v.scale);
      return `{${Object.entries(v)
        .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
        .join(',')}}`;
    }
    default:
      return 'null';
  }
}

function isDecimal(v: object): v is { unscaled: bigint; scale: number } {
  return (
    typeof (v as { unscaled?: unknown }).unscaled === 'bigint' &&
    typeof (v as { scale?: unknown }).scale === 'number'
  );
}

function decimalText(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale > 0 ? `${digits.slice(0, -scale)}.${digits.slice(-scale)}` : digits;
  return neg ? `-${text}` : text;
}
