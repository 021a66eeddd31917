/** Resolves when `p` does, or when the task stops (the snapshots wait on the stream, which a stop ends). */
export function untilAborted(p: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    void p.then(done);
  });
}
