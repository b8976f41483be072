// Runs the Debian aws-cli v2 (/usr/bin/aws, never whatever `aws` is first on PATH) against the
// server, fully isolated from the user's AWS configuration.
//
//   const aws = makeAws(server);
//   const out = await aws.call('create-user-pool', { PoolName: 'p' });     // --cli-input-json
//   const out = await aws.run('sign-up', '--client-id', id, ...);           // real CLI flags
//
// Both resolve to the parsed JSON output ({} when the command prints nothing) or, when the
// command fails, to an AwsCliError (resolved, not thrown) carrying the Cognito error code.
// aws.ok(...) / aws.fails(...) are the asserting forms used by most tests.
import { execFile } from 'node:child_process';
import assert from 'node:assert/strict';
import os from 'node:os';
import { timeScale } from './server.js';

export const AWS_BIN = '/usr/bin/aws';
const REGION = 'us-east-1';

export class AwsCliError {
  constructor({ code, operation, message, stderr, exitCode, argv }) {
    this.code = code; // e.g. 'UsernameExistsException'; 'CliError' when aws-cli failed locally
    this.operation = operation;
    this.message = message;
    this.stderr = stderr;
    this.exitCode = exitCode;
    this.argv = argv;
  }

  toString() {
    return `aws ${this.argv.join(' ')} failed (exit ${this.exitCode}): ${this.code}: ${this.message}`;
  }
}

// aws-cli prints: "\nAn error occurred (UsernameExistsException) when calling the SignUp
// operation: User already exists\n" (with "(reached max retries: N)" when it retried).
const ERROR_RE = /An error occurred \(([^)]+)\) when calling the (\w+) operation(?: \(reached max retries: \d+\))?: ?([\s\S]*)$/m;

export function parseCliError(stderr) {
  const m = stderr.match(ERROR_RE);
  if (!m) return { code: 'CliError', operation: undefined, message: stderr.trim() };
  return { code: m[1], operation: m[2], message: m[3].trim() };
}

function isolatedEnv(adminKey) {
  return {
    PATH: '/usr/bin:/bin',
    HOME: process.env.HOME || os.tmpdir(),
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    AWS_ACCESS_KEY_ID: adminKey.accessKeyId,
    AWS_SECRET_ACCESS_KEY: adminKey.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
    AWS_CLI_AUTO_PROMPT: 'off',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
  };
}

/**
 * @param {{endpoint: string, adminKey: {accessKeyId: string, secretAccessKey: string}}} server
 */
export function makeAws(server) {
  const env = isolatedEnv(server.adminKey);
  const timeout = 30_000 * timeScale();

  /** Any aws-cli command line after the global options, e.g. ('cognito-idp', 'list-user-pools', ...). */
  function raw(...args) {
    const argv = [
      '--endpoint-url', server.endpoint,
      '--region', REGION,
      '--output', 'json',
      '--no-cli-pager',
      '--cli-connect-timeout', '5',
      '--cli-read-timeout', String(20 * timeScale()),
      ...args,
    ];
    return new Promise((resolve) => {
      execFile(AWS_BIN, argv, { env, timeout, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (!err) {
            const text = stdout.trim();
            if (!text) return resolve({});
            try {
              return resolve(JSON.parse(text));
            } catch (e) {
              return resolve(new AwsCliError({
                code: 'CliError', message: `unparsable output: ${e.message}\n${text}`,
                stderr, exitCode: 0, argv: args,
              }));
            }
          }
          const exitCode = typeof err.code === 'number' ? err.code : null;
          const parsed = err.killed
            ? { code: 'CliError', message: `killed after ${timeout} ms (${err.signal})` }
            : err.code === 'ENOENT'
              ? { code: 'CliError', message: `${AWS_BIN} not found: install Debian's awscli package` }
              : parseCliError(stderr || String(err.message));
          resolve(new AwsCliError({ ...parsed, stderr, exitCode, argv: args }));
        });
    });
  }

  /** `aws cognito-idp <op> <args...>` with real command-line flags. */
  const run = (op, ...args) => raw('cognito-idp', op, ...args);

  /** `aws cognito-idp <op> --cli-input-json <input>`: field names exactly as botocore's model. */
  const call = (op, input = {}, ...extra) =>
    raw('cognito-idp', op, '--cli-input-json', JSON.stringify(input), ...extra);

  /** Like call(), but the result must be a success. */
  async function ok(op, input, ...extra) {
    const r = await call(op, input, ...extra);
    if (r instanceof AwsCliError) assert.fail(`expected ${op} to succeed: ${r}\n${r.stderr}`);
    return r;
  }

  /** Like call(), but the result must be the Cognito error `code`; returns the AwsCliError. */
  async function fails(code, op, input, ...extra) {
    const r = await call(op, input, ...extra);
    assertCliError(r, code, op);
    return r;
  }

  return { raw, run, call, ok, fails };
}

/** Asserts that `r` is an AwsCliError with `code`; returns it. */
export function assertCliError(r, code, what = 'the command') {
  if (!(r instanceof AwsCliError)) {
    assert.fail(`expected ${what} to fail with ${code}, but it succeeded: ${JSON.stringify(r)}`);
  }
  assert.equal(r.code, code, `expected ${code} from ${what}, got ${r.code}: ${r.message}\n${r.stderr}`);
  return r;
}

/** Asserts that `r` is not an AwsCliError; returns it. */
export function assertCliOk(r, what = 'the command') {
  if (r instanceof AwsCliError) assert.fail(`expected ${what} to succeed: ${r}\n${r.stderr}`);
  return r;
}
