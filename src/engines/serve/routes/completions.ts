import { randomUUID } from 'node:crypto';
import { SseWriter, sendJson } from '../http.js';
import { COMPLETION_UNSUPPORTED, CompletionRequest, drawAdjustments, parseRequest, refuseUnsupported } from '../requests.js';
import type { PositionLogprobs, ScoredPosition, ServedModel, TokenLogprob } from '../served-model.js';
import { generateChoice } from '../generation.js';
import { checkContext, checkTokenIds, choiceSeed, leastTokens, openModel, requestSeed, type RouteContext } from '../context.js';
import { nowSeconds } from '../clock.js';
import { usage } from './chat.js';

/**
 * POST /v1/completions on raw prompts, as vLLM answers it: `echo` with `logprobs` scores the
 * prompt itself (first token null), `max_tokens: 0` skips generation, and `prompt_logprobs`
 * gives vLLM's list of `{token_id: {logprob, rank, decoded_token}}` dicts with a leading null.
 */
export async function completions(ctx: RouteContext): Promise<void> {
  const req = parseRequest(CompletionRequest, ctx.body);
  refuseUnsupported(ctx.body, COMPLETION_UNSUPPORTED);
  const model = await openModel(ctx.models, req.model);
  const adjust = drawAdjustments(req);
  if (adjust.logitBias) await checkTokenIds(model, adjust.logitBias.keys(), 'logit_bias');
  const prompts = await encodePrompts(model, req.prompt, req.add_special_tokens ?? true, req.max_tokens ?? 16);
  const maxTokens = req.max_tokens ?? 16;
  for (const prompt of prompts) checkContext(model, prompt.ids.length, maxTokens, 'prompt');

  const seed = requestSeed(req.seed);
  const n = req.n ?? 1;
  const head = { id: `cmpl-${randomUUID()}`, created: nowSeconds(), model: model.info.id, system_fingerprint: null };
  const sse = req.stream ? new SseWriter(ctx.res, ctx.resetMidStream) : null;
  const choices = [];
  let promptTokens = 0;
  let completionTokens = 0;

  for (const [promptIndex, prompt] of prompts.entries()) {
    promptTokens += prompt.ids.length;
    const needPromptScores = (req.echo && req.logprobs != null) || req.prompt_logprobs != null;
    const scored = needPromptScores
      ? await model.scoreTokens(prompt.ids, { topK: Math.max(req.logprobs ?? 0, req.prompt_logprobs ?? 0), rank: req.prompt_logprobs != null }, ctx.signal)
      : null;
    for (let j = 0; j < n; j++) {
      const index = promptIndex * n + j;
      // Offsets count from the start of the choice's text: the echoed prompt's, or the generated text's.
      const logprobs = req.logprobs != null ? new CompletionLogprobs(req.logprobs) : null;
      if (req.echo && logprobs && scored) logprobs.addPrompt(model.tokenStrings(prompt.ids.slice(0, 1))[0] ?? '', scored, model.decodePieces(prompt.ids));
      const echoText = req.echo ? prompt.text : '';
      const promptLogprobs = req.prompt_logprobs != null && scored ? vllmPromptLogprobs(scored, req.prompt_logprobs) : undefined;
      if (sse && echoText) sse.send({ ...head, object: 'text_completion', choices: [{ index, text: echoText, logprobs: logprobs?.take() ?? null, finish_reason: null }] });

      const result = await generateChoice(
        model,
        prompt.ids,
        { maxTokens, stop: req.stop, temperature: req.temperature ?? 1, topP: req.top_p ?? 1, seed: choiceSeed(seed, index), topK: req.logprobs ?? 0, ...adjust },
        ctx.signal,
        sse
          ? (piece) => {
              logprobs?.addGenerated(piece.tokens);
              sse.send({ ...head, object: 'text_completion', choices: [{ index, text: piece.text, logprobs: logprobs?.take() ?? null, finish_reason: null }] });
            }
          : undefined,
      );
      completionTokens += result.tokens.length;
      if (sse) {
        sse.send({ ...head, object: 'text_completion', choices: [{ index, text: '', logprobs: null, finish_reason: result.finishReason, ...(promptLogprobs && { prompt_logprobs: promptLogprobs }) }] });
        continue;
      }
      logprobs?.addGenerated(result.tokens);
      choices.push({
        index,
        text: echoText + result.text,
        logprobs: logprobs?.take() ?? null,
        finish_reason: result.finishReason,
        ...(promptLogprobs && { prompt_logprobs: promptLogprobs }),
      });
    }
  }

  if (sse) {
    if (req.stream_options?.include_usage) sse.send({ ...head, object: 'text_completion', choices: [], usage: usage(promptTokens, completionTokens) });
    sse.done();
    return;
  }
  sendJson(ctx.res, 200, { ...head, object: 'text_completion', choices, usage: usage(promptTokens, completionTokens) });
}

