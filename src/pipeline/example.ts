/** One human instruction-following record, after field mapping. */
export interface Example {
  /** Stable id: the record's position in the source file (or its own id field). */
  id: string;
  instruction: string;
  context: string;
  response: string;
  category: string;
}

/** One synthetic answer (or error row) in `data/synthetic/<source>.jsonl`. */
export interface SyntheticRecord {
  /** Hash of source, example id, sample index, generation parameters, request seed and the messages sent. */
  key: string;
  source: string;
  exampleId: string;
  sample: number;
  paramsHash: string;
  seed: number;
  response?: string;
  finishReason?: 'stop' | 'length';
  promptTokens?: number;
  completionTokens?: number;
  /** Present on error rows: why the request failed after its retry budget. */
  error?: string;
  t: number;
}

/** One training example of an assembled condition dataset. */
export interface TrainingExample {
  exampleId: string;
  /** "human" or the source model id. */
  origin: string;
  instruction: string;
  context: string;
  response: string;
}

/** The chat messages a model sees for an instruction (with its context when there is one). */
export function instructionMessages(instruction: string, context: string): { role: 'user'; content: string }[] {
  const content = context.trim() ? `${instruction}\n\n${context}` : instruction;
  return [{ role: 'user', content }];
}
