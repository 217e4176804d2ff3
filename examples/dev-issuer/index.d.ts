// Types for the tests; the dev issuer itself is plain JavaScript.
export interface DevIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of every token. */
  issuer: string;
  jwksUri: string;
  audience: string;
  users: string[];
  /** An RS256 token for a demo user; `overrides` replaces claims. */
  mintToken(user: 'alice' | 'bob' | 'carol', overrides?: Record<string, unknown>): string;
  close(): Promise<void>;
}

export declare function startDevIssuer(options?: { port?: number; audience?: string; log?: (line: string) => void }): Promise<DevIssuer>;
