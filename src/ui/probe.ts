import { useEffect, useRef, useState } from 'react';
import type { WorkerReady } from '../engines/hf/index.js';
import type { ModelProbe, ServerProbe } from '../engines/openai/index.js';
import { sanitizeLine } from '../util/sanitize.js';
import type { Services } from './context.js';

/**
 * The Models screen's view of an OpenAI-compatible server: nothing yet, a probe in flight, the
 * probe (fresh or from the cache), or why probing failed. Server-provided text in here is
 * untrusted; whoever draws it sanitises it.
 */
export type ProbeView =
  | { state: 'idle' }
  | { state: 'probing' }
  | { state: 'ready'; probe: ServerProbe; cached: boolean }
  | { state: 'failed'; error: string };

/** What the study cannot do with this model, in plain words, one line per missing capability. */
export function modelLimits(m: ModelProbe): string[] {
  const limits: string[] = [];
  if (!m.chat) limits.push('cannot chat: it cannot generate source data, answer the test instructions or judge');
  else {
    if (!m.streaming) limits.push('cannot stream replies: generation waits for whole answers');
    if (!m.chatLogprobs) limits.push('returns no chat log-probs: as a judge its verdicts are parsed from text, not weighed');
  }
  if (!m.scoring) limits.push('cannot score a given text: perplexity needs vLLM or SGLang');
  if (!m.embeddings) limits.push('serves no embeddings: semantic diversity falls back to a builtin embedder');
  if (m.contextLength === null) limits.push('does not report its context length');
  return limits;
}

/** Why a base URL cannot be probed, or null when it looks like one. */
function urlProblem(baseUrl: string): string | null {
  if (!baseUrl) return 'give the base URL first, e.g. http://127.0.0.1:8000/v1';
  try {
    const { protocol } = new URL(baseUrl);
    return protocol === 'http:' || protocol === 'https:' ? null : `"${sanitizeLine(baseUrl)}" is not an http(s) URL`;
  } catch {
    return `"${sanitizeLine(baseUrl)}" is not a URL: e.g. http://127.0.0.1:8000/v1`;
  }
}

/**
 * Probing one base URL from a screen. A cached probe shows as soon as the URL is set; `probe`
 * uses the cache when it holds `model`, `probe(true)` asks the server again. With a model
 * named only that model is probed (each probe costs requests, paid ones on OpenAI). A probe in
 * flight is aborted when the URL changes or the screen unmounts, and its late answer is dropped.
 */
export function useServerProbe(services: Pick<Services, 'probeServer' | 'readCachedProbe'>, baseUrl: string, apiKeyEnv: string, model = '') {
  const [view, setView] = useState<ProbeView>({ state: 'idle' });
  const inFlight = useRef<AbortController | null>(null);

  useEffect(() => {
    const cached = urlProblem(baseUrl) ? null : services.readCachedProbe(baseUrl);
    setView(cached ? { state: 'ready', probe: cached, cached: true } : { state: 'idle' });
    return () => {
      inFlight.current?.abort();
      inFlight.current = null;
    };
  }, [baseUrl, services]);

  const probe = (refresh = false) => {
    const problem = urlProblem(baseUrl);
    if (problem) return setView({ state: 'failed', error: problem });
    inFlight.current?.abort();
    const cached = refresh ? null : services.readCachedProbe(baseUrl);
    const holds = (p: ServerProbe) => (model ? p.models.some((m) => m.model === model) : !p.unprobed?.length);
    if (cached && holds(cached)) return setView({ state: 'ready', probe: cached, cached: true });
    const controller = new AbortController();
    inFlight.current = controller;
    setView({ state: 'probing' });
    services.probeServer(baseUrl, { apiKeyEnv: apiKeyEnv || undefined, refresh, models: model ? [model] : undefined, signal: controller.signal }).then(
      (result) => {
        if (!controller.signal.aborted) setView({ state: 'ready', probe: result, cached: false });
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setView({ state: 'failed', error: sanitizeLine(err instanceof Error ? err.message : String(err)) });
      },
    );
  };

  return { view, probe };
}

/** What an hf model loaded in a worker can do, in one line: "generate, score, … · context 1024 tokens · cpu float32 (torch …) · loaded in 0.3 s". */
export function describeLoaded(loaded: WorkerReady): string {
  const versions = Object.entries(loaded.versions).map(([k, v]) => `${k} ${v}`).join(', ');
  const template = loaded.fallback_template ? ' · no chat template: a plain "### Instruction / ### Response" format' : '';
  return sanitizeLine(`${loaded.capabilities.join(', ')} · context ${loaded.context_length} tokens · ${loaded.device} ${loaded.dtype} (${versions}) · loaded in ${loaded.load_seconds.toFixed(1)} s${template}`);
}
