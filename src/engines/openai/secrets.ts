/**
 * API keys live only in the environment (DESIGN.md §7). They are read from it when a client
 * opens, never written anywhere, and scrubbed from anything that could reach a file, an event
 * or the terminal.
 */

/** The key named by `apiKeyEnv`, or undefined when the model needs none or the variable is unset. */
export function readApiKey(apiKeyEnv: string | undefined): string | undefined {
  if (!apiKeyEnv) return undefined;
  const value = process.env[apiKeyEnv];
  return value ? value : undefined;
}

// Bearer tokens and OpenAI-style keys, in case a server echoes a header back in an error body.
// A bearer value is token-shaped (8+ of the characters tokens use): "bearer token: send …" keeps its words.
const KEY_PATTERNS = [/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, /\bsk-[A-Za-z0-9_-]{8,}/g];

/** Remove the key of `apiKeyEnv` (and anything that looks like a key) from a message. */
export function redactSecrets(text: string, apiKeyEnv?: string): string {
  let out = text;
  const key = readApiKey(apiKeyEnv);
  if (key && key.length >= 4) out = out.split(key).join('***');
  for (const pattern of KEY_PATTERNS) out = out.replace(pattern, (_m, prefix?: string) => `${typeof prefix === 'string' ? prefix : ''}***`);
  return out;
}
