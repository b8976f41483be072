// The log as an audit trail: `cognate verify`, `replay` and `audit` on the data directory of a
// running server, the history of one account, a user as of a time, the right to be forgotten,
// a tampered event caught by the hash chain, and CognateAdmin.QueryEvents / TailEvents over HTTP.
// The offline commands need the server's data directory, so those tests are skipped against a
// server someone else started (COGNATE_ENDPOINT).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  CreateGroupCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { makeAdmin } from '../lib/admin.js';
import { assertCliOk } from '../lib/aws.js';
import { makeSdk, sdkError } from '../lib/sdk.js';
import { serverBinary, startServer, usingExternalServer } from '../lib/server.js';
import {
  adminSignIn, attrs, createClient, createConfirmedUser, createPool, it, PASSWORD, timeScale, unique, UUID_RE,
  useServer,
} from '../lib/util.js';

const ctx = useServer();

// Reason for skipping the tests that read the server's files.
const offline = usingExternalServer() ? 'needs the data directory of a server this file starts' : false;
const adminActor = () => `admin:${ctx.server.adminKey.accessKeyId}`;
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

// ---- the offline commands ----

/** Runs `cognate <args>`; resolves to {code, stdout, stderr} whatever the exit code. */
function cognate(...args) {
  return new Promise((resolve) => {
    execFile(serverBinary(), args, { timeout: 30_000 * timeScale(), maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : `${err.code ?? ''} ${err.signal ?? ''}`) : 0;
        resolve({ code, stdout, stderr, argv: args });
      });
  });
}

const show = (r) => `cognate ${r.argv.join(' ')} → exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** `cognate verify` must pass; returns the number of events it checked. */
async function verifyOk(dataDir) {
  const r = await cognate('verify', '--data', dataDir);
  assert.equal(r.code, 0, show(r));
  const m = r.stdout.match(/^OK: (\d+) events verified\b/m);
  assert.ok(m, `verify printed no "OK: N events verified" line\n${show(r)}`);
  return Number(m[1]);
}

/** `cognate replay` must pass; returns {events, asOf} (events replayed, sequence compared at). */
async function replayOk(dataDir, ...more) {
  const r = await cognate('replay', '--data', dataDir, ...more);
  assert.equal(r.code, 0, show(r));
  const replayed = r.stdout.match(/^replayed (\d+) events in \S+ s \(\d+ events\/s\)$/m);
  assert.ok(replayed, `replay printed no "replayed N events" line\n${show(r)}`);
  const same = r.stdout.match(
    /^OK: the read models rebuilt from the log equal the live ones as of #(\d+) \(digest [0-9a-f]{64}\)$/m);
  assert.ok(same, `replay printed no "OK: ... equal the live ones" line\n${show(r)}`);
  return { events: Number(replayed[1]), asOf: Number(same[1]), stdout: r.stdout };
}

/** `cognate audit --format jsonl <args>` on the data directory; returns the parsed events. */
async function audit(dataDir, ...args) {
  const r = await cognate('audit', '--data', dataDir, ...args, '--format', 'jsonl');
  assert.equal(r.code, 0, show(r));
  return r.stdout.split('\n').filter((l) => l.trim()).map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      return assert.fail(`audit printed a line that is not JSON: ${line}\n${show(r)}`);
    }
  });
}

/** `cognate audit --as-of TIME --pool P --user U --format jsonl`: the user as of that time. */
async function asOf(dataDir, poolId, user, time) {
  const found = await audit(dataDir, '--as-of', time, '--pool', poolId, '--user', user);
  assert.equal(found.length, 1, `--as-of prints one object, got ${JSON.stringify(found)}`);
  return found[0];
}

const types = (events) => events.map((e) => e.type);
const seqs = (events) => events.map((e) => e.sequence);
const plusMs = (iso, ms) => new Date(Date.parse(iso) + ms).toISOString();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The log's last sequence, as the server reports it. */
async function lastSequence(admin = ctx.admin) {
  const out = await admin.signedCall('CognateAdmin.QueryEvents', { MaxResults: 1 });
  assert.equal(typeof out.LastSequence, 'number', `QueryEvents: no LastSequence in ${JSON.stringify(out)}`);
  return out.LastSequence;
}

/** Every event QueryEvents finds for `filter`, following NextToken `pageSize` at a time. */
async function queryAll(filter, pageSize) {
  const events = [];
  const pages = []; // the number of events on each page
  let token;
  do {
    const out = await ctx.admin.signedCall('CognateAdmin.QueryEvents',
      { ...filter, MaxResults: pageSize, ...(token ? { NextToken: token } : {}) });
    assert.ok(Array.isArray(out.Events), `QueryEvents: no Events array in ${JSON.stringify(out)}`);
    assert.ok(out.Events.length <= pageSize, `MaxResults ${pageSize} is honoured (got ${out.Events.length})`);
    assert.equal(typeof out.LastSequence, 'number');
    for (const e of out.Events) assert.ok(e.sequence <= out.LastSequence, 'LastSequence is the head of the log');
    events.push(...out.Events);
    token = out.NextToken;
    if (token !== undefined) assert.equal(typeof token, 'string', 'NextToken is a string');
    pages.push(out.Events.length);
    assert.ok(pages.length < 100, 'paging terminates');
  } while (token);
  return { events, pages };
}

/** Asserts strictly increasing sequences (oldest first, no repeats). */
function assertOrdered(events) {
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].sequence > events[i - 1].sequence,
      `events are oldest first: #${events[i - 1].sequence} then #${events[i].sequence}`);
    assert.ok(events[i].time >= events[i - 1].time, 'times do not go backwards');
  }
}

