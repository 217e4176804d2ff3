// Types for test/examples; the helpers themselves are plain JavaScript.
export interface DemoRequest {
  expect: number;
  title: string;
  /** The policy's external_message the client sees, for denials. */
  message?: string;
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export declare function demoRequests(apiUrl: string, issuer: { mintToken(user: string): string }): DemoRequest[];
export declare function formatDemoRequests(requests: DemoRequest[]): string;
