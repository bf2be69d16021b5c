import { join } from 'node:path';
import { runServe } from '../engines/serve/index.js';
import { builtinCacheDir } from '../engines/builtin/index.js';
import { UsageError } from './errors.js';

export interface ServeFlags {
  host?: string;
  port?: string;
  token?: string;
  faults?: string;
  instant?: boolean;
  models?: string;
  dataDir?: string;
}

/** `baskets serve`: parse the flags, then serve until SIGINT/SIGTERM. */
export async function serveCommand(flags: ServeFlags, out: (s: string) => void): Promise<number> {
  const port = flags.port === undefined ? 8000 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${flags.port} is not a port number (0–65535)`);
  await runServe(
    {
      host: flags.host,
      port,
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
