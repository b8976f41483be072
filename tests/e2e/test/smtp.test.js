// Email over SMTP: cognate serve --message-sink smtp://... delivers codes to a real SMTP server
// (lib/smtp_server.py, aiosmtpd) over STARTTLS with AUTH, in the pool's own words
// (VerificationMessageTemplate, InviteMessageTemplate), while the outbox still holds them; a
// 451 from the server is retried until the message goes through.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeAdmin } from '../lib/admin.js';
import { assertCliOk, makeAws } from '../lib/aws.js';
import { startServer, timeScale } from '../lib/server.js';
import { PASSWORD, PASSWORD2, it, unique } from '../lib/util.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SMTP_SERVER = path.join(here, '..', 'lib', 'smtp_server.py');
// Debian's python3, which has aiosmtpd; not whatever `python3` is first on PATH.
const PYTHON = '/usr/bin/python3';

/**
 * Starts lib/smtp_server.py with `args`. Resolves to {port, messages, stderr(), waitFor(pred),
 * stop()} once it listens; `messages` fills with the JSON lines it prints.
 */
async function startSmtp(args = []) {
  const child = spawn(PYTHON, [SMTP_SERVER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages = [];
  let stderr = '';
  let pending = '';
  let ready;
  const readyPromise = new Promise((resolve, reject) => {
    ready = { resolve, reject };
    child.once('exit', (code, signal) => reject(new Error(
      `smtp_server.py exited during start-up (code ${code}, signal ${signal}); is python3-aiosmtpd installed?\n${stderr}`)));
    child.once('error', reject);
  });
  const listeners = new Set();
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    pending += chunk;
    for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      if (!line.trim()) continue;
      const record = JSON.parse(line);
      if (record.ready) {
        ready.resolve(record.port);
      } else {
        messages.push(record);
        for (const listener of listeners) listener();
      }
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const timer = setTimeout(() => ready.reject(new Error(`smtp_server.py not ready\n${stderr}`)), 15_000 * timeScale());
  let port;
  try {
    port = await readyPromise;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  } finally {
    clearTimeout(timer);
  }

  /** The first message that satisfies `pred`, waiting up to `timeoutMs` for it. */
  function waitFor(pred, timeoutMs = 20_000) {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.find(pred);
        if (!found) return false;
        listeners.delete(check);
        clearTimeout(t);
        resolve(found);
        return true;
      };
      const t = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no such message within ${timeoutMs} ms; received: ${JSON.stringify(messages)}\n` +
          `--- smtp server stderr ---\n${stderr}`));
      }, timeoutMs * timeScale());
      listeners.add(check);
      check();
    });
  }

  async function stop() {
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(killer);
  }

  return { port, messages, stderr: () => stderr, waitFor, stop };
}

/** A throwaway self-signed certificate for 127.0.0.1: {dir, cert, key}. */
async function selfSignedCert() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cognate-smtp-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
  ], { timeout: 30_000 });
  return { dir, cert, key };
}

/** Splits a received message into {headers (lower-case names, encoded words decoded), body}. */
function parseMail(data) {
  const split = data.indexOf('\r\n\r\n');
  assert.ok(split > 0, `no blank line between headers and body:\n${data}`);
  const headers = {};
  for (const line of data.slice(0, split).replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
      .replace(/\?=\s+=\?/g, '?==?')
      .replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/gi, (_, b64) => Buffer.from(b64, 'base64').toString('utf8'));
  }
  let body = data.slice(split + 4);
  if ((headers['content-transfer-encoding'] ?? '').toLowerCase() === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
    body = Buffer.from(bytes, 'latin1').toString('utf8');
  }
  return { headers, body };
}

/** Runs `fn({aws, admin, smtp})` against a fresh SMTP server and a cognate sending to it. */
async function withMailer(smtpArgs, sinkUrl, fn) {
  const smtp = await startSmtp(smtpArgs);
  let server;
  try {
    server = await startServer({ extraArgs: ['--message-sink', sinkUrl(smtp.port)] });
    await fn({ aws: makeAws(server), admin: makeAdmin(server), smtp, server });
  } finally {
    try {
      await server?.stop();
    } finally {
      await smtp.stop();
    }
  }
}

async function createPoolAndClient(aws, input) {
  const pool = await aws.ok('create-user-pool', { PoolName: unique('smtp'), AutoVerifiedAttributes: ['email'], ...input });
  const poolId = pool.UserPool.Id;
  const client = await aws.ok('create-user-pool-client', {
    UserPoolId: poolId,
    ClientName: unique('mail'),
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  return { poolId, clientId: client.UserPoolClient.ClientId };
}

const SMTP_USER = 'mailer';
const SMTP_PASSWORD = 'p@ss:w0rd/%';

it('sign-up codes and invitations reach an SMTP server over STARTTLS with AUTH, in the pool\'s words', async () => {
  const tls = await selfSignedCert();
  try {
    await withMailer(
      ['--tls-cert', tls.cert, '--tls-key', tls.key, '--auth', `${SMTP_USER}:${SMTP_PASSWORD}`],
      (port) => `smtp://${SMTP_USER}:${encodeURIComponent(SMTP_PASSWORD)}@127.0.0.1:${port}` +
        `?starttls=required&from=${encodeURIComponent('codes@cognate.test')}`,
      async ({ aws, admin, smtp }) => {
        const { poolId, clientId } = await createPoolAndClient(aws, {
          VerificationMessageTemplate: {
            DefaultEmailOption: 'CONFIRM_WITH_CODE',
            EmailSubject: 'Your Cognate test code',
            EmailMessage: 'Hello! Your code is {####}.\n.A line that starts with a dot.',
          },
          AdminCreateUserConfig: {
            InviteMessageTemplate: {
              EmailSubject: 'Bienvenue — your invitation',
              EmailMessage: 'Welcome {username}, your temporary password is {####}',
            },
          },
        });

        // sign-up: the code goes by mail (and to the outbox).
        const username = unique('mailed');
        const email = `${username}@example.com`;
        const signedUp = assertCliOk(await aws.run('sign-up', '--client-id', clientId, '--username', username,
          '--password', PASSWORD, '--user-attributes', `Name=email,Value=${email}`), 'sign-up');
        assert.equal(signedUp.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');

        const mail = await smtp.waitFor((m) => m.rcpt_tos.includes(email));
        assert.equal(mail.tls, true, 'delivered over STARTTLS');
        assert.equal(mail.auth_user, SMTP_USER, 'authenticated');
        assert.equal(mail.mail_from, 'codes@cognate.test');
        const { headers, body } = parseMail(mail.data);
        assert.equal(headers.subject, 'Your Cognate test code');
        assert.equal(headers.from, 'codes@cognate.test');
        assert.equal(headers.to, email);
        assert.equal(headers['mime-version'], '1.0');
        assert.match(headers['content-type'], /^text\/plain; charset=UTF-8$/i);
        assert.match(headers.date, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000$/);
        assert.match(headers['message-id'], /^<[^<>@\s]+@cognate\.test>$/);
        const match = body.match(/^Hello! Your code is (\d{6})\.\r\n\.A line that starts with a dot\.\r\n$/);
        assert.ok(match, `unexpected body: ${JSON.stringify(body)}`);
        const code = match[1];
        assert.equal(await admin.latestCode(poolId, username), code, 'the outbox has the same code');

        assertCliOk(await aws.run('confirm-sign-up', '--client-id', clientId, '--username', username,
          '--confirmation-code', code), 'confirm-sign-up');
        const user = await aws.ok('admin-get-user', { UserPoolId: poolId, Username: username });
        assert.equal(user.UserStatus, 'CONFIRMED');

        // admin-create-user: the invitation, with {username} and {####} filled in.
        const invitee = unique('invited');
        const inviteeEmail = `${invitee}@example.com`;
        await aws.ok('admin-create-user', {
          UserPoolId: poolId,
          Username: invitee,
          UserAttributes: [{ Name: 'email', Value: inviteeEmail }, { Name: 'email_verified', Value: 'true' }],
          DesiredDeliveryMediums: ['EMAIL'],
        });
        const invitation = await smtp.waitFor((m) => m.rcpt_tos.includes(inviteeEmail));
        const parsed = parseMail(invitation.data);
        assert.equal(parsed.headers.subject, 'Bienvenue — your invitation', 'a non-ASCII subject survives');
        const temporary = (await admin.listOutbox(poolId, invitee))[0].Code;
        assert.equal(parsed.body, `Welcome ${invitee}, your temporary password is ${temporary}\r\n`);

        const challenge = await aws.ok('initiate-auth', {
          ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: invitee, PASSWORD: temporary },
        });
        assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED', 'the mailed temporary password works');
        const tokens = await aws.ok('respond-to-auth-challenge', {
          ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session,
          ChallengeResponses: { USERNAME: invitee, NEW_PASSWORD: PASSWORD2 },
        });
        assert.ok(tokens.AuthenticationResult?.AccessToken);
        assert.equal(smtp.messages.length, 2, 'one mail per message');
      });
  } finally {
    await fs.rm(tls.dir, { recursive: true, force: true });
  }
}, 120_000);

it('a 451 from the SMTP server is retried and the message still arrives', async () => {
  await withMailer(['--fail-first', '1'], (port) => `smtp://127.0.0.1:${port}`, async ({ aws, admin, smtp }) => {
    const { poolId, clientId } = await createPoolAndClient(aws, {});
    const username = unique('retried');
    const email = `${username}@example.com`;
    assertCliOk(await aws.run('sign-up', '--client-id', clientId, '--username', username,
      '--password', PASSWORD, '--user-attributes', `Name=email,Value=${email}`), 'sign-up');

    const mail = await smtp.waitFor((m) => m.rcpt_tos.includes(email));
    assert.match(smtp.stderr(), /refused a message to .* with 451/, 'the first attempt was refused');
    assert.equal(mail.tls, false);
    assert.equal(mail.auth_user, null);
    assert.equal(mail.mail_from, 'no-reply@127.0.0.1');
    const { headers, body } = parseMail(mail.data);
    assert.equal(headers.subject, 'Your verification code', 'Cognito\'s default subject');
    const code = await admin.latestCode(poolId, username);
    assert.equal(body, `Your verification code is ${code}. \r\n`, 'Cognito\'s default message');
    assert.equal(smtp.messages.length, 1, 'delivered once');
  });
}, 90_000);
