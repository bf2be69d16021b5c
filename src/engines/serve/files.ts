import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../util/atomic.js';
import { badRequest, notFound } from './errors.js';
import type { TrainingExample } from '../../domain/example.js';

/**
 * Uploaded files (`POST /v1/files`), kept under `<dataDir>/files` with a metadata file beside
 * each, so a server restarted on the same data dir still knows them.
 */

export interface StoredFile {
  id: string;
  object: 'file';
  bytes: number;
  created_at: number;
  filename: string;
  purpose: string;
  status: 'processed';
}

export class FileStore {
  private readonly files = new Map<string, StoredFile>();
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'files');
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(this.dir).filter((n) => n.endsWith('.meta.json'))) {
      const file = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as StoredFile;
      this.files.set(file.id, file);
    }
  }

  add(filename: string, purpose: string, data: Buffer): StoredFile {
    const file: StoredFile = {
      id: `file-${randomBytes(12).toString('hex')}`,
      object: 'file',
      bytes: data.length,
      created_at: Math.floor(Date.now() / 1000),
      filename,
      purpose,
      status: 'processed',
    };
    writeFileAtomic(join(this.dir, file.id), data);
    writeJsonAtomic(join(this.dir, `${file.id}.meta.json`), file);
    this.files.set(file.id, file);
    return file;
  }

  get(id: string, param = 'file_id'): StoredFile {
    const file = this.files.get(id);
    if (!file) throw notFound(`No such file: ${id}`, param, 'file_not_found');
    return file;
  }

  list(): StoredFile[] {
    return [...this.files.values()];
  }

  read(id: string, param = 'file_id'): string {
    this.get(id, param);
    return readFileSync(join(this.dir, id), 'utf8');
  }
}

/**
 * Training examples from an uploaded JSONL file. Each line is OpenAI's chat format
 * (`{"messages": [...]}`: the last user turn is the instruction, the last assistant turn the
 * response), or `{"prompt", "completion"}`, or baskets' own `{"instruction", "context", "response"}`.
 */
export function parseTrainingFile(text: string, fileId: string, param: string): TrainingExample[] {
  const examples: TrainingExample[] = [];
  const kind = param === 'validation_file' ? 'Validation file' : 'Training file';
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${fileId} line ${i + 1}`;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw badRequest(`${kind} ${where} is not valid JSON.`, param, 'invalid_training_file');
    }
    const example = toExample(row, `${fileId}:${i + 1}`);
    if (!example) {
      throw badRequest(
        `${kind} ${where} has neither "messages" with a user and an assistant turn, nor "prompt"/"completion", nor "instruction"/"response".`,
        param,
        'invalid_training_file',
      );
    }
    examples.push(example);
  });
  if (examples.length === 0) throw badRequest(`${kind} ${fileId} has no examples.`, param, 'invalid_training_file');
  return examples;
}

function toExample(row: Record<string, unknown>, exampleId: string): TrainingExample | null {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  if (Array.isArray(row.messages)) {
    const messages = row.messages as { role?: unknown; content?: unknown }[];
    const last = (role: string) => str([...messages].reverse().find((m) => m?.role === role)?.content);
    const instruction = last('user');
    const response = last('assistant');
    return instruction !== undefined && response !== undefined ? { exampleId, origin: 'upload', instruction, context: '', response } : null;
  }
  if (str(row.prompt) !== undefined && str(row.completion) !== undefined) {
    return { exampleId, origin: 'upload', instruction: str(row.prompt)!, context: '', response: str(row.completion)! };
  }
  if (str(row.instruction) !== undefined && str(row.response) !== undefined) {
    return { exampleId, origin: 'upload', instruction: str(row.instruction)!, context: str(row.context) ?? '', response: str(row.response)! };
  }
  return null;
}
