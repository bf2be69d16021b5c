import { join } from 'node:path';
import { runServe } from '../engines/serve/index.js';
import { builtinCacheDir } from '../engines/builtin/index.js';
import { ConfigError } from '../domain/errors.js';

export interface ServeFlags {
  host?: string;
  port?: string;
  token?: string;
  faults?: string;
  instant?: boolean;
  models?: string;
  dataDir?: string;
}

/** The `--port` flag as a number, or a usage error saying what to pass. */
function parsePort(raw: string): number {
  // Digits only: Number() would take "", " 80", "0x1f" and "1e3" for ports.
  if (/^\d{1,5}$/.test(raw) && Number(raw) <= 65535) return Number(raw);
  throw new ConfigError(`--port "${raw}" is not a port number: pass a whole number from 0 to 65535 (0 picks a free port)`);
}

/** `baskets serve`: parse the flags, then serve until SIGINT/SIGTERM. */
export async function serveCommand(flags: ServeFlags, out: (s: string) => void): Promise<number> {
  await runServe(
    {
      host: flags.host,
      port: flags.port === undefined ? 8000 : parsePort(flags.port),
      token: flags.token ?? process.env.BASKETS_SERVE_TOKEN,
      faults: flags.faults,
      instant: flags.instant,
      models: flags.models?.split(',').map((m) => m.trim()).filter(Boolean),
      // Uploads and fine-tuned models survive a restart of the server.
      dataDir: flags.dataDir ?? join(builtinCacheDir(), 'serve'),
    },
    out,
  );
  return 0;
}
