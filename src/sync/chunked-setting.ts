/**
 * Items per chunk of a chunked full read, and the size a full listing must exceed to be read in chunks. Set it to
 * another whole number to change both, or to 0 to read every listing whole.
 */
export const FULL_READ_CHUNK_ENV = 'SYNCLINE_FULL_READ_CHUNK';

/**
 * Chunk size when the environment sets none: on by default, so that a large first listing (50,000 events, say) never
 * sits in memory whole. A listing of this many items or fewer still runs the usual path, on the pages already read.
 */
const DEFAULT_CHUNK_SIZE = 2000;

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Return the chunk size the environment sets (the default when unset), or null when listings are read whole. Throws
 * on a value that is not a whole number, naming the variable, the value and the fix: commands that run sessions call
 * it once as they start, so that such a value stops them there.
 */
export function fullReadChunkSize(env: Environment = process.env): number | null {
  const setting = readSetting(env);
  if (setting.problem !== null) {
    throw new Error(setting.problem);
  }
  return setting.size;
}

/**
 * Return the chunk size for one session, without throwing. A value that is not a whole number gives the default size,
 * and `problem` gives the reason. A session meets one only when the environment changed under a process that checked it at start.
 */
export function sessionChunkSize(env: Environment = process.env): { readonly size: number | null; readonly problem: string | null } {
  return readSetting(env);
}

function readSetting(env: Environment): { readonly size: number | null; readonly problem: string | null } {
  const text = env[FULL_READ_CHUNK_ENV]?.trim();
  if (text === undefined || text === '') {
    return { size: DEFAULT_CHUNK_SIZE, problem: null };
  }
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value)) {
    const problem = `${FULL_READ_CHUNK_ENV}=${text} is invalid: set it to a whole number of items per chunk (such as 1000), to 0 to read listings whole, or unset it for chunks of ${DEFAULT_CHUNK_SIZE}`;
    return { size: DEFAULT_CHUNK_SIZE, problem };
  }
  return { size: value === 0 ? null : value, problem: null };
}
