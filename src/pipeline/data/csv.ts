import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse as parseCsv } from 'csv-parse';

const LF = 0x0a;
const CR = 0x0d;

/**
 * Notes where the lines of the bytes passing through break, so that a record can be given the
 * line it ends on. csv-parse counts lines itself but counts a CRLF inside a quoted field as two,
 * which numbered a CRLF file's records (their ids) unlike its LF twin's. A break is "\n", "\r\n"
 * (one break) or a lone "\r" (old Mac files).
 */
class LineBreaks extends Transform {
  /** Offsets of the breaks not yet counted, in order. */
  private pending: number[] = [];
  private counted = 0;
  private offset = 0;
  /** A "\r" that ended the previous chunk: a break of its own unless a "\n" follows. */
  private carriageReturnAt = -1;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i];
      if (this.carriageReturnAt >= 0 && byte !== LF) this.pending.push(this.carriageReturnAt);
      this.carriageReturnAt = -1;
      if (byte === LF) this.pending.push(this.offset + i);
      else if (byte === CR) this.carriageReturnAt = this.offset + i;
    }
    this.offset += chunk.length;
    done(null, chunk);
  }

  /** The 1-based line of the byte at `offset` (already passed through); asked in increasing order. */
  lineAt(offset: number): number {
    let n = 0;
    while (n < this.pending.length && this.pending[n] < offset) n++;
    this.counted += n;
    this.pending.splice(0, n);
    return this.counted + 1;
  }
}

/**
 * The records of a CSV (or, by its extension, TSV) file with a header row, each with the line
 * it ends on: the same for a file and its CRLF twin. Errors name the line where the fault is.
 */
export async function* readCsvRecords(path: string): AsyncGenerator<{ line: number; value: unknown }> {
  const breaks = new LineBreaks();
  const parser = createReadStream(path)
    .pipe(breaks)
    .pipe(
      parseCsv({
        columns: true,
        bom: true,
        delimiter: extname(path).toLowerCase() === '.tsv' ? '\t' : ',',
        relax_column_count: true,
        skip_empty_lines: true,
        info: true,
      }),
    );
  try {
    // info.bytes is where the record ends, past its record delimiter (the file's BOM counted).
    for await (const { record, info } of parser as AsyncIterable<{ record: unknown; info: { bytes: number } }>) {
      yield { line: breaks.lineAt(info.bytes - 1), value: record };
    }
  } catch (err) {
    const at = (err as { bytes?: unknown }).bytes;
    if (err instanceof CsvError && typeof at === 'number') err.message = err.message.replace(/\bline \d+/, `line ${breaks.lineAt(at)}`);
    throw err;
  }
}
