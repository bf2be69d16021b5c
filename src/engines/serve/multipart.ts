import { badRequest } from './errors.js';

/** One part of a multipart/form-data body. */
export interface FormPart {
  name: string;
  filename?: string;
  data: Buffer;
}

/** Parse a multipart/form-data body (what the SDK sends for file uploads). */
export function parseMultipart(contentType: string | undefined, body: Buffer): FormPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!contentType?.toLowerCase().startsWith('multipart/form-data') || !boundary) {
    throw badRequest('Expected a multipart/form-data body with a boundary (send the file as a form upload).');
  }
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  const parts: FormPart[] = [];
  let start = body.indexOf(delimiter);
  if (start < 0) throw badRequest('Multipart body has no parts.');
  for (;;) {
    start += delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break; // closing delimiter
    const next = body.indexOf(delimiter, start);
    if (next < 0) throw badRequest('Multipart body is truncated (no closing boundary).');
    const part = body.subarray(start + 2, next - 2); // drop the CRLF after the delimiter and before the next
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw badRequest('Multipart part has no header block.');
    const headers = part.subarray(0, split).toString('utf8');
    const disposition = /content-disposition:[^\r\n]*/i.exec(headers)?.[0] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    if (name === undefined) throw badRequest('Multipart part has no name.');
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1];
    parts.push({ name, filename, data: part.subarray(split + 4) });
    start = next;
  }
  return parts;
}
