/**
 * The timeout of a test that runs the CLI `n` times: a hang guard, never a speed bound. A CLI
 * spawn costs a second on a quiet machine and many more under load (a busy 2-core box), and a
 * test's timeout must hold for the slowest of those; 2 minutes each also covers startCli's own
 * wait for a line.
 */
export const perCli = (n: number): number => n * 120_000;
