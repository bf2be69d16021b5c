import { expect, it } from 'vitest';
import { runServe } from '../../src/engines/serve/index.js';

it('runServe prints the base URL, serves, and closes on SIGTERM', async () => {
  expect(process.listenerCount('SIGTERM')).toBe(0); // nothing else in this worker reacts to the emitted signal
  const lines: string[] = [];
  const done = runServe({ port: 0, instant: true, models: [] }, (line) => lines.push(line));
  await expect.poll(() => lines.find((l) => l.startsWith('OpenAI base URL: '))).toBeDefined();
  const url = lines.find((l) => l.startsWith('OpenAI base URL: '))!.slice('OpenAI base URL: '.length);
  expect((await fetch(`${url}/models`)).status).toBe(200);
  process.emit('SIGTERM');
  await done;
  expect(lines.at(-1)).toBe('closing the server');
  await expect(fetch(`${url}/models`)).rejects.toThrow();
  expect(process.listenerCount('SIGTERM')).toBe(0);
});
