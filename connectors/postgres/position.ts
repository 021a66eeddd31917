/**
 * A PostgreSQL log sequence number: an unsigned 64-bit WAL byte position. Held as a bigint so no
 * precision is lost above 2^53; printed as PostgreSQL does (`16/B374D848`, hex halves, upper case).
 * Offsets store the decimal string form ({@link Lsn.toDecimal}) so JSON keeps all 64 bits.
 */
const PG_FORM = /^[0-9A-Fa-f]{1,8}\/[0-9A-Fa-f]{1,8}$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export class Lsn {
  static readonly INVALID = new Lsn(0n);
  readonly value: bigint;
  /** toDecimal()'s text, made once: a transaction's commit LSN is printed into every one of its offsets. */
  #decimal: string | undefined;

  private constructor(value: bigint) {
    if (value < 0n || value > 0xffff_ffff_ffff_ffffn) throw new RangeError(`LSN out of range: ${value}`);
    this.value = value;
  }

  static of(value: bigint | number): Lsn {
    return new Lsn(BigInt(value));
  }

  /** Parses `X/Y` (PostgreSQL form) or a decimal string (offset form). */
  static parse(text: string): Lsn {
    // The stream's form, once per decoded message: checked by a test, then two parseInts, no captures.
    if (PG_FORM.test(text)) {
      const slash = text.indexOf('/');
      const hi = Number.parseInt(text.slice(0, slash), 16);
      const lo = Number.parseInt(text.slice(slash + 1), 16);
      // Below 2^53 the arithmetic is exact in a double.
      if (hi < 0x200000) return new Lsn(BigInt(hi * 0x1_0000_0000 + lo));
    }
    const slash = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
    if (slash) return new Lsn((BigInt(`0x${slash[1]}`) << 32n) | BigInt(`0x${slash[2]}`));
    if (/^\d+$/.test(text.trim())) return new Lsn(BigInt(text.trim()));
    throw new RangeError(`not an LSN: '${text}'`);
  }

  /** Parses an optional offset field; absent or malformed values give null. */
  static tryParse(text: unknown): Lsn | null {
    if (typeof text === 'bigint' || typeof text === 'number') return Lsn.of(text);
    if (typeof text !== 'string') return null;
    try {
      return Lsn.parse(text);
    } catch {
      return null;
    }
  }

  get isValid(): boolean {
    return this.value !== 0n;
  }

  toString(): string {
    const hi = (this.value >> 32n).toString(16).toUpperCase();
    const lo = (this.value & 0xffff_ffffn).toString(16).toUpperCase();
    return `${hi}/${lo}`;
  }

  toDecimal(): string {
    this.#decimal ??= this.value.toString();
    return this.#decimal;
  }

  /** As an int64 Connect value: a number when safe, else a bigint. */
  toInt64(): number | bigint {
    return this.value <= MAX_SAFE ? Number(this.value) : this.value;
  }

  add(bytes: bigint | number): Lsn {
    return new Lsn(this.value + BigInt(bytes));
  }

  compareTo(other: Lsn): number {
    return this.value < other.value ? -1 : this.value > other.value ? 1 : 0;
  }

  static max(a: Lsn, b: Lsn): Lsn {
    return a.value >= b.value ? a : b;
  }

  equals(other: Lsn): boolean {
    return this.value === other.value;
  }
}