// ---- streamed answers ----

/**
 * Reads a streamed TailEvents response record by record: a parsed JSON line, or for server-sent
 * events {id, event, data (parsed)}. Blank lines and SSE comments (heartbeats) are skipped.
 * until(wanted) returns the first record for which wanted(record) holds; `seen` is every record.
 */
function tailReader(res, { sse = false } = {}) {
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const seen = [];
  const records = []; // parsed, not yet returned
  let buffered = '';
  const parse = (line) => {
    try {
      return JSON.parse(line);
    } catch {
      return assert.fail(`the tail sent a line that is not JSON: ${JSON.stringify(line)}`);
    }
  };
  function take() {
    const separator = sse ? '\n\n' : '\n';
    let at;
    while ((at = buffered.indexOf(separator)) >= 0) {
      const chunk = buffered.slice(0, at);
      buffered = buffered.slice(at + separator.length);
      if (!sse) {
        if (chunk.trim()) records.push(parse(chunk)); // else a heartbeat
        continue;
      }
      const fields = {};
      for (const line of chunk.split('\n')) {
        if (!line || line.startsWith(':')) continue; // a heartbeat comment
        const i = line.indexOf(':');
        fields[line.slice(0, i)] = line.slice(i + 1).replace(/^ /, '');
      }
      if (fields.data !== undefined) records.push({ id: fields.id, event: fields.event, data: parse(fields.data) });
    }
  }
  let pending = null; // a read still under way after a time-out
  async function until(wanted, timeoutMs = 10_000) {
    const deadline = Date.now() + timeoutMs * timeScale();
    for (;;) {
      while (records.length) {
        const record = records.shift();
        seen.push(record);
        if (wanted(record)) return record;
      }
      const left = deadline - Date.now();
      if (left <= 0) break;
      pending ??= reader.read();
      let timer;
      const next = await Promise.race([
        pending,
        new Promise((resolve) => { timer = setTimeout(() => resolve({ timedOut: true }), left); }),
      ]);
      clearTimeout(timer);
      if (next.timedOut) break;
      pending = null;
      if (next.done) assert.fail(`the tail ended by itself after ${JSON.stringify(seen)}`);
      buffered += decoder.decode(next.value, { stream: true });
      take();
    }
    return assert.fail(`nothing wanted came from the tail within ${timeoutMs} ms; it sent ${JSON.stringify(seen)}`);
  }
  return { until, seen };
}

// ---- RocksDB's write-ahead log, for the tampering test ----

