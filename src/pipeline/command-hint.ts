import { resolve } from 'node:path';

/**
 * A command line shown to the user as a hint: `baskets <args>`, with `--sessions <dir>` when
 * the session lives outside ./sessions, so the line copied as shown finds the same session
 * (a hint without it sent a study in another folder to "no session").
 */
export function basketsCommand(args: string, sessionsDir: string, cwd = process.cwd()): string {
  const dir = resolve(cwd, sessionsDir);
  if (dir === resolve(cwd, 'sessions')) return `baskets ${args}`;
  // Quoted for a POSIX shell where it holds anything but plain path characters.
  const quoted = /^[\w@%+=:,./-]+$/.test(dir) ? dir : `'${dir.replaceAll("'", `'\\''`)}'`;
  return `baskets ${args} --sessions ${quoted}`;
}
