// Types of the orders examples' createApp, for test/examples; the examples themselves are plain JavaScript.
export interface ExampleConfig {
  issuer: string;
  audience: string;
  /** Without it the issuer's keys are found through OpenID discovery. */
  jwksUri?: string;
  policyPath?: string;
}

export interface ExampleApp {
  app: unknown;
  /** The middleware's start-up promise: rejects if the policy does not compile or the issuer is unreachable. */
  ready: Promise<void>;
  /** Listens on 127.0.0.1 (port 0: a free one) and resolves to the base URL. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export type CreateApp = (config: ExampleConfig) => Promise<ExampleApp>;