// A small store is never flushed: its events sit in the write-ahead log (<number>.log in
// DIR/store), in records of up to 32 KiB blocks, each fragment with a 7-byte header: masked
// CRC32C (of the type byte and the payload), length, type. Changing a byte of an event there and
// fixing that fragment's checksum is a change RocksDB itself cannot notice; only the hash chain can.
const WAL_BLOCK = 32 * 1024;
const WAL_HEADER = 7;
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32c(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC32C_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const maskCrc = (c) => ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;

/** The physical records of a write-ahead log file: [{start, end}] (header included). */
function walFragments(buf) {
  const fragments = [];
  let at = 0;
  while (at + WAL_HEADER <= buf.length) {
    const left = WAL_BLOCK - (at % WAL_BLOCK);
    if (left < WAL_HEADER) { at += left; continue; } // block trailer
    const length = buf.readUInt16LE(at + 4);
    const type = buf[at + 6];
    if (type === 0 && length === 0) break; // preallocated, unwritten
    assert.ok(type >= 1 && type <= 4, `a plain write-ahead log record type (1-4), got ${type} at ${at}`);
    fragments.push({ start: at, end: at + WAL_HEADER + length });
    at += WAL_HEADER + length;
  }
  return fragments;
}

const fragmentCrc = (buf, f) => maskCrc(crc32c(buf.subarray(f.start + 6, f.end)));

/** Changes the byte at `pos` of the log file `file`, and with `fixCrc` its fragment's checksum. */
async function flipByte(file, pos, { fixCrc }) {
  const buf = await fs.readFile(file);
  const fragment = walFragments(buf).find((f) => pos >= f.start + WAL_HEADER && pos < f.end);
  assert.ok(fragment, `offset ${pos} is inside a record of ${path.basename(file)}`);
  assert.equal(buf.readUInt32LE(fragment.start), fragmentCrc(buf, fragment),
    'the checksum of the untouched record is CRC32C as computed here (else the format changed)');
  buf[pos] = buf[pos] === 0x58 ? 0x59 : 0x58; // 'X' (or 'Y'): same length, still valid JSON
  if (fixCrc) buf.writeUInt32LE(fragmentCrc(buf, fragment), fragment.start);
  await fs.writeFile(file, buf);
}

/** [{file, pos}] of every occurrence of `marker` in the write-ahead logs of dataDir/store. */
async function findInWal(dataDir, marker) {
  const store = path.join(dataDir, 'store');
  const found = [];
  for (const name of (await fs.readdir(store)).filter((n) => /^\d+\.log$/.test(n)).sort()) {
    const buf = await fs.readFile(path.join(store, name));
    for (let i = buf.indexOf(marker); i >= 0; i = buf.indexOf(marker, i + 1)) {
      found.push({ file: name, pos: i });
    }
  }
  return found;
}

async function copyDataDir(dataDir) {
  const copy = await fs.mkdtemp(path.join(os.tmpdir(), 'cognate-e2e-copy-'));
  await fs.cp(dataDir, copy, { recursive: true });
  return copy;
}

// ---- the tests ----

it('verify, replay and audit read the live data directory while the server keeps serving', { skip: offline }, async () => {
  const { sdk } = ctx;
  const dir = ctx.server.dataDir;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('live');
  await createConfirmedUser(sdk, poolId, username, { attributes: { email: `${username}@example.com` } });
  await adminSignIn(sdk, poolId, clientId, username);

  const head1 = await lastSequence();
  assert.equal(await verifyOk(dir), head1, 'verify checks every event the server has written');

  // Replay while the server writes, then once more after another write.
  const group = unique('live-');
  const [during] = await Promise.all([
    replayOk(dir),
    sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group, Description: 'written during a replay' })),
  ]);
  assert.ok(during.asOf === head1 || during.asOf === head1 + 1, `replay compared as of #${during.asOf}, head was #${head1}`);
  assert.equal(during.events, during.asOf);
  await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: group }));
  const head2 = await lastSequence();
  assert.equal(head2, head1 + 2, 'one event per write');

  const [verified, replayed, events] = await Promise.all([verifyOk(dir), replayOk(dir), audit(dir, '--pool', poolId)]);
  assert.equal(verified, head2, 'the follower sees the newest events');
  assert.deepEqual([replayed.events, replayed.asOf], [head2, head2]);
  assert.deepEqual(types(events), [
    'userpool.created', 'client.created', 'user.created', 'user.password.changed', 'user.signed_in',
    'group.created', 'user.group.joined',
  ]);
  assertOrdered(events);
  assert.equal(events.at(-1).sequence, head2);
  for (const e of events) {
    assert.match(e.time, ISO_RE);
    assert.equal(typeof e.stream, 'string');
    assert.ok(Number.isInteger(e.stream_version) && e.stream_version >= 1);
    assert.ok(Number.isInteger(e.schema_version) && e.schema_version >= 1);
    assert.equal(e.actor, adminActor(), `${e.type} was done with the admin key`);
  }
  assert.equal(events[0].stream, `pool/${poolId}`);
  assert.equal(events.find((e) => e.type === 'group.created').data.config.Description, 'written during a replay');

  // The server kept serving throughout, and still does.
  const got = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }));
  assert.equal(got.UserStatus, 'CONFIRMED');

  // replay --into builds a fresh store from the log, and will not overwrite one.
  const into = await fs.mkdtemp(path.join(os.tmpdir(), 'cognate-e2e-replay-'));
  try {
    const rebuilt = await replayOk(dir, '--into', into);
    assert.ok(rebuilt.events >= head2);
    assert.match(rebuilt.stdout, /the rebuilt store is in .*store/);
    await fs.access(path.join(into, 'store', 'CURRENT'));
    const again = await cognate('replay', '--data', dir, '--into', into);
    assert.notEqual(again.code, 0, `replay --into an existing store must refuse\n${show(again)}`);
    assert.match(again.stderr, /already exists/, show(again));
    assert.ok(await verifyOk(into) >= head2, 'the rebuilt store verifies');
  } finally {
    await fs.rm(into, { recursive: true, force: true });
  }
});

