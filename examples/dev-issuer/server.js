#!/usr/bin/env node
'use strict';
// Runs the development stand-in issuer alone: `node examples/dev-issuer/server.js [port]` (default 4000).
const { startDevIssuer } = require('./index');

const port = process.argv[2] === undefined ? 4000 : Number(process.argv[2]);

startDevIssuer({ port }).then(
  (issuer) => {
    console.log(
      `Tokens: curl -s '${issuer.issuer}/dev/token?user=alice'   (users: ${issuer.users.join(', ')}; audience "${issuer.audience}")`,
    );
    const stop = () => issuer.close().then(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  },
  (error) => {
    console.error(`dev issuer failed to start: ${error.message}`);
    process.exit(1);
  },
);
