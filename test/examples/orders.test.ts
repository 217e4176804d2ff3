/**
 * The orders API examples (examples/express, examples/koa, examples/fastify): the same API behind the same policy
 * must answer the same requests identically, against the development issuer on 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startDevIssuer, type DevIssuer } from '../../examples/dev-issuer';
import { demoRequests } from '../../examples/shared/curl';
import type { CreateApp } from '../../examples/shared/example-app';
import * as expressExample from '../../examples/express/app';
import * as koaExample from '../../examples/koa/app';
import * as fastifyExample from '../../examples/fastify/app';

const EXAMPLES: Array<[string, CreateApp]> = [
  ['express', expressExample.createApp],
  ['koa', koaExample.createApp],
  ['fastify', fastifyExample.createApp],
];

let issuer: DevIssuer;

beforeAll(async () => {
  issuer = await startDevIssuer({ log: () => undefined });
});

afterAll(async () => {
  await issuer?.close();
});

interface Answer {
  status: number;
  body: unknown;
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
const json = { 'Content-Type': 'application/json' };

/** The requests every example must answer, and how. */
async function exercise(url: string): Promise<Record<string, Answer>> {
  const answers: Record<string, Answer> = {};
  for (const request of demoRequests(url, issuer)) {
    answers[request.title] = await send(request.url, { method: request.method, headers: request.headers, body: request.body });
  }
  answers['unknown order'] = await send(`${url}/orders/999`, { headers: bearer(issuer.mintToken('bob')) });
  answers['malformed order'] = await send(`${url}/orders`, {
    method: 'POST',
    headers: { ...bearer(issuer.mintToken('alice')), ...json },
    body: '{"quantity":1}',
  });
  answers['expired token'] = await send(`${url}/orders/1`, {
    headers: bearer(issuer.mintToken('alice', { exp: Math.floor(Date.now() / 1000) - 600 })),
  });
  answers['token for another audience'] = await send(`${url}/orders/1`, {
    headers: bearer(issuer.mintToken('alice', { aud: 'another-api' })),
  });
  answers['route the policy does not cover'] = await send(`${url}/orders`, { headers: bearer(issuer.mintToken('alice')) });
  return answers;
}

describe.each(EXAMPLES)('examples/%s', (name, createApp) => {
  let answers: Record<string, Answer>;

  beforeAll(async () => {
    // Keys through OpenID discovery, as `npm run example:<name>` does with only ISSUER and AUDIENCE set.
    const example = await createApp({ issuer: issuer.issuer, audience: issuer.audience });
    try {
      await example.ready;
      answers = await exercise(await example.listen(0, '127.0.0.1'));
    } finally {
      await example.close();
    }
  });

  test('the demo requests: 200, 401, 403 with the policy message, 201', () => {
    expect(answers['bob (role reader) reads order 1']).toEqual({
      status: 200,
      body: { id: '1', item: 'coffee beans', quantity: 2, createdBy: 'alice' },
    });
    expect(answers['no token at all']).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(answers['bob (role reader) tries to create an order']).toEqual({
      status: 403,
      body: { error: 'insufficient_scope', error_description: 'orders:write requires the admin role' },
    });
    expect(answers['carol (no roles) tries to read order 1']).toEqual({
      status: 403,
      body: { error: 'insufficient_scope', error_description: 'orders:read requires the reader or admin role' },
    });
    expect(answers['alice (role admin) creates an order']).toEqual({
      status: 201,
      body: { id: '2', item: 'tea', quantity: 1, createdBy: 'alice' },
    });
  });

  test('the API itself: 404 for an unknown order, 400 for a malformed one', () => {
    expect(answers['unknown order']).toEqual({ status: 404, body: { error: 'not_found', error_description: 'no order 999' } });
    expect(answers['malformed order']).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  test('tokens that must not pass: expired, or for another audience (401 invalid_token)', () => {
    expect(answers['expired token']).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(answers['token for another audience']).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
  });

  test('a route the policy does not cover is denied', () => {
    expect(answers['route the policy does not cover']).toEqual({
      status: 403,
      body: { error: 'insufficient_scope', error_description: 'this endpoint is not covered by the API policy' },
    });
  });

  if (name !== 'express') {
    test('answers exactly as the Express example does', async () => {
      const express = await expressExample.createApp({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri });
      try {
        await express.ready;
        const reference = await exercise(await express.listen(0, '127.0.0.1'));
        expect(answers).toEqual(reference);
      } finally {
        await express.close();
      }
    });
  }

  test('a policy that does not compile stops the start-up with file:line:col', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'opa-jwt-example-'));
    const policyPath = path.join(dir, 'broken.rego');
    writeFileSync(policyPath, 'package authz\n\ndecision := {"allowed": true} if {\n\tinput.method ==\n}\n');
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined); // the adapters log the start-up failure
    try {
      const started = createApp({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, policyPath }).then(
        async (example) => {
          try {
            await example.ready;
          } finally {
            await example.close();
          }
        },
      );
      await expect(started).rejects.toThrow(/broken\.rego:5:1: /);
    } finally {
      logged.mockRestore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
