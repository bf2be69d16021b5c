/**
 * Hand each line of a child process's output to `onLine` as it arrives. Carriage returns end a
 * line too: tqdm redraws its bar with \r, and each redraw is a line of its own. The last line is
 * handed on at the end of the stream even without a newline.
 */
export function splitLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void): void {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (pending + chunk).split(/\r\n|\n|\r/);
    pending = parts.pop() ?? '';
    parts.forEach(onLine);
  });
  stream.on('end', () => {
    if (pending) onLine(pending);
    pending = '';
  });
}
