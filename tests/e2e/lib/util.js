// Shared helpers for the end-to-end tests: one server per test file, bounded test timeouts,
// unique names, SECRET_HASH, JWT decoding and verification, and quick SDK-based set-up.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserPasswordCommand,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { makeAdmin } from './admin.js';
import { makeAws } from './aws.js';
import { makeSdk } from './sdk.js';
import { startServer, timeScale } from './server.js';

export { timeScale };

/** A password that satisfies Cognito's default policy (8+, upper, lower, number, symbol). */
export const PASSWORD = 'Correct-Horse-42';
export const PASSWORD2 = 'Battery-Staple-77';

/**
 * Starts one server for the calling test file (before) and stops it (after). Returns a context
 * whose fields are filled in once the `before` hook has run: server, aws, sdk, admin.
 */
export function useServer(opts) {
  const ctx = {};
  before(async () => {
    ctx.server = await startServer(opts);
    ctx.endpoint = ctx.server.endpoint;
    ctx.aws = makeAws(ctx.server);
    ctx.sdk = makeSdk(ctx.server);
    ctx.admin = makeAdmin(ctx.server);
  }, { timeout: 60_000 * timeScale() });
  after(async () => {
    ctx.sdk?.destroy();
    await ctx.server?.stop();
  }, { timeout: 30_000 * timeScale() });
  return ctx;
}

/**
 * test() with a bounded timeout (default 60 s, times COGNATE_E2E_TIME_SCALE):
 * it(name, fn[, timeoutMs]) or it(name, options, fn[, timeoutMs]).
 */
export function it(name, ...rest) {
  const options = typeof rest[0] === 'object' && rest[0] !== null ? rest.shift() : {};
  const [fn, timeoutMs = 60_000] = rest;
  return test(name, { ...options, timeout: timeoutMs * timeScale() }, fn);
}

let counter = 0;
/** A name unique within this process, safe as a Cognito username / pool name / group name. */
export function unique(prefix) {
  counter += 1;
  return `${prefix}${counter}${crypto.randomBytes(3).toString('hex')}`;
}

/** Cognito's SECRET_HASH: Base64(HMAC-SHA256(key = client secret, msg = username + clientId)). */
export function secretHash(clientSecret, username, clientId) {
  return crypto.createHmac('sha256', clientSecret).update(username + clientId).digest('base64');
}

/** [{Name, Value}] → {Name: Value}. */
export function attrs(list) {
  assert.ok(Array.isArray(list), `expected an attribute list, got ${JSON.stringify(list)}`);
  return Object.fromEntries(list.map((a) => [a.Name, a.Value]));
}

/** {Name: Value} → [{Name, Value}]. */
export function attrList(obj) {
  return Object.entries(obj).map(([Name, Value]) => ({ Name, Value }));
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const POOL_ID_RE = /^us-east-1_[0-9A-Za-z]+$/;

/** {header, payload} of a JWT, without verifying it. */
export function jwt(token) {
  assert.equal(typeof token, 'string', `expected a JWT string, got ${JSON.stringify(token)}`);
  assert.equal(token.split('.').length, 3, 'a JWT has three parts');
  return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
}

/** The issuer the server puts in tokens: the public URL (= endpoint in these tests) + pool id. */
export function issuerOf(endpoint, poolId) {
  return `${endpoint}/${poolId}`;
}

export function jwksUriOf(endpoint, poolId) {
  return `${endpoint}/${poolId}/.well-known/jwks.json`;
}

/** An aws-jwt-verify fetcher over plain HTTP (its own fetcher speaks HTTPS only). */
export function httpFetcher(rewrite = (uri) => uri) {
  return {
    async fetch(uri) {
      const res = await fetch(rewrite(uri), { signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) throw new Error(`GET ${uri} answered ${res.status}`);
      return res.arrayBuffer();
    },
  };
}

/**
 * Verifies `token` with aws-jwt-verify's generic JwtVerifier (signature via the JWKS, iss, exp,
 * aud for ID tokens) and returns its payload.
 */
export async function verifyWithAwsJwtVerify(token, { endpoint, poolId, clientId, tokenUse }) {
  const verifier = JwtVerifier.create(
    {
      issuer: issuerOf(endpoint, poolId),
      jwksUri: jwksUriOf(endpoint, poolId),
      audience: tokenUse === 'id' ? clientId : null,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== tokenUse) throw new Error(`token_use is ${payload.token_use}, expected ${tokenUse}`);
        if (tokenUse === 'access' && payload.client_id !== clientId) {
          throw new Error(`client_id is ${payload.client_id}, expected ${clientId}`);
        }
      },
    },
    { jwksCache: new SimpleJwksCache({ fetcher: httpFetcher() }) },
  );
  return verifier.verify(token);
}

/** Verifies `token` with jose (remote JWKS over HTTP) and returns its payload. */
export async function verifyWithJose(token, { endpoint, poolId, audience }) {
  const jwks = createRemoteJWKSet(new URL(jwksUriOf(endpoint, poolId)), { timeoutDuration: 10_000 });
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: issuerOf(endpoint, poolId),
    algorithms: ['RS256'],
    ...(audience ? { audience } : {}),
  });
  assert.equal(protectedHeader.alg, 'RS256');
  return payload;
}

/** GET a JSON document (well-known endpoints). */
export async function getJson(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000 * timeScale()) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

// ---- quick set-up through the SDK (for tests whose subject is something else) ----

export async function createPool(sdk, input = {}) {
  const out = await sdk.send(new CreateUserPoolCommand({ PoolName: unique('pool'), ...input }));
  assert.match(out.UserPool?.Id ?? '', POOL_ID_RE);
  return out.UserPool.Id;
}

/** Creates an app client; returns {clientId, clientSecret}. */
export async function createClient(sdk, poolId, input = {}) {
  const out = await sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: poolId,
    ClientName: unique('client'),
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    ...input,
  }));
  assert.ok(out.UserPoolClient?.ClientId, 'CreateUserPoolClient returned no ClientId');
  return { clientId: out.UserPoolClient.ClientId, clientSecret: out.UserPoolClient.ClientSecret };
}

/** AdminCreateUser (no message) + AdminSetUserPassword(Permanent): a CONFIRMED user. */
export async function createConfirmedUser(sdk, poolId, username, { password = PASSWORD, attributes = {} } = {}) {
  const out = await sdk.send(new AdminCreateUserCommand({
    UserPoolId: poolId,
    Username: username,
    MessageAction: 'SUPPRESS',
    UserAttributes: attrList(attributes),
  }));
  await sdk.send(new AdminSetUserPasswordCommand({
    UserPoolId: poolId, Username: username, Password: password, Permanent: true,
  }));
  return out.User;
}

/** The observable state of a user (AdminGetUser output without the volatile dates). */
export function userState(adminGetUserOutput) {
  const o = adminGetUserOutput;
  return {
    Username: o.Username,
    UserStatus: o.UserStatus,
    Enabled: o.Enabled,
    UserAttributes: Object.fromEntries(
      Object.entries(attrs(o.UserAttributes ?? [])).sort(([a], [b]) => a.localeCompare(b))),
  };
}

/** userState() of AdminGetUser through the SDK (fast; aws-cli costs ~1 s per call). */
export async function stateOf(sdk, poolId, username) {
  return userState(await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username })));
}

/** ADMIN_USER_PASSWORD_AUTH through the SDK; resolves to the whole AdminInitiateAuth output. */
export function adminSignIn(sdk, poolId, clientId, username, password = PASSWORD, extra = {}) {
  return sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD: password, ...extra },
  }));
}
