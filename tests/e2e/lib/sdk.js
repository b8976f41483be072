// The AWS SDK for JavaScript v3 Cognito client, pointed at the server.
//
//   const sdk = makeSdk(server);
//   await sdk.send(new SignUpCommand({...}));
//   const err = await sdkError('UsernameExistsException', sdk.send(new SignUpCommand({...})));
import assert from 'node:assert/strict';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { timeScale } from './server.js';

// The SDK warns once per process that future releases need Node 22; the pinned one runs on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export function makeSdk(server) {
  return new CognitoIdentityProviderClient({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: {
      accessKeyId: server.adminKey.accessKeyId,
      secretAccessKey: server.adminKey.secretAccessKey,
    },
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 5_000,
      requestTimeout: 20_000 * timeScale(),
    },
  });
}

/**
 * Awaits `promise`, which must reject with the Cognito exception `name` (the SDK builds the
 * error class from `__type` / `x-amzn-ErrorType`). Returns the error.
 */
export async function sdkError(name, promise) {
  let result;
  try {
    result = await promise;
  } catch (err) {
    assert.equal(err.name, name,
      `expected ${name}, got ${err.name}: ${err.message} (HTTP ${err.$metadata?.httpStatusCode})`);
    return err;
  }
  assert.fail(`expected ${name}, but the call succeeded: ${JSON.stringify(result)}`);
}
