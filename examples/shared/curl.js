'use strict';
/**
 * The requests that show what the policy does, as ready-to-paste curl commands with real tokens inline.
 * Each is printed as a comment line with the expected status (and, for a denial, the message the client sees)
 * followed by one curl command; test/examples/printed-commands.ts parses exactly this text and replays it.
 */

/** @param {string} apiUrl @param {{ mintToken(user: string): string }} issuer */
function demoRequests(apiUrl, issuer) {
  const bearer = (user) => ({ Authorization: `Bearer ${issuer.mintToken(user)}` });
  const json = { 'Content-Type': 'application/json' };
  return [
    { expect: 200, title: 'bob (role reader) reads order 1', method: 'GET', url: `${apiUrl}/orders/1`, headers: bearer('bob') },
    { expect: 401, title: 'no token at all', method: 'GET', url: `${apiUrl}/orders/1`, headers: {} },
    {
      expect: 403,
      title: 'bob (role reader) tries to create an order',
      message: 'orders:write requires the admin role',
      method: 'POST',
      url: `${apiUrl}/orders`,
      headers: { ...bearer('bob'), ...json },
      body: '{"item":"tea","quantity":1}',
    },
    {
      expect: 403,
      title: 'carol (no roles) tries to read order 1',
      message: 'orders:read requires the reader or admin role',
      method: 'GET',
      url: `${apiUrl}/orders/1`,
      headers: bearer('carol'),
    },
    {
      expect: 201,
      title: 'alice (role admin) creates an order',
      method: 'POST',
      url: `${apiUrl}/orders`,
      headers: { ...bearer('alice'), ...json },
      body: '{"item":"tea","quantity":1}',
    },
  ];
}

/** Single-quoted for POSIX shells; none of our URLs, tokens or bodies contain a single quote. */
const quote = (text) => `'${text}'`;

function toCurl(request) {
  const parts = ['curl', '-i'];
  if (request.method !== 'GET') parts.push('-X', request.method);
  parts.push(quote(request.url));
  for (const [name, value] of Object.entries(request.headers)) parts.push('-H', quote(`${name}: ${value}`));
  if (request.body !== undefined) parts.push('-d', quote(request.body));
  return parts.join(' ');
}

/** `# 403: bob ... -> "orders:write requires the admin role"` then the command, a blank line between requests. */
function formatDemoRequests(requests) {
  return requests
    .map((request) => {
      const outcome = request.message ? ` -> "${request.message}"` : '';
      return `# ${request.expect}: ${request.title}${outcome}\n${toCurl(request)}\n`;
    })
    .join('\n');
}

module.exports = { demoRequests, formatDemoRequests };
