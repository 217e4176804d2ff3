/**
 * Token endpoint errors in OAuth's format (RFC 6749 §5.2): HTTP 400 with `{"error": code, "error_description"?}`.
 */

/** A malformed or unverifiable token request, answered before the policy runs. */
export class OAuthRequestError extends Error {
  constructor(
    readonly code: 'invalid_request' | 'invalid_grant',
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
    this.name = 'OAuthRequestError';
  }
}

export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

/** RFC 6749 §5.2 limits `error` to these characters; anything else cannot be an error code. */
const ERROR_CODE = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;
/** Codes are short snake_case words; a sentence is a description, not a code. */
const LOOKS_LIKE_CODE = /^[a-z][a-z0-9_]*$/;

/**
 * The answer to a token request the policy denied. The policy's `external_message` is the error code when it is one
 * (the example token-exchange policy says "invalid_scope"); a sentence instead becomes the description of an `invalid_scope` error,
 * because OAuth clients branch on the code.
 */
export function oauthDenialBody(externalMessage: string | undefined): OAuthErrorBody {
  if (externalMessage === undefined || externalMessage === '') return { error: 'invalid_scope' };
  if (LOOKS_LIKE_CODE.test(externalMessage)) return { error: externalMessage };
  const description = ERROR_CODE.test(externalMessage) ? externalMessage : externalMessage.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '?');
  return { error: 'invalid_scope', error_description: description };
}

export function oauthRequestErrorBody(error: OAuthRequestError): OAuthErrorBody {
  return { error: error.code, error_description: error.description };
}

/** RFC 6749 §5.1/§5.2: token responses, errors included, must not be cached. */
export const OAUTH_ERROR_HEADERS: Readonly<Record<string, string>> = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };
