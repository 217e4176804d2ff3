/**
 * GETs a small JSON document from an issuer (discovery metadata, JWKS) with a deadline and a size cap, so that a
 * slow or hostile endpoint can neither hang start-up nor fill memory.
 */

/** Discovery documents and key sets are a few KB; anything near this is not one. */
const MAX_DOCUMENT_BYTES = 512 * 1024;

export class FetchError extends Error {
  override readonly name = 'FetchError';
}

export async function fetchJson(url: string, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'follow', signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : (((error as Error).cause as Error | undefined)?.message ?? (error as Error).message);
    throw new FetchError(`GET ${url} failed: ${reason}`, { cause: error });
  }
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchError(`GET ${url} answered HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length'));
  if (declared > MAX_DOCUMENT_BYTES) {
    await response.body?.cancel().catch(() => undefined);
    throw new FetchError(`GET ${url}: the document is larger than ${MAX_DOCUMENT_BYTES} bytes`);
  }
  let text: string;
  try {
    text = await readLimited(response, MAX_DOCUMENT_BYTES);
  } catch (error) {
    if (error instanceof FetchError) throw new FetchError(`GET ${url}: ${error.message}`);
    throw new FetchError(`GET ${url}: reading the answer failed: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new FetchError(`GET ${url}: the answer is not JSON`);
  }
}

async function readLimited(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > limit) throw new FetchError(`the document is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
