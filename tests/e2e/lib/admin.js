// Raw, SigV4-signed (or unsigned) JSON 1.1 calls, for Cognate's own CognateAdmin.* operations
// (the message outbox) and for wire-level checks of Cognito operations.
//
//   const admin = makeAdmin(server);
//   const msgs = await admin.listOutbox(poolId, 'alice');     // newest first
//   const code = await admin.latestCode(poolId, 'alice');
//   const res  = await admin.signedCall('AWSCognitoIdentityProviderService.DescribeUserPool', {...});
//   const res  = await admin.openStream('CognateAdmin.TailEvents', {...}, { signal });  // a fetch Response
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { timeScale } from './server.js';

const REGION = 'us-east-1';
const SERVICE = 'cognito-idp';

export function makeAdmin(server) {
  const url = new URL(server.endpoint);
  const timeoutMs = 20_000 * timeScale();

  function signer(credentials = server.adminKey) {
    return new SignatureV4({ credentials, region: REGION, service: SERVICE, sha256: Sha256 });
  }

  /**
   * POST / with X-Amz-Target `target` and JSON `body`.
   * @param {object} [opts]
   * @param {false|{accessKeyId: string, secretAccessKey: string}} [opts.credentials]
   *   the admin key by default; false sends the request unsigned.
   * @returns {Promise<{status: number, headers: Headers, json: any, text: string}>}
   */
  async function rawCall(target, body, opts = {}) {
    const { payload, headers } = await prepare(target, body, opts);
    const res = await fetch(`${server.endpoint}/`, {
      method: 'POST',
      headers,
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, json, text };
  }

  /** The payload and the (signed) headers of a POST / with X-Amz-Target `target`. */
  async function prepare(target, body, opts = {}) {
    const payload = typeof body === 'string' ? body : JSON.stringify(body ?? {});
    let request = new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': target,
        ...(opts.headers ?? {}),
      },
      body: payload,
    });
    if (opts.credentials !== false) {
      request = await signer(opts.credentials || server.adminKey).sign(request);
    }
    const headers = { ...request.headers };
    delete headers.host; // fetch sets it
    return { payload, headers };
  }

  /**
   * Like rawCall, but resolves to the fetch Response as soon as its headers arrive, for streamed
   * answers (CognateAdmin.TailEvents): read res.body, and abort `opts.signal` when done.
   * @param {object} [opts] credentials as for rawCall; headers: more request headers (signed);
   *   signal: an AbortSignal that ends the request (there is no timeout of its own)
   * @returns {Promise<Response>}
   */
  async function openStream(target, body, opts = {}) {
    const { payload, headers } = await prepare(target, body, opts);
    return fetch(`${server.endpoint}/`, { method: 'POST', headers, body: payload, signal: opts.signal });
  }

  /** A signed call that must succeed (HTTP 200); returns the parsed body. */
  async function signedCall(target, body, opts) {
    const res = await rawCall(target, body, opts);
    assert.equal(res.status, 200, `${target} answered ${res.status}: ${res.text}`);
    assert.ok(res.json !== undefined, `${target} answered a body that is not JSON: ${res.text}`);
    return res.json;
  }

  /** CognateAdmin.ListOutbox: the messages sent to one user, newest first. */
  async function listOutbox(poolId, username) {
    const out = await signedCall('CognateAdmin.ListOutbox', { UserPoolId: poolId, Username: username });
    assert.ok(Array.isArray(out.Messages), `ListOutbox: no Messages array in ${JSON.stringify(out)}`);
    return out.Messages;
  }

  /**
   * Waits (briefly) until the outbox of `username` holds more than `after` messages and returns
   * the newest one's Code.
   */
  async function latestCode(poolId, username, { after = 0 } = {}) {
    const deadline = Date.now() + 5_000 * timeScale();
    for (;;) {
      const msgs = await listOutbox(poolId, username);
      if (msgs.length > after && msgs[0].Code) return msgs[0].Code;
      if (Date.now() > deadline) {
        assert.fail(`no new message with a Code for ${username} in ${poolId}: ${JSON.stringify(msgs)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  return { rawCall, openStream, signedCall, listOutbox, latestCode };
}
