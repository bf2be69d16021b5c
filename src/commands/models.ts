import { baseUrlProblem } from '../domain/base-url.js';
import { PROBE_HEAD, probeCells } from '../ui/probe-table.js';
import { probeServer, type ServerProbe } from '../engines/openai/probe.js';
import { safeJson, sanitizeLine } from '../util/sanitize.js';
import { displayWidth, pad } from '../util/text-width.js';
import { ConfigError } from '../domain/errors.js';

export interface ModelsOptions {
  json?: boolean;
  /** Probe again instead of showing the cached result. */
  refresh?: boolean;
  /** Probe only these models (each probe is a request, paid on OpenAI); the others are listed. */
  models?: string[];
  /** The environment variable holding the server's API key. */
  apiKeyEnv?: string;
  out: (line: string) => void;
}

/** The probe as an aligned table, then the reasons behind every "no". */
export function formatProbeTable(probe: ServerProbe, cached: boolean): string[] {
  const rows = probe.models.map(probeCells);
  const widths = PROBE_HEAD.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]))));
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i])).join('  ').trimEnd();
  const when = probe.probedAt.slice(0, 16).replace('T', ' ');
  const lines = [`${probe.baseUrl} (${probe.server}), probed ${when} UTC${cached ? ' — cached; --refresh probes again' : ''}`, '', line(PROBE_HEAD), ...rows.map(line)];
  if (probe.models.length === 0) lines.push('(the server lists no models)');
  const notes = probe.models.flatMap((m) => m.notes.map((n) => `  ${sanitizeLine(m.model)}: ${sanitizeLine(n)}`));
  if (notes.length) lines.push('', 'notes:', ...notes);
  if (probe.unprobed?.length) {
    const names = probe.unprobed.map(sanitizeLine);
    lines.push('', `not probed (${names.length}): ${names.join(', ')}`, `  probe one with: baskets models ${probe.baseUrl} --models ${names[0]}`);
  }
  return lines;
}

/** `baskets models <base-url>`: list a server's models and what each can serve. Exit code. */
export async function modelsCommand(baseUrl: string, opts: ModelsOptions): Promise<number> {
  const problem = baseUrlProblem(baseUrl);
  if (problem) throw new ConfigError(problem);
  if (opts.apiKeyEnv && !process.env[opts.apiKeyEnv]) throw new ConfigError(`environment variable ${opts.apiKeyEnv} is not set: export it or drop --api-key-env`);
  const before = Date.now();
  const probe = await probeServer(baseUrl, { apiKeyEnv: opts.apiKeyEnv, refresh: opts.refresh, models: opts.models });
  const missing = (opts.models ?? []).filter((id) => !probe.models.some((m) => m.model === id));
  if (missing.length) {
    const served = [...probe.models.map((m) => m.model), ...(probe.unprobed ?? [])].map(sanitizeLine).join(', ') || 'none';
    throw new ConfigError(`${probe.baseUrl} does not serve ${missing.map((id) => `"${sanitizeLine(id)}"`).join(', ')}: it serves ${served}`);
  }
  const cached = Date.parse(probe.probedAt) < before;
  if (opts.json) opts.out(safeJson({ ...probe, cached }, 2));
  else for (const line of formatProbeTable(probe, cached)) opts.out(line);
  return 0;
}
