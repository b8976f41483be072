// Password recovery through aws-cli: forgot-password sends a code to the verified email (read
// from the outbox), confirm-forgot-password sets the new password with it, once; an
// administrator's admin-reset-user-password makes the user reset before signing in again.
import assert from 'node:assert/strict';
import { ConfirmSignUpCommand, InitiateAuthCommand, SignUpCommand } from '@aws-sdk/client-cognito-identity-provider';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { sdkError } from '../lib/sdk.js';
import { PASSWORD, PASSWORD2, createClient, createPool, it, stateOf, unique, useServer } from '../lib/util.js';

const ctx = useServer();

let setup;
function poolAndClient() {
  setup ??= (async () => {
    const poolId = await createPool(ctx.sdk, { PoolName: 'recovery', AutoVerifiedAttributes: ['email'] });
    const { clientId } = await createClient(ctx.sdk, poolId);
    return { poolId, clientId };
  })();
  return setup;
}

/** A user whose email is verified by the emailed sign-up code. */
async function verifiedUser(poolId, clientId) {
  const { sdk, admin } = ctx;
  const username = unique('rec');
  await sdk.send(new SignUpCommand({
    ClientId: clientId, Username: username, Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }],
  }));
  const code = await admin.latestCode(poolId, username);
  await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: code }));
  return username;
}

const signIn = (clientId, username, password) => ctx.sdk.send(new InitiateAuthCommand({
  ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password },
}));

it('forgot-password and confirm-forgot-password set a new password, once', async () => {
  const { aws, admin } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = await verifiedUser(poolId, clientId);
  const before = (await admin.listOutbox(poolId, username)).length;

  const sent = assertCliOk(await aws.run('forgot-password', '--client-id', clientId, '--username', username),
    'forgot-password');
  assert.equal(sent.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');
  assert.equal(sent.CodeDeliveryDetails.AttributeName, 'email');
  assert.notEqual(sent.CodeDeliveryDetails.Destination, `${username}@example.com`, 'masked');
  const messages = await admin.listOutbox(poolId, username);
  assert.equal(messages.length, before + 1, 'one more message');
  const code = messages[0].Code;
  assert.match(code, /^\d{6}$/);

  assertCliError(await aws.run('confirm-forgot-password', '--client-id', clientId, '--username', username,
    '--confirmation-code', code === '000000' ? '111111' : '000000', '--password', PASSWORD2),
  'CodeMismatchException', 'a wrong code');
  assertCliError(await aws.run('confirm-forgot-password', '--client-id', clientId, '--username', username,
    '--confirmation-code', code, '--password', 'weak'), 'InvalidPasswordException', 'a weak password');
  assertCliOk(await aws.run('confirm-forgot-password', '--client-id', clientId, '--username', username,
    '--confirmation-code', code, '--password', PASSWORD2), 'confirm-forgot-password');

  const tokens = await signIn(clientId, username, PASSWORD2);
  assert.ok(tokens.AuthenticationResult?.AccessToken);
  await sdkError('NotAuthorizedException', signIn(clientId, username, PASSWORD));
  assertCliError(await aws.run('confirm-forgot-password', '--client-id', clientId, '--username', username,
    '--confirmation-code', code, '--password', PASSWORD), 'CodeMismatchException', 'the spent code');
});

it('admin-reset-user-password requires a reset, completed with the emailed code', async () => {
  const { aws, admin, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = await verifiedUser(poolId, clientId);

  assertCliOk(await aws.run('admin-reset-user-password', '--user-pool-id', poolId, '--username', username),
    'admin-reset-user-password');
  assert.equal((await stateOf(sdk, poolId, username)).UserStatus, 'RESET_REQUIRED');
  await sdkError('PasswordResetRequiredException', signIn(clientId, username, PASSWORD));

  const code = await admin.latestCode(poolId, username);
  assertCliOk(await aws.run('confirm-forgot-password', '--client-id', clientId, '--username', username,
    '--confirmation-code', code, '--password', PASSWORD2), 'confirm-forgot-password');
  assert.equal((await stateOf(sdk, poolId, username)).UserStatus, 'CONFIRMED');
  assert.ok((await signIn(clientId, username, PASSWORD2)).AuthenticationResult);
});

it('refuses recovery without a verified address, and for unknown users', async () => {
  const { aws, sdk } = ctx;
  const { clientId } = await poolAndClient();
  const username = unique('unverified');
  await sdk.send(new SignUpCommand({
    ClientId: clientId, Username: username, Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }],
  }));
  assertCliError(await aws.run('forgot-password', '--client-id', clientId, '--username', username),
    'InvalidParameterException', 'an unverified email');
  assertCliError(await aws.run('forgot-password', '--client-id', clientId, '--username', unique('nobody')),
    'UserNotFoundException', 'an unknown user');
});
