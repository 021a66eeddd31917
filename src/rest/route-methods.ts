/**
 * The methods each registered path answers, so that a known path asked with another method answers
 * 405 with an Allow header (as Kafka Connect's Jersey does) instead of fastify's 404.
 */
export class RouteMethods {
  readonly #routes: { readonly pattern: RegExp; readonly methods: readonly string[] }[] = [];

  add(method: string | readonly string[], url: string): void {
    const pattern = url
      .split('/')
      .map((segment) =>
        segment.startsWith(':')
          ? '[^/]+'
          : segment === '*'
            ? '.*'
            : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    this.#routes.push({
      pattern: new RegExp(`^${pattern}/?$`),
      methods: typeof method === 'string' ? [method] : [...method],
    });
  }

  /** Every method some route of `path` (no query string) answers, sorted; empty for an unknown path. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const r of this.#routes) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
    return [...methods].sort();
  }
}
