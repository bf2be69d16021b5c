import type { Command, CommanderError } from 'commander';
import { ConfigError } from '../domain/errors.js';

/** `baskets run`, or `baskets` for the program itself. */
export const commandPath = (cmd: Command): string => (cmd.parent ? `${commandPath(cmd.parent)} ${cmd.name()}` : cmd.name());

/** The commands (other than `cmd`) that take an option, as `baskets serve`, `baskets models`. */
function ownersOf(flag: string, cmd: Command): string[] {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root.commands.filter((c) => c !== cmd && c.options.some((o) => o.long === flag || o.short === flag)).map((c) => `\`${commandPath(c)}\``);
}

/** Why an option is not `cmd`'s: whose it is, or the near name commander suggests. */
function unknownOption(flag: string, cmd: Command, suggestion: string | undefined): string {
  const owners = ownersOf(flag, cmd);
  const hint =
    owners.length > 2 ? ' (other commands take it)' : owners.length ? ` (it is an option of ${owners.join(' and ')})` : suggestion ? ` (did you mean ${suggestion}?)` : '';
  return `\`${commandPath(cmd)}\` has no option ${flag}${hint}`;
}

/**
 * Commander's parse error for `cmd` as one line in baskets' words (what is wrong, then where the
 * command's own help is). Commander tells which error by its code; the details (the flag, the
 * value) are only in its message, so they are read from there, and an unforeseen message is
 * kept as it is.
 */
export function usageErrorFrom(err: CommanderError, cmd: Command): ConfigError {
  const message = err.message.replace(/^error: /, '');
  const firstLine = message.split('\n')[0];
  const quoted = [...message.matchAll(/'([^']*)'/g)].map((m) => m[1]);
  const path = commandPath(cmd);
  let what = firstLine;
  switch (err.code) {
    case 'commander.unknownOption':
      if (quoted[0]) what = unknownOption(quoted[0].replace(/=.*$/, ''), cmd, /Did you mean (\S+)\?/.exec(message)?.[1]);
      break;
    case 'commander.excessArguments': {
      const extra = cmd.args[cmd.registeredArguments.length];
      what = cmd.parent ? `unexpected argument "${extra}" after \`${path}\`` : `unknown command "${extra}"`;
      break;
    }
    case 'commander.missingArgument':
      if (quoted[0]) what = `\`${path}\` needs <${quoted[0]}>`;
      break;
    case 'commander.optionMissingArgument':
      if (quoted[0]) what = `${quoted[0]} needs a value`;
      break;
    case 'commander.invalidArgument': {
      // "option '--format <format>' argument 'xml' is invalid. …": say what it may be instead.
      const choices = cmd.options.find((o) => o.flags === quoted[0])?.argChoices;
      if (choices) what = `${quoted[0].split(' ')[0]} "${quoted[1]}" is not one of ${choices.join(', ')}`;
      break;
    }
  }
  return new ConfigError(`${what}: see \`${path} --help\``);
}

/**
 * With positional options, the program's own options (--sessions, --ascii, --verbose before the
 * command) are parsed before commander knows the command: refuse those the command does not take.
 */
export function checkProgramOptions(program: Command, action: Command): void {
  if (action === program) return;
  for (const option of program.options) {
    const name = option.attributeName();
    if (program.getOptionValueSource(name) !== 'cli') continue;
    if (!action.options.some((o) => o.attributeName() === name)) {
      throw new ConfigError(`${unknownOption(option.long ?? name, action, undefined)}: see \`${commandPath(action)} --help\``);
    }
  }
}
