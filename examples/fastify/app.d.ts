// Types for test/examples; the example itself is plain JavaScript.
import type { CreateApp } from '../shared/example-app';
export type { ExampleApp, ExampleConfig } from '../shared/example-app';
export declare const createApp: CreateApp;
