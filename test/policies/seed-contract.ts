/**
 * The seed documents' contract, as data: the input schemas and output schema of ../shared/seeds/004_*.txt and the
 * seed policies (test/policies/seeds/*.rego, policies/v0/api-authz-v0.rego). They are copied here so that the
 * policy tests run in a clone without ../shared; `readSeedText()` lets a test check the copies against the
 * originals when ../shared is present.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const SEEDS_DIR = path.join(__dirname, '..', '..', '..', 'shared', 'seeds');

/** The seed's "OIDC App Policy Schema" input, verbatim. */
export const SEED_OIDC_INPUT = {
  source: { ip: '192.168.1.100' },
  request: {
    http: {
      host: 'mcp.example.com',
      method: 'POST',
      path: '/token',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'User-Agent': 'Go-http-client/1.1' },
    },
    oauth: {
      client_id: '325859cf-5bbe-492f-b9e7-929f2bed1230',
      scopes: 'read:users write:settings',
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: { claims: { scope: 'api:read api:write' } },
      actor_token: { claims: { scope: 'openid' } },
      response: {
        access_token: {
          claims: { scope: 'read:users write:settings', aud: 'https://api.example.com', client_id: '325859cf-5bbe-492f-b9e7-929f2bed1230' },
        },
        scope: 'read:users write:settings',
        expires_in: 3600,
      },
    },
  },
};

/** The seed's "MCP Proxy App and MCP Bridge App Policy Schema" input, verbatim (its token is truncated in the seed). */
export const SEED_MCP_INPUT = {
  source: { ip: '192.168.1.100' },
  request: {
    http: {
      host: 'mcp.example.com',
      method: 'POST',
      path: '/mcp',
      headers: {
        Authorization: 'Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9...',
        'Content-Type': 'application/json',
        'User-Agent': 'MCP-Client/1.0',
      },
    },
    mcp: {
      type: 'tool',
      tool: { params: { name: 'listUsers', arguments: { exampleBodyKeyAlpha: 10, exampleBodyKeyBeta: true } } },
    },
  },
};

/** The seed's output schema example, verbatim. */
export const SEED_OUTPUT = {
  result: {
    allowed: true,
    internal_message: 'user does not have necessary group membership: missing admin membership',
    external_message: 'unauthorized',
  },
};

/** The text of the seed file containing `marker`, or undefined when ../shared is absent (a fresh clone). */
export function readSeedText(marker: string): string | undefined {
  if (!existsSync(SEEDS_DIR)) return undefined;
  for (const name of readdirSync(SEEDS_DIR).sort()) {
    const text = readFileSync(path.join(SEEDS_DIR, name), 'utf8');
    if (text.includes(marker)) return text;
  }
  throw new Error(`no seed in ${SEEDS_DIR} contains "${marker}"`);
}

/** The first balanced `{...}` JSON value in `text` after `heading`. */
export function jsonAfter(text: string, heading: string): unknown {
  const start = text.indexOf('{', text.indexOf(heading));
  if (text.indexOf(heading) === -1 || start === -1) throw new Error(`no JSON after "${heading}" in the seed`);
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '{') depth++;
    // The seed page indents with no-break spaces, which JSON does not count as white space.
    else if (text[i] === '}' && --depth === 0) return JSON.parse(text.slice(start, i + 1).replace(/\u00a0/g, ' '));
  }
  throw new Error(`unbalanced JSON after "${heading}" in the seed`);
}

/** Non-empty, trimmed lines: the seed text is prose-wrapped, so whitespace is not compared. */
function meaningfulLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/**
 * True when the Rego in `policyFile`, from its `package` line on, appears line by line and in one piece in `seedText`.
 */
export function isVerbatimIn(policyFile: string, seedText: string): boolean {
  const source = readFileSync(policyFile, 'utf8');
  const policy = meaningfulLines(source.slice(source.indexOf('package ')));
  const seed = meaningfulLines(seedText);
  return seed.some((_, start) => policy.every((line, i) => seed[start + i] === line));
}