it('audit answers "what happened to this account": who, what, from where, in order', { skip: offline }, async () => {
  const { sdk, aws } = ctx;
  const dir = ctx.server.dataDir;
  const poolId = await createPool(sdk, { UsernameAttributes: ['email'] });
  const { clientId } = await createClient(sdk, poolId);
  const email = `${unique('jane')}@example.com`;
  const signUp = () => sdk.send(new SignUpCommand({
    ClientId: clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }],
  }));
  const signIn = (password) => sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: email, PASSWORD: password },
  }));

  const sub = (await signUp()).UserSub;
  assert.match(sub, UUID_RE);
  await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
  await sdkError('NotAuthorizedException', signIn('Wrong-Password-1'));
  assert.ok((await signIn(PASSWORD)).AuthenticationResult?.AccessToken);
  await sdkError('UsernameExistsException', signUp());
  assertCliOk(await aws.run('admin-update-user-attributes', '--user-pool-id', poolId, '--username', email,
    '--user-attributes', 'Name=name,Value=Jane'), 'admin-update-user-attributes');

  const events = await audit(dir, '--pool', poolId, '--user', email);
  assert.deepEqual(types(events), [
    'user.signed_up', 'user.confirmed', 'user.sign_in.failed', 'user.signed_in', 'request.refused',
    'user.attributes.updated',
  ]);
  assertOrdered(events);
  assert.deepEqual(events.map((e) => e.actor), [
    `user:${sub}`, adminActor(), 'anonymous', `user:${sub}`, 'anonymous', adminActor(),
  ]);
  const userStream = `user/${poolId}/${sub}`;
  assert.deepEqual(events.map((e) => e.stream),
    [userStream, userStream, userStream, userStream, `refused/${poolId}`, userStream]);
  assert.deepEqual(events.filter((e) => e.stream === userStream).map((e) => e.stream_version), [1, 2, 3, 4, 5],
    'the user stream has no gaps');
  for (const e of events) {
    assert.equal(e.data.$ip, '127.0.0.1', `${e.type}: the caller's address`);
    assert.equal(e.erased, undefined, `${e.type}: nothing is erased while the user exists`);
    assert.match(e.time, ISO_RE);
  }
  const [signedUp, confirmed, failed, signedIn, refused, updated] = events;
  assert.equal(signedUp.data.sub, sub);
  assert.equal(signedUp.data.pool_id, poolId);
  assert.equal(signedUp.data.status, 'UNCONFIRMED');
  assert.equal(signedUp.data.client_id, clientId);
  assert.equal(signedUp.data.attributes.email, email, 'personal fields are readable while the user exists');
  assert.equal(signedUp.data.password, undefined, 'never the password');
  assert.match(signedUp.data.$ua, /aws-sdk-js/);
  assert.equal(confirmed.data.via, 'admin');
  assert.equal(failed.data.reason, 'password');
  assert.equal(failed.data.client_id, clientId);
  assert.equal(signedIn.data.flow, 'USER_PASSWORD_AUTH');
  assert.equal(signedIn.data.client_id, clientId);
  assert.deepEqual(
    [refused.data.operation, refused.data.error, refused.data.pool_id, refused.data.client_id, refused.data.sub],
    ['SignUp', 'UsernameExistsException', poolId, clientId, sub]);
  assert.equal(refused.data.username, email, 'the existing user\'s name, readable while they exist');
  assert.equal(updated.data.attributes.name, 'Jane');
  assert.match(updated.data.$ua, /^aws-cli\//, 'the User-Agent of the caller');
  for (const e of [signedUp, signedIn, refused]) {
    assert.ok(!JSON.stringify(e).includes(PASSWORD), `${e.type} holds no password`);
  }

  // The same account by its sub.
  assert.deepEqual(seqs(await audit(dir, '--pool', poolId, '--user', sub)), seqs(events));

  // Filters.
  const seqOf = (...wanted) => events.filter((e) => wanted.includes(e.type)).map((e) => e.sequence);
  const [byPrefix, byTwo, byClient, byIp, byOtherIp, sinceLast, afterLast, untilFirst] = await Promise.all([
    audit(dir, '--pool', poolId, '--user', email, '--type', 'user.sign_in*'),
    audit(dir, '--pool', poolId, '--user', email, '--type', 'user.sign_in*,user.signed_in'),
    audit(dir, '--pool', poolId, '--user', email, '--client', clientId),
    audit(dir, '--pool', poolId, '--user', email, '--ip', '127.0.0.1'),
    audit(dir, '--pool', poolId, '--user', email, '--ip', '192.0.2.1'),
    audit(dir, '--pool', poolId, '--user', email, '--since', events.at(-1).time),
    audit(dir, '--pool', poolId, '--user', email, '--since', plusMs(events.at(-1).time, 1)),
    audit(dir, '--pool', poolId, '--user', email, '--until', events[0].time),
  ]);
  assert.deepEqual(seqs(byPrefix), seqOf('user.sign_in.failed'), 'a type ending in * is a prefix');
  assert.deepEqual(seqs(byTwo), seqOf('user.sign_in.failed', 'user.signed_in'));
  assert.deepEqual(seqs(byClient), seqOf('user.signed_up', 'user.sign_in.failed', 'user.signed_in', 'request.refused'),
    'the events that came through the app client');
  assert.deepEqual(seqs(byIp), seqs(events));
  assert.deepEqual(byOtherIp, []);
  assert.deepEqual(seqs(sinceLast), [events.at(-1).sequence], '--since includes its own time');
  assert.deepEqual(afterLast, [], 'nothing happened after the last event');
  assert.ok(untilFirst.length >= 1 && untilFirst.every((e) => e.time <= events[0].time), '--until includes its own time');
  assert.equal(untilFirst.at(-1).sequence, events[0].sequence);

  // The table: a header, then one line per event.
  const table = await cognate('audit', '--data', dir, '--pool', poolId, '--user', email);
  assert.equal(table.code, 0, show(table));
  const lines = table.stdout.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, events.length + 1, show(table));
  assert.match(lines[0], /^SEQ\s+TIME\s+TYPE\s+ACTOR\b/);
  events.forEach((e, i) => {
    assert.match(lines[i + 1], new RegExp(`^${e.sequence}\\s+${e.time.replace(/\./g, '\\.')}\\s+${e.type.replace(/\./g, '\\.')}\\s`));
    assert.ok(lines[i + 1].includes(e.actor), `line ${i + 1} names the actor`);
  });

  // --user needs --pool; a bad time is a usage error.
  assert.notEqual((await cognate('audit', '--data', dir, '--user', email)).code, 0);
  const badTime = await cognate('audit', '--data', dir, '--pool', poolId, '--since', 'yesterday');
  assert.notEqual(badTime.code, 0);
  assert.match(badTime.stderr, /ISO 8601/);
});

