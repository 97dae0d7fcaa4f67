// RFC 6238 TOTP (HMAC-SHA-1, 30 s steps) from a base32 secret.

import { createHmac } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decode RFC 4648 base32 (case, spaces and padding ignored). */
export function base32Decode(text) {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of clean) {
    const i = ALPHABET.indexOf(ch);
    if (i < 0) throw new Error(`invalid base32 character ${JSON.stringify(ch)}`);
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The time step (counter) for a time in milliseconds. */
export function timeStep(nowMs = Date.now(), period = 30) {
  return Math.floor(nowMs / 1000 / period);
}

/** HOTP (RFC 4226) for a raw key and a counter. */
export function hotp(key, counter, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', key).update(msg).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const bin = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 10 ** digits).padStart(digits, '0');
}

/** The TOTP code for a base32 secret at a time (ms). */
export function totp(secretBase32, { nowMs = Date.now(), digits = 6, period = 30 } = {}) {
  return hotp(base32Decode(secretBase32), timeStep(nowMs, period), digits);
}

/** Wait until the time step after `step` has begun (at most ~31 s). */
export async function waitForNextStep(step = timeStep(), period = 30) {
  const deadline = Date.now() + (period + 1) * 1000;
  while (timeStep(Date.now(), period) === step) {
    if (Date.now() > deadline) throw new Error('the TOTP time step did not change');
    await new Promise((r) => setTimeout(r, 200));
  }
  return timeStep(Date.now(), period);
}

// Self-check against RFC 6238 appendix B (SHA-1, T = 59 s).
{
  const key = Buffer.from('12345678901234567890', 'ascii');
  const c = timeStep(59_000);
  if (hotp(key, c, 8) !== '94287082' || hotp(key, c, 6) !== '287082') {
    throw new Error('totp.js self-check failed (RFC 6238 test vector)');
  }
  const b32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // base32 of the same key
  if (totp(b32, { nowMs: 59_000 }) !== '287082') {
    throw new Error('totp.js self-check failed (base32 decoding)');
  }
}
