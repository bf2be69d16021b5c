/**
 * Bad usage or configuration (a missing or invalid session, an unknown step, a bad flag): the
 * user must change something before trying again. The CLI exits with code 2 for these.
 */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Several problems as one line: the first, and how many more there are. */
export function firstProblem(problems: readonly string[]): string {
  return problems.length > 1 ? `${problems[0]} (and ${problems.length - 1} more)` : (problems[0] ?? '');
}

/**
 * A refusal with several problems: `message` holds them on one line (for a notice in the TUI),
 * `problems` one each, which the command line prints a line apiece.
 */
export class ProblemsError extends ConfigError {
  override name = 'ProblemsError';
  constructor(
    readonly head: string,
    readonly problems: readonly string[],
  ) {
    super(`${head}: ${problems.join('; ')}`);
  }
}
