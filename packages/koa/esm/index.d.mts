// Types of the ES module entry (index.mjs): the CommonJS build's, with `opaJwt` as the default export.
import { opaJwt } from '../dist/index.js';

export * from '../dist/index.js';
export default opaJwt;
