/** A secret. Prints as `[hidden]` everywhere (toString, JSON, util.inspect); `reveal()` is explicit. */
export class Password {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return Password.HIDDEN;
  }
  toJSON(): string {
    return Password.HIDDEN;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return Password.HIDDEN;
  }
  static readonly HIDDEN = '[hidden]';
}
