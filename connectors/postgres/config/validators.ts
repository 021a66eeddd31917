import { oneOf, type Validator } from '../../../src/api/index.ts';

/** Validators shared by the PostgreSQL option groups. */

const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
export const slotName: Validator<string> = (v) =>
  SLOT_NAME.test(v)
    ? undefined
    : `Invalid slot name '${v}': use 1-63 lower-case letters, digits and underscores`;

export const publicationName: Validator<string> = (v) =>
  v.length > 0 && v.length <= 63 && !/['",\0]/.test(v)
    ? undefined
    : `Invalid publication name '${v}': 1-63 characters without quotes or commas`;

export const regexList: Validator<string[]> = (vs) => {
  for (const v of vs) {
    try {
      new RegExp(v);
    } catch (e) {
      return `Invalid regular expression '${v}': ${(e as Error).message}`;
    }
  }
  return undefined;
};

const SNAPSHOT_MODES = ['initial', 'always', 'initial_only', 'no_data', 'never', 'when_needed'] as const;
const UNSUPPORTED_SNAPSHOT_MODES = ['configuration_based', 'custom'];
export const snapshotMode: Validator<string> = (v) =>
  UNSUPPORTED_SNAPSHOT_MODES.includes(v.toLowerCase())
    ? `snapshot.mode '${v}' is not supported by Seam yet; use one of ${SNAPSHOT_MODES.join(', ')}`
    : oneOf(SNAPSHOT_MODES)(v, 'snapshot.mode');
