'use strict';
/**
 * The `listen`/`close` pair the Express and Koa examples hand to their runner and tests: a Node HTTP server around
 * the framework's request handler, closed together with the opa-jwt middleware (its policy watchers and timers).
 */
const http = require('node:http');

/**
 * @param {http.RequestListener} handler the framework's request handler
 * @param {{ close(): Promise<void> }} auth the opa-jwt middleware
 */
function httpHandle(handler, auth) {
  const server = http.createServer(handler);
  return {
    listen: (port = 0, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve(`http://${host}:${server.address().port}`));
      }),
    close: async () => {
      if (server.listening) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await auth.close();
    },
  };
}

module.exports = { httpHandle };
