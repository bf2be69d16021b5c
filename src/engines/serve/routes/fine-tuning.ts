import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from '../errors.js';
import { parseJsonObject, sendJson } from '../http.js';
import { parseMultipart } from '../multipart.js';
import { FineTuningJobRequest, parseRequest } from '../requests.js';
import type { FileStore } from '../files.js';
import type { JobManager } from '../jobs.js';

/** POST /v1/files: a multipart upload with `purpose` and `file`. */
export function uploadFile(req: IncomingMessage, res: ServerResponse, body: Buffer, files: FileStore): void {
  const parts = parseMultipart(req.headers['content-type'], body);
  const purpose = parts.find((p) => p.name === 'purpose')?.data.toString('utf8');
  const file = parts.find((p) => p.name === 'file');
  if (!purpose) throw badRequest('Missing `purpose` (use "fine-tune").', 'purpose');
  if (!file) throw badRequest('Missing `file`.', 'file');
  if (purpose !== 'fine-tune') throw badRequest(`Unsupported purpose "${purpose}": this server accepts "fine-tune".`, 'purpose');
  sendJson(res, 200, files.add(file.filename ?? 'upload.jsonl', purpose, file.data));
}

export function createJob(res: ServerResponse, body: Buffer, jobs: JobManager): void {
  sendJson(res, 200, jobs.create(parseRequest(FineTuningJobRequest, parseJsonObject(body))));
}

/** Cursor paging parameters (`after`, `limit`) of the list routes. */
export function pageParams(url: URL): { after: string | undefined; limit: number } {
  const raw = url.searchParams.get('limit');
  const limit = raw === null ? 20 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badRequest('`limit` must be an integer from 1 to 1000.', 'limit');
  return { after: url.searchParams.get('after') ?? undefined, limit };
}