it('audit --as-of shows a user as they were at a time', { skip: offline }, async () => {
  const { sdk } = ctx;
  const dir = ctx.server.dataDir;
  const poolId = await createPool(sdk, { AliasAttributes: ['email'] });
  const group = unique('staff-');
  await sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: group }));
  const username = unique('asof');
  const email = `${username}@example.com`;
  const beforeCreation = new Date(Date.now() - 1000).toISOString();
  const created = await createConfirmedUser(sdk, poolId, username,
    { attributes: { name: 'Jane', email, email_verified: 'true' } });
  const sub = attrs(created.Attributes).sub;
  const t1 = new Date().toISOString();
  await sleep(1100);
  await sdk.send(new AdminUpdateUserAttributesCommand({
    UserPoolId: poolId, Username: username, UserAttributes: [{ Name: 'name', Value: 'Janet' }],
  }));
  await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: group }));
  const t2 = new Date().toISOString();
  await sleep(20);
  await sdk.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: username }));

  const history = await audit(dir, '--pool', poolId, '--user', username);
  assert.deepEqual(types(history), [
    'user.created', 'user.password.changed', 'user.attributes.updated', 'user.group.joined', 'user.disabled',
  ]);

  const [atT1, atT2, now, before, byEmail, bySub] = await Promise.all([
    asOf(dir, poolId, username, t1),
    asOf(dir, poolId, username, t2),
    asOf(dir, poolId, username, new Date().toISOString()),
    asOf(dir, poolId, username, beforeCreation),
    asOf(dir, poolId, email, t1),
    asOf(dir, poolId, sub, t1),
  ]);
  assert.equal(atT1.as_of, t1);
  assert.equal(atT1.exists, true);
  assert.equal(atT1.deleted, false);
  assert.equal(atT1.username, username);
  assert.equal(atT1.sub, sub);
  assert.equal(atT1.status, 'CONFIRMED');
  assert.equal(atT1.enabled, true);
  assert.equal(atT1.attributes.name, 'Jane');
  assert.equal(atT1.attributes.email, email);
  assert.deepEqual(atT1.groups, []);
  assert.equal(atT1.created, history[0].time);
  assert.equal(atT1.modified, history[1].time);
  assert.equal(atT1.last_sequence, history[1].sequence);
  assert.equal(atT1.stream_version, 2);

  assert.equal(atT2.exists, true);
  assert.equal(atT2.attributes.name, 'Janet');
  assert.deepEqual(atT2.groups, [group]);
  assert.equal(atT2.enabled, true);
  assert.equal(atT2.created, history[0].time);
  assert.equal(atT2.last_sequence, history[3].sequence);
  assert.equal(atT2.stream_version, 4);

  assert.equal(now.enabled, false, 'disabled after t2');
  assert.equal(now.last_sequence, history[4].sequence);

  assert.equal(before.exists, false, 'the user did not exist yet');

  assert.deepEqual(byEmail, atT1, 'the same user by their email alias');
  assert.deepEqual(bySub, atT1, 'the same user by their sub');

  // To the millisecond: just before the change, and at it.
  const change = history[2];
  assert.equal((await asOf(dir, poolId, username, plusMs(change.time, -1))).attributes.name, 'Jane');
  assert.equal((await asOf(dir, poolId, username, change.time)).attributes.name, 'Janet');

  // The live state agrees with the newest answer.
  const live = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }));
  assert.deepEqual(attrs(live.UserAttributes), now.attributes);
  assert.equal(live.Enabled, now.enabled);
});

