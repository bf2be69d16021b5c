/**
 * Making a trained LoRA adapter servable by vLLM: load it into a running server (started with
 * --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True), or say how to start one.
 */

/** vLLM's default --max-lora-rank; adapters of a higher rank need the flag. */
const VLLM_DEFAULT_MAX_LORA_RANK = 16;

export function vllmServeCommand(baseModel: string, loraName: string, adapterDir: string, loraRank: number): string[] {
  return [
    'vllm',
    'serve',
    baseModel,
    '--enable-lora',
    '--lora-modules',
    `${loraName}=${adapterDir}`,
    ...(loraRank > VLLM_DEFAULT_MAX_LORA_RANK ? ['--max-lora-rank', String(loraRank)] : []),
  ];
}

/**
 * POST /v1/load_lora_adapter. The adapter path must be readable by the server (same machine or
 * shared disk). An adapter already loaded under the name counts as loaded. Throws a one-line
 * error saying what to change otherwise.
 */
export async function loadLoraAdapter(
  serveBaseUrl: string,
  loraName: string,
  adapterDir: string,
  opts: { apiKey?: string; signal?: AbortSignal } = {},
): Promise<'loaded' | 'already-loaded'> {
  const root = serveBaseUrl.replace(/\/+$/, '').replace(/\/v1$/, '');
  let res: Response;
  try {
    res = await fetch(`${root}/v1/load_lora_adapter`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
      body: JSON.stringify({ lora_name: loraName, lora_path: adapterDir }),
      signal: opts.signal,
    });
  } catch (err) {
    throw new Error(`cannot reach the vLLM server at ${root} to load the adapter (${(err as Error).message}): start it or fix trainer.serveBaseUrl`);
  }
  const body = (await res.text()).slice(0, 300);
  if (res.ok) return 'loaded';
  if (/already been loaded/i.test(body)) return 'already-loaded';
  if (res.status === 404 || res.status === 405) {
    throw new Error(`${root} does not offer runtime LoRA loading: start vLLM with --enable-lora and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True`);
  }
  throw new Error(`loading the adapter into ${root} failed (HTTP ${res.status}: ${body.replace(/\s+/g, ' ').trim()})`);
}

/** A command line for display, quoted so it can be pasted into a POSIX shell. */
export function formatCommand(argv: string[]): string {
  return argv.map((a) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}
