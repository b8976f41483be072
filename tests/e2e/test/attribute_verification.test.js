// Attribute verification through aws-cli: get-user-attribute-verification-code sends a code to the
// user's email (read from the outbox), verify-user-attribute marks the email verified with it.
import assert from 'node:assert/strict';
import { AdminGetUserCommand, InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { PASSWORD, attrs, createClient, createConfirmedUser, createPool, it, unique, useServer } from '../lib/util.js';

const ctx = useServer();

it('verifies an email with the code sent to it, once', async () => {
  const { aws, admin, sdk } = ctx;
  const poolId = await createPool(sdk, { AutoVerifiedAttributes: ['email'] });
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('verify');
  const email = `${username}@example.com`;
  await createConfirmedUser(sdk, poolId, username, { attributes: { email } });
  const { AuthenticationResult: tokens } = await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD },
  }));
  const emailVerified = async () =>
    attrs((await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }))).UserAttributes)
      .email_verified;
  assert.notEqual(await emailVerified(), 'true');

  const sent = assertCliOk(await aws.run('get-user-attribute-verification-code',
    '--access-token', tokens.AccessToken, '--attribute-name', 'email'), 'get-user-attribute-verification-code');
  assert.equal(sent.CodeDeliveryDetails.AttributeName, 'email');
  assert.equal(sent.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');
  const code = await admin.latestCode(poolId, username);

  assertCliError(await aws.run('verify-user-attribute', '--access-token', tokens.AccessToken,
    '--attribute-name', 'email', '--code', code === '000000' ? '111111' : '000000'), 'CodeMismatchException', 'a wrong code');
  assertCliOk(await aws.run('verify-user-attribute', '--access-token', tokens.AccessToken,
    '--attribute-name', 'email', '--code', code), 'verify-user-attribute');
  assert.equal(await emailVerified(), 'true');
  assertCliError(await aws.run('verify-user-attribute', '--access-token', tokens.AccessToken,
    '--attribute-name', 'email', '--code', code), 'CodeMismatchException', 'the spent code');
});
