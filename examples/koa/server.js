#!/usr/bin/env node
'use strict';
// `node examples/koa/server.js`: see examples/shared/run.js for ISSUER, AUDIENCE, JWKS_URI, PORT, HOST.
require('../shared/run').main('Koa', require('./app').createApp);
