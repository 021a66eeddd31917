import type { InternalTopic } from '../../../src/api/index.ts';

const topics = new Map<string, Uint8Array[]>();

/**
 * An internal topic kept in this process only, for runtimes that give a task no log topics (embedders,
 * tests): the history then lasts as long as the process.
 */
export function memoryTopic(name: string): InternalTopic {
  let values = topics.get(name);
  if (!values) {
    values = [];
    topics.set(name, values);
  }
  const list = values;
  return {
    readAll: async () => [...list],
    append: async (vs) => {
      list.push(...vs);
    },
  };
}
