// The README walkthrough with aws-cli: pool + client, sign-up, code from the outbox, confirm,
// USER_PASSWORD_AUTH, get-user, REFRESH_TOKEN_AUTH, global-sign-out. Tokens are verified with
// aws-jwt-verify and jose. Then the error cases of that path, each leaving the user unchanged.
import assert from 'node:assert/strict';
import {
  AdminConfirmSignUpCommand,
  AdminGetUserCommand,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { sdkError } from '../lib/sdk.js';
import {
  PASSWORD, PASSWORD2, UUID_RE, attrs, createClient, it, issuerOf, jwt, stateOf, unique, useServer,
  verifyWithAwsJwtVerify, verifyWithJose,
} from '../lib/util.js';

const ctx = useServer();

let setup;
/** One pool (email auto-verified) and one client for the whole file. */
function poolAndClient() {
  setup ??= (async () => {
    const { aws } = ctx;
    const pool = assertCliOk(await aws.run('create-user-pool',
      '--pool-name', 'walkthrough',
      '--auto-verified-attributes', 'email'), 'create-user-pool').UserPool;
    const client = assertCliOk(await aws.run('create-user-pool-client',
      '--user-pool-id', pool.Id,
      '--client-name', 'app',
      '--explicit-auth-flows', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'), 'create-user-pool-client').UserPoolClient;
    return { poolId: pool.Id, clientId: client.ClientId };
  })();
  return setup;
}

async function signUp(clientId, username, password = PASSWORD, email = `${username}@example.com`) {
  return ctx.aws.run('sign-up',
    '--client-id', clientId,
    '--username', username,
    '--password', password,
    '--user-attributes', `Name=email,Value=${email}`);
}

async function passwordAuth(clientId, username, password) {
  return ctx.aws.run('initiate-auth',
    '--client-id', clientId,
    '--auth-flow', 'USER_PASSWORD_AUTH',
    '--auth-parameters', JSON.stringify({ USERNAME: username, PASSWORD: password }));
}

/** The user as AdminGetUser shows it (through the SDK: aws-cli costs ~1 s per call). */
const getUserState = (poolId, username) => stateOf(ctx.sdk, poolId, username);

it('walks through sign-up, confirmation, sign-in, refresh and global sign-out', async () => {
  const { aws, admin, endpoint } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = 'alice';
  const email = 'alice@example.com';

  // 1. sign-up
  const signed = assertCliOk(await signUp(clientId, username, PASSWORD, email), 'sign-up');
  assert.equal(signed.UserConfirmed, false);
  assert.match(signed.UserSub, UUID_RE);
  assert.equal(signed.CodeDeliveryDetails?.DeliveryMedium, 'EMAIL');
  assert.equal(signed.CodeDeliveryDetails?.AttributeName, 'email');
  assert.ok(signed.CodeDeliveryDetails?.Destination, 'a (masked) destination');
  assert.notEqual(signed.CodeDeliveryDetails.Destination, email, 'the destination is masked');
  assert.ok(signed.CodeDeliveryDetails.Destination.startsWith('a'), 'the mask keeps the first letter');

  const unconfirmed = await getUserState(poolId, username);
  assert.equal(unconfirmed.UserStatus, 'UNCONFIRMED');
  assert.equal(unconfirmed.Enabled, true);
  assert.equal(unconfirmed.UserAttributes.sub, signed.UserSub);
  assert.equal(unconfirmed.UserAttributes.email, email);
  assert.notEqual(unconfirmed.UserAttributes.email_verified, 'true');

  // 2. the code, from the outbox
  const messages = await admin.listOutbox(poolId, username);
  assert.equal(messages.length, 1, 'exactly one message after sign-up');
  const [msg] = messages;
  assert.equal(msg.Destination, email);
  assert.equal(msg.DeliveryMedium, 'EMAIL');
  assert.match(msg.Code, /^\d{6}$/, 'a 6-digit confirmation code');
  assert.ok(msg.Body.includes(msg.Code), 'the body carries the code');
  assert.ok(msg.CreatedAt, 'CreatedAt');

  // 3. confirm
  assert.deepEqual(assertCliOk(await aws.run('confirm-sign-up',
    '--client-id', clientId, '--username', username, '--confirmation-code', msg.Code), 'confirm-sign-up'), {});
  const confirmed = await getUserState(poolId, username);
  assert.equal(confirmed.UserStatus, 'CONFIRMED');
  assert.equal(confirmed.UserAttributes.email_verified, 'true', 'confirming by email code verifies the email');

  // 4. sign in
  const auth = assertCliOk(await passwordAuth(clientId, username, PASSWORD), 'initiate-auth');
  assert.equal(auth.ChallengeName, undefined, 'no challenge for a confirmed user');
  const tokens = auth.AuthenticationResult;
  assert.ok(tokens, 'AuthenticationResult');
  assert.equal(tokens.TokenType, 'Bearer');
  assert.equal(tokens.ExpiresIn, 3600, 'default access-token validity is 1 hour');
  assert.ok(tokens.RefreshToken, 'a refresh token on sign-in');

  // 5. verify the tokens: the ID token with aws-jwt-verify, the access token with jose (and both with both)
  const idClaims = await verifyWithAwsJwtVerify(tokens.IdToken, { endpoint, poolId, clientId, tokenUse: 'id' });
  const accessClaims = await verifyWithJose(tokens.AccessToken, { endpoint, poolId });
  await verifyWithJose(tokens.IdToken, { endpoint, poolId, audience: clientId });
  await verifyWithAwsJwtVerify(tokens.AccessToken, { endpoint, poolId, clientId, tokenUse: 'access' });

  assert.equal(idClaims.iss, issuerOf(endpoint, poolId));
  assert.equal(idClaims.token_use, 'id');
  assert.equal(idClaims.aud, clientId);
  assert.equal(idClaims.sub, signed.UserSub);
  assert.equal(idClaims['cognito:username'], username);
  assert.equal(idClaims.email, email);
  assert.equal(idClaims.email_verified, true, 'email_verified is a JSON boolean in the ID token');
  assert.equal(idClaims['cognito:groups'], undefined, 'no cognito:groups without groups');
  assert.equal(idClaims.exp - idClaims.iat, 3600);

  assert.equal(accessClaims.iss, issuerOf(endpoint, poolId));
  assert.equal(accessClaims.token_use, 'access');
  assert.equal(accessClaims.client_id, clientId);
  assert.equal(accessClaims.sub, signed.UserSub);
  assert.equal(accessClaims.username, username);
  assert.equal(accessClaims.aud, undefined, 'access tokens have client_id, not aud');
  assert.ok(accessClaims.scope.split(' ').includes('aws.cognito.signin.user.admin'));
  assert.equal(accessClaims.exp - accessClaims.iat, 3600);
  for (const claims of [idClaims, accessClaims]) {
    assert.match(claims.jti, UUID_RE);
    assert.match(claims.origin_jti, UUID_RE);
    assert.match(claims.event_id, UUID_RE);
    assert.equal(typeof claims.auth_time, 'number');
    assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 120, 'iat is now');
  }
  assert.equal(idClaims.origin_jti, accessClaims.origin_jti, 'one sign-in, one origin_jti');
  assert.notEqual(idClaims.jti, accessClaims.jti);
  assert.notEqual(jwt(tokens.IdToken).header.kid, jwt(tokens.AccessToken).header.kid,
    'ID and access tokens are signed with different keys');

  // 6. get-user with the access token
  const me = assertCliOk(await aws.run('get-user', '--access-token', tokens.AccessToken), 'get-user');
  assert.equal(me.Username, username);
  const meAttrs = attrs(me.UserAttributes);
  assert.equal(meAttrs.sub, signed.UserSub);
  assert.equal(meAttrs.email, email);
  assert.equal(meAttrs.email_verified, 'true');

  // 7. refresh
  const refreshed = assertCliOk(await aws.run('initiate-auth',
    '--client-id', clientId,
    '--auth-flow', 'REFRESH_TOKEN_AUTH',
    '--auth-parameters', JSON.stringify({ REFRESH_TOKEN: tokens.RefreshToken })), 'initiate-auth REFRESH_TOKEN_AUTH');
  const r = refreshed.AuthenticationResult;
  assert.ok(r?.AccessToken && r?.IdToken, 'new access and ID tokens');
  assert.equal(r.RefreshToken, undefined, 'no new refresh token without rotation');
  assert.equal(r.ExpiresIn, 3600);
  const rAccess = await verifyWithJose(r.AccessToken, { endpoint, poolId });
  const rId = await verifyWithAwsJwtVerify(r.IdToken, { endpoint, poolId, clientId, tokenUse: 'id' });
  assert.equal(rAccess.origin_jti, accessClaims.origin_jti, 'refreshes keep the origin_jti');
  assert.equal(rAccess.auth_time, accessClaims.auth_time, 'refreshes keep auth_time');
  assert.equal(rId.auth_time, idClaims.auth_time);
  assert.notEqual(rAccess.jti, accessClaims.jti, 'every token has its own jti');
  assert.equal(assertCliOk(await aws.run('get-user', '--access-token', r.AccessToken), 'get-user (refreshed)').Username, username);

  // 8. global sign-out revokes every token of the user
  assert.deepEqual(assertCliOk(await aws.run('global-sign-out', '--access-token', tokens.AccessToken), 'global-sign-out'), {});
  for (const token of [tokens.AccessToken, r.AccessToken]) {
    const e = assertCliError(await aws.run('get-user', '--access-token', token), 'NotAuthorizedException', 'get-user after global-sign-out');
    assert.match(e.message, /Access Token has been revoked/);
  }
  assertCliError(await aws.run('initiate-auth',
    '--client-id', clientId,
    '--auth-flow', 'REFRESH_TOKEN_AUTH',
    '--auth-parameters', JSON.stringify({ REFRESH_TOKEN: tokens.RefreshToken })),
  'NotAuthorizedException', 'refresh after global-sign-out');

  // 9. signing in again still works
  const again = assertCliOk(await passwordAuth(clientId, username, PASSWORD), 'initiate-auth after sign-out');
  assert.ok(assertCliOk(await aws.run('get-user', '--access-token', again.AuthenticationResult.AccessToken), 'get-user'));
  assert.equal((await getUserState(poolId, username)).UserStatus, 'CONFIRMED');
}, 120_000);

/** Set-up sign-up through the SDK. */
const sdkSignUp = (clientId, username, password = PASSWORD, email = `${username}@example.com`) => ctx.sdk.send(new SignUpCommand({
  ClientId: clientId, Username: username, Password: password, UserAttributes: [{ Name: 'email', Value: email }],
}));

it('wrong password → NotAuthorizedException, state unchanged', async () => {
  const { sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('wrongpw');
  await sdkSignUp(clientId, username);
  await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: username }));
  const before = await getUserState(poolId, username);

  const e = assertCliError(await passwordAuth(clientId, username, 'Wrong-Password-1'), 'NotAuthorizedException');
  assert.equal(e.message, 'Incorrect username or password.');
  assert.deepEqual(await getUserState(poolId, username), before);
  assert.ok((await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD },
  }))).AuthenticationResult, 'the right password still works');
});

