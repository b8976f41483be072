// Starts a real `cognate serve` for one test file and stops it afterwards.
//
//   const server = await startServer();          // fresh data dir, free port
//   ... server.endpoint, server.adminKey ...
//   await server.stop();                          // fails if the server crashed or a sanitizer spoke
//
// COGNATE_BIN      the server binary (default: <repo>/build/test/api/cognate)
// COGNATE_ENDPOINT use an already running server instead (e.g. http://127.0.0.1:9230);
//                  COGNATE_ADMIN_KEY=ID:SECRET must then match its --admin-key
//                  (default AKIDTEST:secrettestsecret)
// COGNATE_E2E_KEEP=1 keeps the temporary data directory and prints where it is.
// startServer({ keepData: true }) leaves server.dataDir in place after stop(), for tests that
// look at the stopped server's files; they remove it themselves.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');

export const DEFAULT_ADMIN_KEY = { accessKeyId: 'AKIDTEST', secretAccessKey: 'secrettestsecret' };
const START_TIMEOUT_MS = 20_000 * timeScale();
const STOP_TIMEOUT_MS = 10_000 * timeScale();
const MAX_LOG = 64 * 1024;

/** Slower builds (sanitizers) multiply every timeout by COGNATE_E2E_TIME_SCALE. */
export function timeScale() {
  const s = Number(process.env.COGNATE_E2E_TIME_SCALE || '1');
  return Number.isFinite(s) && s >= 1 ? s : 1;
}

export function serverBinary() {
  return process.env.COGNATE_BIN
    ? path.resolve(process.env.COGNATE_BIN)
    : path.join(repoRoot, 'build', 'test', 'api', 'cognate');
}

function parseAdminKey(s) {
  const i = s.indexOf(':');
  if (i <= 0) throw new Error(`COGNATE_ADMIN_KEY must be ID:SECRET, got ${JSON.stringify(s)}`);
  return { accessKeyId: s.slice(0, i), secretAccessKey: s.slice(i + 1) };
}

/** True when the tests talk to a server someone else started (COGNATE_ENDPOINT). */
export function usingExternalServer() {
  return Boolean(process.env.COGNATE_ENDPOINT);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    const done = (ok) => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Children still running when this process exits are killed, so a failed or timed-out test
// file never leaves a server behind.
const live = new Set();
process.once('exit', () => {
  for (const child of live) {
    try { child.kill('SIGKILL'); } catch { /* already gone */ }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    for (const child of live) {
      try { child.kill('SIGKILL'); } catch { /* already gone */ }
    }
    process.exit(128 + (sig === 'SIGINT' ? 2 : 15));
  });
}

function sanitizerReport(text) {
  const m = text.match(/(ERROR: (Address|Leak|Thread|Memory)Sanitizer[\s\S]*|[^\n]*runtime error:[\s\S]*)/);
  return m ? m[0].slice(0, 8000) : null;
}

/**
 * @param {object} [opts]
 * @param {string|null} [opts.publicUrl] --public-url; default: the endpoint itself, so token
 *   issuers are `<endpoint>/<poolId>`. Pass null to omit the flag.
 * @param {string[]} [opts.extraArgs] more arguments after `serve ...`
 * @param {boolean} [opts.keepData] stop() leaves the data directory for the caller to remove
 */
export async function startServer(opts = {}) {
  if (usingExternalServer() && opts.publicUrl === undefined && !opts.extraArgs) {
    const endpoint = process.env.COGNATE_ENDPOINT.replace(/\/+$/, '');
    const adminKey = process.env.COGNATE_ADMIN_KEY
      ? parseAdminKey(process.env.COGNATE_ADMIN_KEY)
      : DEFAULT_ADMIN_KEY;
    return { endpoint, adminKey, external: true, logs: () => '', stop: async () => {} };
  }

  const bin = serverBinary();
  try {
    await fs.access(bin, fs.constants.X_OK);
  } catch {
    throw new Error(
      `cognate binary not found or not executable: ${bin}\n` +
        'Build it (scripts/test --e2e does) or set COGNATE_BIN / COGNATE_ENDPOINT.');
  }

  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bin, opts);
    } catch (e) {
      lastError = e;
      // Another process may have taken the port between probing and binding: retry then.
      if (!/address already in use|EADDRINUSE|bind/i.test(String(e.message))) break;
    }
  }
  throw lastError;
}

async function startOnce(bin, opts) {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cognate-e2e-'));
  const adminKey = DEFAULT_ADMIN_KEY;
  const args = [
    'serve',
    '--data', dataDir,
    '--listen', `127.0.0.1:${port}`,
    '--admin-key', `${adminKey.accessKeyId}:${adminKey.secretAccessKey}`,
  ];
  const publicUrl = opts.publicUrl === undefined ? endpoint : opts.publicUrl;
  if (publicUrl !== null) args.push('--public-url', publicUrl);
  if (opts.extraArgs) args.push(...opts.extraArgs);

  const env = { ...process.env };
  for (const k of ['COGNATE_DATA', 'COGNATE_LISTEN', 'COGNATE_ADMIN_KEY']) delete env[k];

  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  const keep = (buf, chunk) => (buf + chunk).slice(-MAX_LOG);
  child.stdout.setEncoding('utf8').on('data', (c) => { stdout = keep(stdout, c); });
  child.stderr.setEncoding('utf8').on('data', (c) => { stderr = keep(stderr, c); });

  let exited = null; // {code, signal}
  let stopping = false;
  const exitPromise = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      live.delete(child);
      resolve(exited);
    });
    child.once('error', (err) => {
      exited = { code: null, signal: null, error: err };
      live.delete(child);
      resolve(exited);
    });
  });
  const logs = () => `--- server stdout ---\n${stdout}\n--- server stderr ---\n${stderr}`;
  const cleanup = async ({ afterStop = false } = {}) => {
    if (afterStop && opts.keepData) return; // the caller removes it
    if (process.env.COGNATE_E2E_KEEP) {
      process.stderr.write(`# kept cognate data directory: ${dataDir}\n`);
    } else {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (exited) {
      await cleanup();
      throw new Error(
        `cognate exited during start-up (code ${exited.code}, signal ${exited.signal}` +
          `${exited.error ? `, ${exited.error.message}` : ''})\n` +
          `command: ${bin} ${args.join(' ')}\n${logs()}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await exitPromise;
      await cleanup();
      throw new Error(
        `cognate did not accept connections on ${endpoint} within ${START_TIMEOUT_MS} ms\n` +
          `command: ${bin} ${args.join(' ')}\n${logs()}`);
    }
    await sleep(50);
  }

  async function stop() {
    const crashedBefore = exited && !stopping;
    stopping = true;
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    await cleanup({ afterStop: true });
    const problems = [];
    if (crashedBefore) {
      problems.push(`cognate exited while the tests were running (code ${exited.code}, signal ${exited.signal})`);
    } else if (exited.signal === 'SIGKILL') {
      problems.push(`cognate did not stop within ${STOP_TIMEOUT_MS} ms of SIGTERM`);
    } else if (exited.code !== 0 && exited.signal !== 'SIGTERM') {
      problems.push(`cognate exited with code ${exited.code} after SIGTERM`);
    }
    const report = sanitizerReport(stderr);
    if (report) problems.push(`sanitizer report:\n${report}`);
    if (problems.length) throw new Error(`${problems.join('\n')}\n${logs()}`);
  }

  return { endpoint, adminKey, external: false, dataDir, logs, stop, process: child };
}
