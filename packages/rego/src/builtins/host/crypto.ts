/** Digests and HMACs of UTF-8 strings, as lowercase hex (crypto.*). */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Impl, isString } from './values';

const digest =
  (algorithm: string): Impl =>
  (s) =>
    isString(s) ? createHash(algorithm).update(s, 'utf8').digest('hex') : undefined;

const hmac =
  (algorithm: string): Impl =>
  (message, key) =>
    isString(message) && isString(key) ? createHmac(algorithm, Buffer.from(key, 'utf8')).update(message, 'utf8').digest('hex') : undefined;

/** Go's hmac.Equal: constant-time, false for different lengths. */
function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export const cryptoBuiltins: Record<string, Impl> = {
  'crypto.md5': digest('md5'),
  'crypto.sha1': digest('sha1'),
  'crypto.sha256': digest('sha256'),
  'crypto.hmac.md5': hmac('md5'),
  'crypto.hmac.sha1': hmac('sha1'),
  'crypto.hmac.sha256': hmac('sha256'),
  'crypto.hmac.sha512': hmac('sha512'),
  'crypto.hmac.equal': (a, b) => (isString(a) && isString(b) ? constantTimeEqual(a, b) : undefined),
};