it('unconfirmed user → UserNotConfirmedException, state unchanged', async () => {
  const { poolId, clientId } = await poolAndClient();
  const username = unique('unconf');
  await sdkSignUp(clientId, username);
  const before = await getUserState(poolId, username);
  assert.equal(before.UserStatus, 'UNCONFIRMED');
  const e = assertCliError(await passwordAuth(clientId, username, PASSWORD), 'UserNotConfirmedException');
  assert.equal(e.message, 'User is not confirmed.');
  assert.deepEqual(await getUserState(poolId, username), before);
});

it('wrong code → CodeMismatchException, the right code still works; resend sends a new code', async () => {
  const { aws, admin } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('code');
  await sdkSignUp(clientId, username);
  const code = await admin.latestCode(poolId, username);
  const wrong = code === '000000' ? '111111' : '000000';
  const before = await getUserState(poolId, username);

  const e = assertCliError(await aws.run('confirm-sign-up',
    '--client-id', clientId, '--username', username, '--confirmation-code', wrong), 'CodeMismatchException');
  assert.equal(e.message, 'Invalid verification code provided, please try again.');
  assert.deepEqual(await getUserState(poolId, username), before);

  const resent = assertCliOk(await aws.run('resend-confirmation-code', '--client-id', clientId, '--username', username), 'resend-confirmation-code');
  assert.equal(resent.CodeDeliveryDetails?.DeliveryMedium, 'EMAIL');
  assert.equal(resent.CodeDeliveryDetails?.AttributeName, 'email');
  const messages = await admin.listOutbox(poolId, username);
  assert.equal(messages.length, 2, 'sign-up and resend each sent one message');
  const newCode = messages[0].Code;
  assert.match(newCode, /^\d{6}$/);

  assertCliOk(await aws.run('confirm-sign-up',
    '--client-id', clientId, '--username', username, '--confirmation-code', newCode), 'confirm-sign-up with the resent code');
  assert.equal((await getUserState(poolId, username)).UserStatus, 'CONFIRMED');

  const again = assertCliError(await aws.run('confirm-sign-up',
    '--client-id', clientId, '--username', username, '--confirmation-code', newCode), 'NotAuthorizedException', 'confirming twice');
  assert.equal(again.message, 'User cannot be confirmed. Current status is CONFIRMED');
});