it('the right to be forgotten: after AdminDeleteUser the history stays, the personal data does not', { skip: offline }, async () => {
  const { sdk, aws, admin } = ctx;
  const dir = ctx.server.dataDir;
  const poolId = await createPool(sdk, { AliasAttributes: ['email'] });
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('forget');
  const email = `${username}@example.com`;
  const name = `Forget ${crypto.randomBytes(4).toString('hex')}`;
  const created = await createConfirmedUser(sdk, poolId, username,
    { attributes: { email, email_verified: 'true', name } });
  const sub = attrs(created.Attributes).sub;
  await adminSignIn(sdk, poolId, clientId, username);
  // A refused sign-up that concerns this user, from the public side.
  await sdkError('UsernameExistsException', sdk.send(new SignUpCommand({
    ClientId: clientId, Username: username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }],
  })));

  const before = await audit(dir, '--pool', poolId, '--user', sub);
  assert.deepEqual(types(before), ['user.created', 'user.password.changed', 'user.signed_in', 'request.refused']);
  assert.deepEqual(seqs(await audit(dir, '--pool', poolId, '--user', email)), seqs(before), 'found by email too');
  assert.equal(before[0].data.attributes.email, email);
  assert.equal(before[0].data.username, username);
  assert.equal(before[3].data.username, username);

  assert.deepEqual(assertCliOk(await aws.run('admin-delete-user', '--user-pool-id', poolId, '--username', username),
    'admin-delete-user'), {});
  await sdkError('UserNotFoundException', sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username })));

  const after = await audit(dir, '--pool', poolId, '--user', sub);
  assert.deepEqual(types(after), [...types(before), 'user.deleted', 'user.personal_data.erased'],
    'the same events, then the deletion and the erasure');
  assertOrdered(after);
  const envelope = (e) => ({
    sequence: e.sequence, time: e.time, stream: e.stream, stream_version: e.stream_version, type: e.type,
    schema_version: e.schema_version, actor: e.actor,
  });
  assert.deepEqual(after.slice(0, before.length).map(envelope), before.map(envelope), 'the envelopes are unchanged');
  const [createdAfter, , signedInAfter, refusedAfter, deleted, erased] = after;
  // Personal fields are gone...
  assert.equal(createdAfter.data.attributes, '[erased]');
  assert.equal(createdAfter.data.username, '[erased]');
  assert.equal(createdAfter.data.login_keys, '[erased]');
  assert.equal(refusedAfter.data.username, '[erased]');
  for (const e of after.slice(0, before.length)) {
    assert.equal(e.data.$ip, '[erased]', `${e.type}: the address was personal`);
    assert.ok(Array.isArray(e.erased) && e.erased.includes('$ip'), `${e.type} lists what was erased`);
  }
  assert.ok(createdAfter.erased.includes('attributes') && createdAfter.erased.includes('username'));
  // ...the rest is still readable.
  assert.equal(createdAfter.data.sub, sub);
  assert.equal(createdAfter.data.pool_id, poolId);
  assert.equal(createdAfter.data.status, before[0].data.status);
  assert.equal(signedInAfter.data.flow, before[2].data.flow);
  assert.match(signedInAfter.data.flow, /PASSWORD_AUTH$/);
  assert.equal(signedInAfter.data.client_id, clientId);
  assert.equal(signedInAfter.data.origin_jti, before[2].data.origin_jti);
  assert.deepEqual([refusedAfter.data.operation, refusedAfter.data.error, refusedAfter.data.sub],
    ['SignUp', 'UsernameExistsException', sub]);
  assert.equal(deleted.actor, adminActor());
  assert.equal(deleted.data.via, 'admin');
  assert.equal(erased.data.key, `user/${poolId}/${sub}`);

  // Nothing the log answers still holds the user's name, email or username...
  const whole = JSON.stringify(await audit(dir, '--pool', poolId));
  const queried = JSON.stringify((await queryAll({ UserPoolId: poolId }, 1000)).events);
  for (const [what, text] of [['audit', whole], ['QueryEvents', queried]]) {
    assert.ok(text.includes(sub), `${what} still has the user's events`);
    for (const secret of [username, email, name]) {
      assert.ok(!text.includes(secret), `${what} no longer shows ${secret}`);
    }
  }
  // ...so the old email and username find nothing; the sub finds the history.
  assert.deepEqual(await audit(dir, '--pool', poolId, '--user', email), []);
  assert.deepEqual(await audit(dir, '--pool', poolId, '--user', username), []);
  const gone = await asOf(dir, poolId, sub, new Date().toISOString());
  assert.equal(gone.exists, false);
  assert.equal(gone.deleted, true);

  // The log is whole and still replays to the same read models.
  const head = await lastSequence(admin);
  assert.equal(await verifyOk(dir), head);
  const replayed = await replayOk(dir);
  assert.equal(replayed.asOf, head);
});

