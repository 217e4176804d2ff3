/**
 * `@opa-jwt/core/adapter`'s request: the client's address is asked of the framework only when read, and once; whether
 * its answer goes back over a socket.
 */
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { AdapterRequest } from '../src/adapter';

class CountingRequest extends AdapterRequest {
  asked = 0;

  protected clientAddress(): string {
    this.asked++;
    return '203.0.113.9';
  }
}

/** A request whose framework hands over `socket`. */
class RequestOver extends CountingRequest {
  readonly #socket: unknown;

  constructor(socket: unknown) {
    super('GET', '/', {}, undefined);
    this.#socket = socket;
  }

  protected override socket(): unknown {
    return this.#socket;
  }
}

test("the client's address is asked of the framework when first read, and only then", () => {
  const request = new CountingRequest('GET', '/orders/1', { host: 'api.test' }, undefined);
  expect(request.asked).toBe(0);
  expect(request.ip).toBe('203.0.113.9');
  expect(request.ip).toBe('203.0.113.9');
  expect(request.asked).toBe(1);
  expect({ method: request.method, url: request.url, headers: request.headers, body: request.body }).toEqual({
    method: 'GET',
    url: '/orders/1',
    headers: { host: 'api.test' },
    body: undefined,
  });
  // Nothing of the framework's request is an enumerable member: a hook that serialises the request does not meet it.
  expect(Object.keys(request).sort()).toEqual(['asked', 'body', 'headers', 'method', 'route', 'routing', 'url']);
});

test('a request is answered over a socket when the framework hands over a net.Socket, not an injected stand-in', () => {
  const socket = new Socket();
  try {
    expect(new RequestOver(socket).overSocket).toBe(true);
  } finally {
    socket.destroy();
  }
  for (const standIn of [undefined, new EventEmitter(), { remoteAddress: '127.0.0.1' }])
    expect(new RequestOver(standIn).overSocket).toBe(false);
});
