/**
 * OpenAI-style errors. Every failure a route can hit becomes an `ApiError` with the status and
 * body an OpenAI client expects (`{error: {message, type, param, code}}`), so a bad request
 * never crashes the server and clients can branch on `type` / `code`.
 */

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'server_error';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType = 'invalid_request_error',
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): { error: { message: string; type: ErrorType; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, 'invalid_request_error', param, code);

export const notFound = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(404, message, 'not_found_error', param, code);

export const unknownModel = (model: string) =>
  notFound(`The model \`${model}\` does not exist; GET /v1/models lists the models this server serves.`, 'model', 'model_not_found');

export const contextTooLong = (tokens: number, limit: number, param = 'messages') =>
  badRequest(
    `This model's maximum context length is ${limit} tokens, but the request needs ${tokens} (prompt plus max_tokens); shorten the prompt or lower max_tokens.`,
    param,
    'context_length_exceeded',
  );