it('verify catches an event altered in the stored files', { skip: offline }, async () => {
  // A server of its own, stopped before its files are changed.
  const second = await startServer({ keepData: true });
  const copies = [];
  try {
    const sdk = makeSdk(second);
    const admin2 = makeAdmin(second);
    let marker;
    let seq;
    let head;
    try {
      const poolId = await createPool(sdk);
      marker = `tamper-marker-${crypto.randomBytes(4).toString('hex')}`; // a group description: not personal
      await sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'tampered', Description: marker }));
      await sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'after', Description: 'untouched' }));
      const groups = await audit(second.dataDir, '--pool', poolId, '--type', 'group.created');
      seq = groups.find((e) => e.data.config?.Description === marker)?.sequence;
      assert.ok(seq, `the group.created event with the marker: ${JSON.stringify(groups)}`);
      head = await lastSequence(admin2);
      assert.ok(head > seq, 'the altered event is not the last one');
      assert.equal(await verifyOk(second.dataDir), head);
    } finally {
      sdk.destroy();
      await second.stop();
    }
    assert.equal(await verifyOk(second.dataDir), head, 'the stopped store verifies');

    const hits = await findInWal(second.dataDir, marker);
    assert.ok(hits.length >= 1,
      'the marker is in a write-ahead log file (a store this small is never flushed to table files)');

    // 1. A byte changed without fixing the record's checksum: RocksDB's own checksum refuses the
    //    write-ahead log before the hash chain is even looked at.
    const naive = await copyDataDir(second.dataDir);
    copies.push(naive);
    await flipByte(path.join(naive, 'store', hits[0].file), hits[0].pos + marker.length - 1, { fixCrc: false });
    const naiveRun = await cognate('verify', '--data', naive);
    assert.notEqual(naiveRun.code, 0, show(naiveRun));
    assert.match(naiveRun.stdout + naiveRun.stderr, /checksum mismatch|corrupt/i, show(naiveRun));

    // 2. The same change with the checksum fixed, one occurrence of the marker per copy: one is
    //    the event (the hash chain catches it), the others are read-model rows (verify passes,
    //    replay finds the read model differs from the log).
    const outcomes = [];
    for (const hit of hits) {
      const copy = await copyDataDir(second.dataDir);
      copies.push(copy);
      await flipByte(path.join(copy, 'store', hit.file), hit.pos + marker.length - 1, { fixCrc: true });
      const [verify, replay] = [await cognate('verify', '--data', copy), await cognate('replay', '--data', copy)];
      outcomes.push({ verify, replay });
      assert.equal(replay.code, 1, `the changed copy no longer replays to its read models\n${show(replay)}`);
      assert.match(replay.stdout, /^DIFFERENT/m, show(replay));
      assert.match(replay.stdout, /^first difference: .*tampered/m, show(replay));
    }
    const caught = outcomes.filter((o) => o.verify.code !== 0);
    assert.equal(caught.length, 1, `exactly one copy (the event's) fails verify:\n${outcomes.map((o) => show(o.verify)).join('\n')}`);
    const { verify } = caught[0];
    assert.equal(verify.code, 1, show(verify));
    assert.match(verify.stdout, new RegExp(`^#${seq}: .*altered`, 'm'), show(verify));
    const problems = verify.stdout.split('\n').filter((l) => /^#\d+:/.test(l));
    assert.deepEqual(problems.map((l) => l.split(':')[0]), [`#${seq}`], 'only the altered event is named');
    assert.match(verify.stdout, /^FAILED: 1 problem/m, show(verify));
    for (const o of outcomes.filter((x) => x.verify.code === 0)) {
      assert.match(o.verify.stdout, new RegExp(`^OK: ${head} events verified`, 'm'), show(o.verify));
    }
  } finally {
    await Promise.all([second.dataDir, ...copies].filter(Boolean).map((d) => fs.rm(d, { recursive: true, force: true })));
  }
});

