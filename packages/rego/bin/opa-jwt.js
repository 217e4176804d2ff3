#!/usr/bin/env node
'use strict';
// Thin shim: the CLI is compiled TypeScript (run `npx tsc -b` or `npm run build` first).
require('../dist/cli/main.js').run();
