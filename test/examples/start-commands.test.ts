/**
 * `npm start` (examples/demo/start.js) and `npm run example:mcp` (examples/mcp/server.js), run as a newcomer runs them:
 * a child process on free 127.0.0.1 ports. Every curl command they print is replayed and must give the status (and
 * message) printed above it.
 */
import { printedCommands, replay, startScript, type RunningProcess } from './printed-commands';

describe('npm start (the demo)', () => {
  let demo: RunningProcess;

  beforeAll(async () => {
    demo = await startScript('examples/demo/start.js', {}, 'Press Ctrl+C to stop.');
  });

  afterAll(async () => {
    await demo?.stop();
  });

  test('says plainly that the issuer is a development stand-in', () => {
    expect(demo.output()).toMatch(/DEVELOPMENT STAND-IN ISSUER.*NEVER DEPLOY IT/);
    expect(demo.output()).toContain('<- DEVELOPMENT STAND-IN, never deploy');
  });

  test('prints curl commands for a 200, a 401 and 403s with the policy message', () => {
    const commands = printedCommands(demo.output());
    expect(commands.map((command) => command.expectStatus)).toEqual([200, 401, 403, 403, 201]);
    expect(commands.filter((command) => command.expectStatus === 403).map((command) => command.expectMessage)).toEqual([
      'orders:write requires the admin role',
      'orders:read requires the reader or admin role',
    ]);
  });

  test('each printed command gives the answer printed above it', async () => {
    for (const command of printedCommands(demo.output())) {
      const answer = await replay(command);
      expect({ title: command.title, status: answer.status }).toEqual({ title: command.title, status: command.expectStatus });
      if (command.expectMessage) expect(JSON.parse(answer.text)).toMatchObject({ error_description: command.expectMessage });
      if (command.expectStatus === 401) expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
    }
  });

  test('stops cleanly on SIGTERM', async () => {
    expect(await demo.stop()).toBe(0);
  });
});

describe('npm run example:mcp', () => {
  let server: RunningProcess;

  beforeAll(async () => {
    server = await startScript('examples/mcp/server.js', { PORT: '0', ISSUER: '', JWKS_URI: '', RESOURCE: '' }, 'Press Ctrl+C to stop.');
  });

  afterAll(async () => {
    await server?.stop();
  });

  test('each printed command gives the answer printed above it', async () => {
    const commands = printedCommands(server.output());
    expect(commands.map((command) => command.expectStatus)).toEqual([200, 200, 403, 200, 403, 401]);
    for (const command of commands) {
      const answer = await replay(command);
      expect({ title: command.title, status: answer.status }).toEqual({ title: command.title, status: command.expectStatus });
      const body = JSON.parse(answer.text) as { jsonrpc?: string; id?: unknown; error?: { message?: string } };
      if (command.expectStatus === 403) {
        // A JSON-RPC error for the request's id, carrying the policy's external_message.
        const request = JSON.parse(command.body!) as { id: number };
        expect(body).toMatchObject({ jsonrpc: '2.0', id: request.id, error: { message: command.expectMessage } });
      }
      if (command.expectStatus === 401) expect(answer.headers.get('www-authenticate')).toContain('resource_metadata="');
    }
  });

  test('stops cleanly on SIGTERM', async () => {
    expect(await server.stop()).toBe(0);
  });
});
