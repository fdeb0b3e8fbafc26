const DEFAULT_JOB_SCHEMA = 'graphile_worker';
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;
const LONGEST_NAME = 63;

/**
 * Name the PostgreSQL schema of the job queue: graphile-worker's default beside a store in the default schema, else
 * `<store schema>_jobs`, so two deployments (or two test runs) in one database keep separate queues.
 */
export function jobSchemaFor(storeSchema: string | undefined): string {
  if (storeSchema === undefined || storeSchema === 'public') {
    return DEFAULT_JOB_SCHEMA;
  }

  const schema = `${storeSchema}_jobs`;
  if (!PLAIN_NAME.test(schema) || schema.length > LONGEST_NAME) {
    throw new Error(`Store schema "${storeSchema}" gives job schema "${schema}", which is not a plain PostgreSQL name of at most ${LONGEST_NAME} characters; choose a shorter lowercase store schema`);
  }
  return schema;
}
