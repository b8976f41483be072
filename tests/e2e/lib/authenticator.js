// An authenticator app for the tests (RFC 6238: HMAC-SHA-1, 30 s steps, 6 digits).
//
//   const app = new Authenticator(out.SecretCode);   // AssociateSoftwareToken's base32 secret
//   app.current()        // the code of this step, for VerifySoftwareToken
//   await app.fresh()    // a code no sign-in has used: this step or the next (the server takes ±1)
//   app.wrong()          // six digits that are the code of no step near now
import crypto from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const STEP_MS = 30_000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const nowStep = () => Math.floor(Date.now() / STEP_MS);

export function base32Decode(text) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of text.replace(/=+$/, '').toUpperCase()) {
    const digit = BASE32.indexOf(ch);
    if (digit < 0) throw new Error(`not base32: ${JSON.stringify(text)}`);
    value = ((value << 5) | digit) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 4226: the code of `counter` under `key`. */
export function hotp(key, counter, digits = 6) {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = crypto.createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/**
 * One secret. A sign-in never takes a step at or before one used already, so fresh() hands out
 * the current step or the next one, waiting only when both are spent.
 */
export class Authenticator {
  constructor(secretCode) {
    this.key = base32Decode(secretCode);
    this.lastStep = -1;
  }

  codeAt(step) {
    return hotp(this.key, step);
  }

  current() {
    return this.codeAt(nowStep());
  }

  async fresh() {
    const step = Math.max(nowStep(), this.lastStep + 1);
    while (step > nowStep() + 1) await sleep(STEP_MS - (Date.now() % STEP_MS) + 50);
    this.lastStep = step;
    return this.codeAt(step);
  }

  wrong() {
    const near = new Set();
    for (let d = -3; d <= 3; d++) near.add(this.codeAt(nowStep() + d));
    for (let n = 0; ; n++) {
      const candidate = String((123456 + n * 111111) % 1_000_000).padStart(6, '0');
      if (!near.has(candidate)) return candidate;
    }
  }
}

/** What amazon-cognito-identity-js keeps in window.localStorage in a browser. */
export function memoryStorage() {
  const items = new Map();
  return {
    setItem: (k, v) => { items.set(k, String(v)); },
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    removeItem: (k) => { items.delete(k); },
    clear: () => { items.clear(); },
  };
}
