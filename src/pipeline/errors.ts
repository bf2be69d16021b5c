/**
 * Bad usage or configuration (a missing or invalid session, an unknown step, a bad flag): the
 * user must change something before trying again. The CLI exits with code 2 for these.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}