it('duplicate username → UsernameExistsException, the first user unchanged', async () => {
  const { admin } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('dup');
  const first = await sdkSignUp(clientId, username);
  const before = await getUserState(poolId, username);
  const outboxBefore = (await admin.listOutbox(poolId, username)).length;

  const e = assertCliError(await signUp(clientId, username, PASSWORD2, `other-${username}@example.com`), 'UsernameExistsException');
  assert.equal(e.message, 'User already exists');
  const after = await getUserState(poolId, username);
  assert.deepEqual(after, before);
  assert.equal(after.UserAttributes.sub, first.UserSub);
  assert.equal((await admin.listOutbox(poolId, username)).length, outboxBefore, 'no message for a failed sign-up');
});

it('weak password → InvalidPasswordException, no user created', async () => {
  const { sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('weak');
  const viaCli = await signUp(clientId, username, 'Sh0rt!');
  const e = assertCliError(viaCli, 'InvalidPasswordException', 'sign-up with a short password');
  assert.match(e.message, /^Password did not conform with policy: Password not long enough/);
  await Promise.all(['alllowercase1!', 'ALLUPPERCASE1!', 'NoNumbers!!', 'NoSymbols123'].map(async (weak) => {
    const err = await sdkError('InvalidPasswordException', sdkSignUp(clientId, username, weak));
    assert.match(err.message, /^Password did not conform with policy/, weak);
  }));
  await sdkError('UserNotFoundException', sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username })));
});

it('USER_PASSWORD_AUTH on a client that does not allow it → InvalidParameterException', async () => {
  const { sdk } = ctx;
  const { poolId } = await poolAndClient();
  const { clientId: srpOnly } = await createClient(sdk, poolId, { ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
  const e = assertCliError(await passwordAuth(srpOnly, 'alice', PASSWORD), 'InvalidParameterException');
  assert.equal(e.message, 'USER_PASSWORD_AUTH flow not enabled for this client');
  await sdkError('ResourceNotFoundException', sdk.send(new InitiateAuthCommand({
    ClientId: 'nosuchclient0000000000000', AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD },
  })));
});