interface EncodedPrompt {
  ids: number[];
  text: string;
}

/**
 * The prompts as token ids and text. A text prompt too long for the model whatever its
 * tokenization is refused before it is tokenized: a 30 MB prompt would otherwise hold the
 * server for seconds only to be refused afterwards.
 */
async function encodePrompts(model: ServedModel, prompt: CompletionRequest['prompt'], addSpecialTokens: boolean, maxTokens: number): Promise<EncodedPrompt[]> {
  const list: (string | number[])[] =
    typeof prompt === 'string' ? [prompt] : typeof prompt[0] === 'number' ? [prompt as number[]] : (prompt as (string | number[])[]);
  for (const p of list) {
    if (typeof p === 'string') checkContext(model, leastTokens(model, p), maxTokens, 'prompt');
  }
  return Promise.all(
    list.map(async (p) =>
      typeof p === 'string' ? { ids: (await model.encodeText(p, addSpecialTokens)).ids, text: p } : { ids: p, text: await model.decode(p) },
    ),
  );
}

/** The legacy completions `logprobs` object, built up in text order (prompt first when echoed). */
class CompletionLogprobs {
  private tokens: string[] = [];
  private tokenLogprobs: (number | null)[] = [];
  private topLogprobs: (Record<string, number> | null)[] = [];
  private textOffset: number[] = [];
  /** Where the next token starts in the choice's text. */
  private offset = 0;

  constructor(private readonly k: number) {}

  /** The echoed prompt: each token by name, its offset where its text starts in the decoded prompt. */
  addPrompt(firstToken: string, scored: (PositionLogprobs | null)[], pieces: string[]): void {
    scored.forEach((position, i) => {
      const name = position ? position.text : i === 0 ? firstToken : '';
      this.push(name, position?.logprob ?? null, position ? topDict(position, this.k) : null, pieces[i] ?? '');
    });
  }

  addGenerated(tokens: PositionLogprobs[]): void {
    for (const token of tokens) this.push(token.text, token.logprob, topDict(token, this.k), token.text);
  }

  /** The entries gathered since the last take (all of them when not streaming). */
  take() {
    const out = { tokens: this.tokens, token_logprobs: this.tokenLogprobs, top_logprobs: this.topLogprobs, text_offset: this.textOffset };
    this.tokens = [];
    this.tokenLogprobs = [];
    this.topLogprobs = [];
    this.textOffset = [];
    return out;
  }

  /** `name` is what the token is shown as; `piece` the text it adds (none for BOS, the whole character where one completes). */
  private push(name: string, logprob: number | null, top: Record<string, number> | null, piece: string): void {
    this.tokens.push(name);
    this.tokenLogprobs.push(logprob);
    this.topLogprobs.push(top);
    this.textOffset.push(this.offset);
    this.offset += piece.length;
  }
}

/** vLLM includes the chosen token beside the top-k alternatives. */
function topDict(position: PositionLogprobs, k: number): Record<string, number> {
  const dict: Record<string, number> = {};
  for (const alt of position.top.slice(0, k)) dict[alt.text] = alt.logprob;
  dict[position.text] = position.logprob;
  return dict;
}

type VllmLogprob = { logprob: number; rank: number; decoded_token: string };

function vllmPromptLogprobs(scored: (ScoredPosition | null)[], k: number): (Record<string, VllmLogprob> | null)[] {
  return scored.map((position) => {
    if (!position) return null;
    if (position.rank === null) throw new Error('prompt_logprobs were scored without ranks: pass rank: true to scoreTokens');
    const dict: Record<string, VllmLogprob> = {};
    position.top.slice(0, k).forEach((alt: TokenLogprob, i) => {
      dict[String(alt.id)] = { logprob: alt.logprob, rank: i + 1, decoded_token: alt.text };
    });
    dict[String(position.id)] = { logprob: position.logprob, rank: position.rank, decoded_token: position.text };
    return dict;
  });
}
