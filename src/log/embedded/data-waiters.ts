/**
 * In-process wake-ups for `TopicLog.waitForData`: `append` calls `notify` after its commit, so consumers
 * sleep on a promise instead of polling SQLite. Only this process writes the log (the data directory is
 * locked), so no change can arrive unseen. A read-only instance in another process cannot be notified;
 * it polls instead, sleeping between looks with a wait on no keys.
 */
interface Waiter {
  readonly keys: readonly string[];
  wake(): void;
}

export class DataWaiters {
  private readonly byPartition = new Map<string, Set<Waiter>>();

  static key(topic: string, partition: number): string {
    return `${topic}\u0000${partition}`;
  }

  wait(keys: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        keys,
        wake: () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', waiter.wake);
          this.remove(waiter);
          resolve();
        },
      };
      const timer = setTimeout(waiter.wake, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', waiter.wake, { once: true });
      for (const key of keys) {
        const set = this.byPartition.get(key) ?? new Set<Waiter>();
        this.byPartition.set(key, set);
        set.add(waiter);
      }
    });
  }

  notify(keys: Iterable<string>): void {
    const woken = new Set<Waiter>();
    for (const key of keys) for (const waiter of this.byPartition.get(key) ?? []) woken.add(waiter);
    for (const waiter of woken) waiter.wake();
  }

  wakeAll(): void {
    const all = new Set<Waiter>();
    for (const set of this.byPartition.values()) for (const waiter of set) all.add(waiter);
    for (const waiter of all) waiter.wake();
  }

  private remove(waiter: Waiter): void {
    for (const key of waiter.keys) {
      const set = this.byPartition.get(key);
      set?.delete(waiter);
      if (set?.size === 0) this.byPartition.delete(key);
    }
  }
}
