/**
 * A base URL as the openai SDK needs it: http(s), no credentials (fetch refuses them), no query
 * string or fragment (request paths are appended after it). Shared by `baskets models` and the
 * session file's schema.
 */

const KEY_ADVICE = 'put the API key in an environment variable and name it (--api-key-env VAR, or apiKeyEnv in the session)';

/** Why `baseUrl` cannot be probed, in a line that never quotes a password it holds; null when it can. */
export function baseUrlProblem(baseUrl: string): string | null {
  // Quoted back with whatever precedes an "@" masked ("user:pw@host/v1" parses as a URL too).
  const shown = `"${baseUrl.replace(/^([^/?#@]*\/\/)?[^/?#]*@/, '$1***@')}"`;
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return `${shown} is not a URL: pass a base URL such as http://localhost:8000/v1`;
  }
  // Fetch refuses URLs with credentials, and request paths would be appended after a query string.
  if (url.username || url.password) return `the base URL holds a user name or password: remove the "user:password@" part and ${KEY_ADVICE}`;
  if (/[?#]/.test(baseUrl)) return `the base URL has a query string or fragment, which request paths cannot follow: remove the "?…" or "#…" part and ${KEY_ADVICE}`;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${shown} is not an http(s) URL: pass e.g. http://localhost:8000/v1`;
  return null;
}