it('CognateAdmin.QueryEvents pages through the log with the same filters as audit', async () => {
  const { sdk, admin } = ctx;
  const poolId = await createPool(sdk, { AliasAttributes: ['email'] });
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('paged');
  const email = `${username}@example.com`;
  await createConfirmedUser(sdk, poolId, username, { attributes: { email, email_verified: 'true' } });
  const tokens = (await adminSignIn(sdk, poolId, clientId, username)).AuthenticationResult;
  await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken },
  }));
  await sdk.send(new AdminUpdateUserAttributesCommand({
    UserPoolId: poolId, Username: username, UserAttributes: [{ Name: 'name', Value: 'Paged' }],
  }));
  await adminSignIn(sdk, poolId, clientId, username);
  // Another user of the pool, whose events must not show up.
  await createConfirmedUser(sdk, poolId, unique('other'));

  const { events, pages } = await queryAll({ UserPoolId: poolId, Username: username }, 2);
  assert.deepEqual(types(events), [
    'user.created', 'user.password.changed', 'user.signed_in', 'user.tokens.refreshed', 'user.attributes.updated',
    'user.signed_in',
  ]);
  // Full pages, then the rest; a last, empty page when events of others follow in the log.
  assert.deepEqual(pages.slice(0, 3), [2, 2, 2], `six events, two a page: ${pages}`);
  assert.ok(pages.slice(3).every((n) => n === 0), `nothing after the six: ${pages}`);
  assertOrdered(events);
  const sub = events[0].data.sub;
  assert.ok(events.every((e) => e.stream === `user/${poolId}/${sub}`));

  // The same answer by email alias, in one page, and from a sequence on.
  assert.deepEqual((await queryAll({ UserPoolId: poolId, Username: email }, 1000)).events, events);
  const rest = (await queryAll({ UserPoolId: poolId, Username: username, FromSequence: events[3].sequence }, 1000)).events;
  assert.deepEqual(seqs(rest), seqs(events.slice(3)));
  const signIns = (await queryAll({ UserPoolId: poolId, Types: ['user.signed_in', 'user.tokens.*'] }, 1000)).events;
  assert.deepEqual(seqs(signIns), seqs(events.filter((e) => /^user\.(signed_in|tokens\.)/.test(e.type))));
  const viaClient = (await queryAll({ UserPoolId: poolId, Username: username, ClientId: clientId }, 1000)).events;
  assert.ok(viaClient.length >= 3 && viaClient.every((e) => e.data.client_id === clientId));
  assert.deepEqual((await queryAll({ UserPoolId: poolId, SourceIp: '192.0.2.1' }, 1000)).events, []);
  const until = (await queryAll({ UserPoolId: poolId, Username: username, Until: events[1].time }, 1000)).events;
  assert.deepEqual(seqs(until), seqs(events.filter((e) => e.time <= events[1].time)));

  // Exactly what `cognate audit` prints for the user.
  if (!ctx.server.external) {
    assert.deepEqual(await audit(ctx.server.dataDir, '--pool', poolId, '--user', username), events);
  }

  // Refusals.
  for (const [body, message] of [
    [{ MaxResults: 0 }, /MaxResults/],
    [{ MaxResults: 1001 }, /MaxResults/],
    [{ Username: username }, /UserPoolId/],
    [{ Since: 'yesterday' }, /ISO 8601/],
  ]) {
    const r = await admin.rawCall('CognateAdmin.QueryEvents', body);
    assert.equal(r.status, 400, `QueryEvents ${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json?.__type, 'InvalidParameterException', r.text);
    assert.match(r.json.message, message);
  }
  const unsigned = await admin.rawCall('CognateAdmin.QueryEvents', { UserPoolId: poolId }, { credentials: false });
  assert.equal(unsigned.status, 403, `the log is for administrators only: ${unsigned.text}`);
  assert.ok(!unsigned.text.includes(sub));
  const wrongKey = await admin.rawCall('CognateAdmin.QueryEvents', { UserPoolId: poolId },
    { credentials: { accessKeyId: ctx.server.adminKey.accessKeyId, secretAccessKey: 'not-the-secret' } });
  assert.equal(wrongKey.status, 403, wrongKey.text);
});

it('CognateAdmin.TailEvents streams new events as JSON lines and as server-sent events', async () => {
  const { sdk, admin } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);
  const otherPool = await createPool(sdk);
  const controllers = [];
  const open = (body, headers) => {
    const controller = new AbortController();
    controllers.push(controller);
    return admin.openStream('CognateAdmin.TailEvents', body, { headers, signal: controller.signal });
  };
  try {
    const lines = await open({ UserPoolId: poolId });
    assert.equal(lines.status, 200, lines.status === 200 ? '' : await lines.text());
    assert.match(lines.headers.get('content-type') ?? '', /application\/x-ndjson/);

    // An event of another pool first: the filter keeps it out.
    await sdk.send(new CreateGroupCommand({ UserPoolId: otherPool, GroupName: unique('elsewhere-') }));
    const username = unique('tailed');
    const { UserSub: sub } = await sdk.send(new SignUpCommand({ ClientId: clientId, Username: username, Password: PASSWORD }));
    const lineTail = tailReader(lines);
    const signedUp = await lineTail.until((e) => e.type === 'user.signed_up' && e.data?.sub === sub);
    assert.equal(lineTail.seen[0], signedUp,
      `the first line is the new user's sign-up (only new events, this pool only): ${JSON.stringify(lineTail.seen)}`);
    assert.equal(signedUp.stream, `user/${poolId}/${sub}`);
    assert.equal(signedUp.actor, `user:${sub}`);
    assert.match(signedUp.time, ISO_RE);
    assert.equal(signedUp.data.$ip, '127.0.0.1');

    // The same event as a server-sent event, resumed from the sequence before it.
    const events = await open({ UserPoolId: poolId },
      { accept: 'text/event-stream', 'last-event-id': String(signedUp.sequence - 1) });
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /text\/event-stream/);
    const eventTail = tailReader(events, { sse: true });
    const again = await eventTail.until(() => true);
    assert.equal(again.id, String(signedUp.sequence), 'id: <sequence>');
    assert.equal(again.event, undefined, 'a plain message event');
    assert.deepEqual(again.data, signedUp);

    // Still live: the next event of the pool arrives on both.
    await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: username }));
    const [nextLine, nextEvent] = await Promise.all([
      lineTail.until((e) => e.type === 'user.confirmed'),
      eventTail.until((e) => e.data.type === 'user.confirmed'),
    ]);
    assert.equal(nextLine.data.via, 'admin');
    assert.equal(nextEvent.id, String(nextLine.sequence));
    assert.ok(nextLine.sequence > signedUp.sequence);
    assert.deepEqual(lineTail.seen.map((e) => e.type), ['user.signed_up', 'user.confirmed'], 'nothing else in between');

    // A bad filter is refused before any streaming.
    const bad = await admin.rawCall('CognateAdmin.TailEvents', { UserPoolId: poolId, Since: 'yesterday' });
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.json?.__type, 'InvalidParameterException');
  } finally {
    for (const c of controllers) c.abort();
  }
});

it('user.signed_in records the flow the sign-in used', async () => {
  const { sdk, admin } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('flow');
  await createConfirmedUser(sdk, poolId, username);
  await adminSignIn(sdk, poolId, clientId, username);
  await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD },
  }));
  const out = await admin.signedCall('CognateAdmin.QueryEvents',
    { UserPoolId: poolId, Username: username, Types: ['user.signed_in'] });
  assert.deepEqual(out.Events.map((e) => [e.actor.split(':')[0], e.data.flow]),
    [['admin', 'ADMIN_USER_PASSWORD_AUTH'], ['user', 'USER_PASSWORD_AUTH']]);
});
