// Default and named imports of each adapter from TypeScript compiled to CommonJS, with `esModuleInterop` on or off
// (consumers.test.ts compiles this both ways and runs it): both must be the middleware factory.
import expressDefault, { opaJwt as expressNamed } from '@opa-jwt/express';
import koaDefault, { opaJwt as koaNamed } from '@opa-jwt/koa';
import fastifyDefault, { opaJwt as fastifyNamed } from '@opa-jwt/fastify';
import * as core from '@opa-jwt/core';
import { withAuthorizerHandle } from '@opa-jwt/core/adapter';

const pairs = { express: [expressDefault, expressNamed], koa: [koaDefault, koaNamed], fastify: [fastifyDefault, fastifyNamed] } as const;
const result = Object.fromEntries(
  Object.entries(pairs).map(([name, [byDefault, byName]]) => [name, typeof byDefault === 'function' && byDefault === byName]),
);
console.log(JSON.stringify({ ...result, core: typeof core.createAuthorizer, adapter: typeof withAuthorizerHandle }));
