/**
 * Builds `input.request.oauth` for a token request. Token-exchange (RFC 8693) subject and actor tokens are verified
 * with the middleware's own issuer configuration before their claims are shown to the policy; the raw tokens
 * (and client secrets) never enter the input.
 */
import type { JWTPayload } from 'jose';
import type { CoreRequest } from '../contract';
import { OAuthRequestError } from './errors';
import { all, basicClientId, type FormParams, single } from './form';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** Verifies a JWT the way the middleware verifies bearer tokens; rejects when it cannot be trusted. */
export type TokenVerifier = (token: string) => Promise<JWTPayload>;

export interface ExchangedToken {
  /** The `*_token_type` parameter, e.g. `urn:ietf:params:oauth:token-type:access_token`. */
  token_type?: string;
  /** The verified payload. */
  claims: JWTPayload;
}

/** What a policy sees under `input.request.oauth` (the Maverics-style OIDC app input schema). */
export interface OAuthInput {
  grant_type: string;
  client_id?: string;
  /** The requested scope string, as sent. */
  scope?: string;
  /** Same value as `scope`: the Maverics-style schema uses both spellings. */
  scopes?: string;
  /** RFC 8707 resource indicators and RFC 8693 audiences (both may repeat). */
  resource?: string[];
  audience?: string[];
  requested_token_type?: string;
  subject_token?: ExchangedToken;
  actor_token?: ExchangedToken;
}

async function verifyExchanged(
  verify: TokenVerifier,
  params: FormParams,
  name: 'subject_token' | 'actor_token',
): Promise<ExchangedToken | undefined> {
  const token = single(params, name);
  const tokenType = single(params, `${name}_type`);
  if (token === undefined) {
    if (name === 'subject_token') throw new OAuthRequestError('invalid_request', 'subject_token is required for token exchange');
    return undefined;
  }
  if (tokenType === undefined) throw new OAuthRequestError('invalid_request', `${name}_type is required with ${name}`);
  let claims: JWTPayload;
  try {
    claims = await verify(token);
  } catch (error) {
    // The reason comes from the verifier (expired, bad signature, wrong issuer...); it names no claim values.
    const reason = error instanceof Error && error.message ? `: ${error.message}` : '';
    throw new OAuthRequestError('invalid_grant', `${name} could not be verified${reason}`);
  }
  return { token_type: tokenType, claims };
}

export async function buildOAuthInput(request: CoreRequest, params: FormParams, verify: TokenVerifier): Promise<OAuthInput> {
  const grantType = single(params, 'grant_type');
  if (grantType === undefined || grantType === '') throw new OAuthRequestError('invalid_request', 'grant_type is required');
  const input: OAuthInput = { grant_type: grantType };
  const clientId = single(params, 'client_id') ?? basicClientId(request.headers);
  if (clientId !== undefined) input.client_id = clientId;
  const scope = single(params, 'scope');
  if (scope !== undefined) {
    input.scope = scope;
    input.scopes = scope;
  }
  const resource = all(params, 'resource');
  if (resource) input.resource = resource;
  const audience = all(params, 'audience');
  if (audience) input.audience = audience;
  const requestedType = single(params, 'requested_token_type');
  if (requestedType !== undefined) input.requested_token_type = requestedType;
  if (grantType === TOKEN_EXCHANGE_GRANT) {
    input.subject_token = await verifyExchanged(verify, params, 'subject_token');
    const actor = await verifyExchanged(verify, params, 'actor_token');
    if (actor) input.actor_token = actor;
  }
  return input;
}
