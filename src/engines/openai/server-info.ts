import type { Endpoint } from './endpoint.js';
import { NotOpenAICompatibleError } from './errors.js';

/** One entry of `/v1/models`, with the extras vLLM/SGLang add. */
export interface ListedModel {
  id: string;
  ownedBy?: string;
  /** vLLM/SGLang: the context length the server was started with. */
  maxModelLen?: number;
  /** vLLM: the base model of a LoRA adapter. */
  parent?: string;
}

/** `GET /models`, checked to be OpenAI's list: a JSON object whose `data` holds models with ids. */
export async function listModels(endpoint: Endpoint, signal?: AbortSignal): Promise<ListedModel[]> {
  const { data: body, response } = await endpoint.client.get<unknown>('/models', { signal }).withResponse();
  const entries = (body as { data?: unknown } | null)?.data;
  if (!Array.isArray(entries) || !entries.every((m) => typeof (m as { id?: unknown } | null)?.id === 'string')) {
    const type = response.headers.get('content-type')?.split(';')[0].trim() || 'no content type';
    const what = typeof body === 'object' && body !== null ? 'JSON without a "data" list of models' : type;
    throw new NotOpenAICompatibleError(`GET /models gave HTTP ${response.status}, ${what}`);
  }
  return entries.map((m: { id: string; max_model_len?: unknown; parent?: unknown; owned_by?: unknown }) => ({
    id: m.id,
    ownedBy: typeof m.owned_by === 'string' ? m.owned_by : undefined,
    maxModelLen: typeof m.max_model_len === 'number' ? m.max_model_len : undefined,
    parent: typeof m.parent === 'string' ? m.parent : undefined,
  }));
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
