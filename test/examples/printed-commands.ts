/**
 * Runs an example the way its README says (a child process), reads the curl commands it prints and replays them
 * with fetch, so that what a newcomer pastes is what the tests check. Each command follows a comment line:
 *
 *   # 403: bob (role reader) tries to create an order -> "orders:write requires the admin role"
 *   curl -i -X POST 'http://127.0.0.1:4321/orders' -H 'Authorization: Bearer ey...' -d '{"item":"tea"}'
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');

export interface PrintedCommand {
  /** The comment line, without `# `. */
  title: string;
  expectStatus: number;
  /** The quoted text after `->`: must appear in the answer's body. */
  expectMessage?: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Splits a shell command line into words; handles the forms the examples print (bare words and '...'). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ') {
      i++;
      continue;
    }
    let word = '';
    while (i < line.length && line[i] !== ' ') {
      if (line[i] === "'") {
        const end = line.indexOf("'", i + 1);
        if (end === -1) throw new Error(`unterminated quote in: ${line}`);
        word += line.slice(i + 1, end);
        i = end + 1;
      } else if (line[i] === '"' || line[i] === '\\' || line[i] === '$') {
        throw new Error(`the printed command uses shell syntax these tests do not replay (${line[i]}): ${line}`);
      } else {
        word += line[i++];
      }
    }
    words.push(word);
  }
  return words;
}

function parseCurl(title: string, line: string): PrintedCommand {
  const heading = /^(\d{3}): (.+?)(?: -> [^"]*"([^"]+)")?$/.exec(title);
  if (!heading) throw new Error(`comment line does not say the expected status: # ${title}`);
  const words = shellWords(line);
  if (words[0] !== 'curl') throw new Error(`not a curl command: ${line}`);
  const command: PrintedCommand = {
    title,
    expectStatus: Number(heading[1]),
    expectMessage: heading[3],
    method: 'GET',
    url: '',
    headers: {},
  };
  for (let i = 1; i < words.length; i++) {
    const word = words[i];
    if (word === '-i' || word === '-s') continue;
    if (word === '-X') command.method = words[++i];
    else if (word === '-H') {
      const header = words[++i];
      const colon = header.indexOf(':');
      command.headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim();
    } else if (word === '-d') {
      command.body = words[++i];
      if (command.method === 'GET') command.method = 'POST'; // as curl does
    } else if (!word.startsWith('-') && command.url === '') command.url = word;
    else throw new Error(`unexpected curl argument ${word} in: ${line}`);
  }
  return command;
}

/** Every `# <status>: ...` comment followed by a `curl` line in the output. */
export function printedCommands(output: string): PrintedCommand[] {
  const lines = output.split('\n');
  const commands: PrintedCommand[] = [];
  lines.forEach((line, index) => {
    if (line.startsWith('curl ') && lines[index - 1]?.startsWith('# ')) commands.push(parseCurl(lines[index - 1].slice(2), line));
  });
  return commands;
}

export async function replay(command: PrintedCommand): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await fetch(command.url, { method: command.method, headers: command.headers, body: command.body });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export interface RunningProcess {
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after 5 s). */
  stop(): Promise<number | null>;
}

/**
 * Starts `node <script>` from the repository root and resolves once `readyLine` was printed (rejects with the
 * output so far if the process exits or 30 s pass first).
 */
export function startScript(script: string, env: Record<string, string>, readyLine: string): Promise<RunningProcess> {
  const child: ChildProcess = spawn(process.execPath, [script], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop().then(() => reject(new Error(`${script} did not print "${readyLine}" within 30 s; output:\n${output}`)));
    }, 30_000);
    const check = () => {
      if (!output.includes(readyLine)) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve({ output: () => output, stop });
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before it was ready; output:\n${output}`));
    });
  });
}
