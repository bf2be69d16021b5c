import type { Endpoint } from './endpoint.js';

/** One entry of `/v1/models`, with the extras vLLM/SGLang add. */
export interface ListedModel {
  id: string;
  ownedBy?: string;
  /** vLLM/SGLang: the context length the server was started with. */
  maxModelLen?: number;
  /** vLLM: the base model of a LoRA adapter. */
  parent?: string;
}

export async function listModels(endpoint: Endpoint, signal?: AbortSignal): Promise<ListedModel[]> {
  const out: ListedModel[] = [];
  for await (const m of endpoint.client.models.list({ signal })) {
    const extra = m as unknown as { max_model_len?: unknown; parent?: unknown; owned_by?: unknown };
    out.push({
      id: m.id,
      ownedBy: typeof extra.owned_by === 'string' ? extra.owned_by : undefined,
      maxModelLen: typeof extra.max_model_len === 'number' ? extra.max_model_len : undefined,
      parent: typeof extra.parent === 'string' ? extra.parent : undefined,
    });
  }
  return out;
}

export type ServerKind = 'vllm' | 'sglang' | 'llama.cpp' | 'ollama' | 'lm-studio' | 'openai' | 'baskets' | 'unknown';

/** A best guess from `owned_by` (each server fills it its own way), refined by probing. */
export function guessServerKind(models: ListedModel[], baseUrl: string): ServerKind {
  const owner = models[0]?.ownedBy?.toLowerCase() ?? '';
  if (owner === 'vllm') return 'vllm';
  if (owner === 'sglang') return 'sglang';
  if (owner === 'llamacpp') return 'llama.cpp';
  if (owner === 'library' || owner === 'ollama') return 'ollama';
  if (owner === 'organization_owner') return 'lm-studio';
  if (owner === 'baskets') return 'baskets';
  if (/api\.openai\.com/.test(baseUrl) || owner === 'openai' || owner === 'system') return 'openai';
  return 'unknown';
}

/**
 * The context length where each server keeps it: vLLM/SGLang list `max_model_len`; llama.cpp
 * reports `n_ctx` at `/props`; Ollama gives `<arch>.context_length` from `/api/show`.
 */
export async function contextLengthOf(
  endpoint: Endpoint,
  listed: ListedModel,
  signal?: AbortSignal,
): Promise<{ tokens: number; source: string } | null> {
  if (listed.maxModelLen) return { tokens: listed.maxModelLen, source: 'max_model_len' };
  const props = await endpoint.json('/props', { signal }).catch(() => null);
  const settings = (props?.body as { default_generation_settings?: { n_ctx?: unknown }; n_ctx?: unknown } | undefined) ?? {};
  const nCtx = typeof settings === 'object' ? (settings.default_generation_settings?.n_ctx ?? settings.n_ctx) : undefined;
  if (props?.status === 200 && typeof nCtx === 'number') return { tokens: nCtx, source: 'llama.cpp /props n_ctx' };
  const show = await endpoint.json('/api/show', { body: { model: listed.id }, signal }).catch(() => null);
  const info = (show?.body as { model_info?: Record<string, unknown> } | undefined)?.model_info;
  if (show?.status === 200 && info && typeof info === 'object') {
    const key = Object.keys(info).find((k) => k.endsWith('.context_length'));
    if (key && typeof info[key] === 'number') return { tokens: info[key] as number, source: 'ollama /api/show' };
  }
  return null;
}
