import { startServer } from '../engines/serve/index.js';
import { UsageError } from './errors.js';

export interface ServeFlags {
  host?: string;
  port?: string;
  token?: string;
  faults?: string;
  instant?: boolean;
  models?: string;
}

/** `baskets serve`: run the OpenAI-compatible server until SIGINT/SIGTERM. */
export async function serveCommand(flags: ServeFlags, out: (s: string) => void): Promise<number> {
  const port = flags.port === undefined ? 8000 : Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${flags.port} is not a port number (0–65535)`);
  const server = await startServer({
    host: flags.host,
    port,
    token: flags.token ?? process.env.BASKETS_SERVE_TOKEN,
    faults: flags.faults,
    instant: flags.instant,
    models: flags.models?.split(',').map((m) => m.trim()).filter(Boolean),
    log: out,
  });
  out(`baskets serve: listening on ${server.url} (Ctrl-C to stop)`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return 0;
}
