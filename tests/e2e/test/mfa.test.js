// Multi-factor authentication: authenticator apps (associate-software-token, verify-software-token,
// set-user-mfa-preference; SOFTWARE_TOKEN_MFA at sign-in, each code once), SMS codes (SMS_MFA,
// read from the outbox), the choice between both (SELECT_MFA_TYPE), setting up an app during
// sign-in when the pool requires MFA (MFA_SETUP), a pool with MFA off, wrong codes counting
// toward lockout, and amazon-cognito-identity-js answering SOFTWARE_TOKEN_MFA after SRP.
// The authenticator's codes are computed here (RFC 6238: HMAC-SHA-1, 30 s steps, 6 digits).
import assert from 'node:assert/strict';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import {
  AdminGetUserCommand,
  AdminSetUserMFAPreferenceCommand,
  AssociateSoftwareTokenCommand,
  GetUserCommand,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { Authenticator, base32Decode, hotp, memoryStorage } from '../lib/authenticator.js';
import { sdkError } from '../lib/sdk.js';
import { PASSWORD, createClient, createConfirmedUser, createPool, it, jwt, unique, useServer } from '../lib/util.js';

const ctx = useServer();

const SNS_ROLE = 'arn:aws:iam::000000000000:role/sns';
// Shorthand syntax: a value with braces is quoted.
const SMS_MFA_CLI = `SmsAuthenticationMessage="Your code {####}",SmsConfiguration={SnsCallerArn=${SNS_ROLE}}`;

// ---- set-up ----

/** A pool with the given MFA configuration (SDK) and a client for password, SRP and refresh. */
async function mfaPool(mfa) {
  const poolId = await createPool(ctx.sdk);
  if (mfa) await ctx.sdk.send(new SetUserPoolMfaConfigCommand({ UserPoolId: poolId, ...mfa }));
  const { clientId } = await createClient(ctx.sdk, poolId, {
    ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  return { poolId, clientId };
}

const TOTP_OPTIONAL = { SoftwareTokenMfaConfiguration: { Enabled: true }, MfaConfiguration: 'OPTIONAL' };

const signIn = (clientId, username, password = PASSWORD) => ctx.sdk.send(new InitiateAuthCommand({
  ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password },
}));

const respond = (clientId, challenge, session, responses) => ctx.sdk.send(new RespondToAuthChallengeCommand({
  ClientId: clientId, ChallengeName: challenge, Session: session, ChallengeResponses: responses,
}));

/** Signs in without MFA (the user has none yet); returns the access token. */
async function accessToken(clientId, username) {
  const out = await signIn(clientId, username);
  assert.ok(out.AuthenticationResult?.AccessToken, `expected tokens, got ${JSON.stringify(out)}`);
  return out.AuthenticationResult.AccessToken;
}

/** Associates and verifies an authenticator for the user (SDK); returns it. Enables it if asked. */
async function withAuthenticator(clientId, username, { enable = true } = {}) {
  const token = await accessToken(clientId, username);
  const { SecretCode } = await ctx.sdk.send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
  const app = new Authenticator(SecretCode);
  const verified = await ctx.sdk.send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: await app.fresh() }));
  assert.equal(verified.Status, 'SUCCESS');
  if (enable) {
    await ctx.sdk.send(new SetUserMFAPreferenceCommand({
      AccessToken: token, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
    }));
  }
  return app;
}

const adminGetUser = (poolId, username) =>
  ctx.sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username }));

async function signedInEvents(poolId, username) {
  const { Events } = await ctx.admin.signedCall('CognateAdmin.QueryEvents',
    { UserPoolId: poolId, Username: username, Types: ['user.signed_in'] });
  return Events;
}

function assertTokens(out, username) {
  const result = out.AuthenticationResult;
  assert.ok(result?.AccessToken && result.IdToken && result.RefreshToken, `expected tokens, got ${JSON.stringify(out)}`);
  assert.equal(jwt(result.AccessToken).payload.username, username);
  return result;
}

// ---- tests ----

it('the test computes RFC 6238 codes correctly', () => {
  // RFC 6238 appendix B, SHA-1, T = 59 s: 94287082 (8 digits).
  const key = base32Decode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
  assert.equal(key.toString('ascii'), '12345678901234567890');
  assert.equal(hotp(key, 1, 8), '94287082');
  assert.equal(hotp(key, Math.floor(1111111109 / 30), 8), '07081804');
  assert.equal(hotp(key, 1), '287082');
});

it('authenticator app: associate, verify, prefer; then SOFTWARE_TOKEN_MFA at sign-in, each code once', async () => {
  const { aws, sdk } = ctx;
  const poolId = await createPool(sdk);
  assertCliOk(await aws.run('set-user-pool-mfa-config', '--user-pool-id', poolId,
    '--software-token-mfa-configuration', 'Enabled=true', '--mfa-configuration', 'OPTIONAL'), 'set-user-pool-mfa-config');
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('totp');
  await createConfirmedUser(sdk, poolId, username);
  const token = await accessToken(clientId, username);

  // Nothing yet: an app that is not verified cannot be turned on.
  const before = await sdk.send(new GetUserCommand({ AccessToken: token }));
  assert.ok(!(before.UserMFASettingList ?? []).includes('SOFTWARE_TOKEN_MFA'));
  assert.equal(before.PreferredMfaSetting, undefined);
  await sdkError('InvalidParameterException', sdk.send(new SetUserMFAPreferenceCommand({
    AccessToken: token, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  })));

  const associated = assertCliOk(await aws.run('associate-software-token', '--access-token', token),
    'associate-software-token');
  assert.match(associated.SecretCode, /^[A-Z2-7]{16,}=*$/, 'a base32 secret');
  assert.equal(associated.Session, undefined, 'no Session when associating with an access token');
  const app = new Authenticator(associated.SecretCode);

  assertCliError(await aws.run('verify-software-token', '--access-token', token, '--user-code', app.wrong()),
    'EnableSoftwareTokenMFAException', 'a wrong code');
  const verified = assertCliOk(await aws.run('verify-software-token', '--access-token', token,
    '--user-code', await app.fresh(), '--friendly-device-name', 'phone'), 'verify-software-token');
  assert.equal(verified.Status, 'SUCCESS');
  // Verified, not yet enabled: sign-in still needs no second factor.
  assert.ok((await signIn(clientId, username)).AuthenticationResult);

  assertCliOk(await aws.run('set-user-mfa-preference', '--access-token', token,
    '--software-token-mfa-settings', 'Enabled=true,PreferredMfa=true'), 'set-user-mfa-preference');
  const shown = assertCliOk(await aws.run('get-user', '--access-token', token), 'get-user');
  assert.deepEqual(shown.UserMFASettingList, ['SOFTWARE_TOKEN_MFA']);
  assert.equal(shown.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA');
  const admin = await adminGetUser(poolId, username);
  assert.deepEqual(admin.UserMFASettingList, ['SOFTWARE_TOKEN_MFA']);
  assert.equal(admin.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA');

  // The password alone is no longer enough.
  const first = await signIn(clientId, username);
  assert.equal(first.ChallengeName, 'SOFTWARE_TOKEN_MFA');
  assert.equal(first.AuthenticationResult, undefined);
  assert.ok(first.Session, 'the challenge has a Session');
  assert.equal(first.ChallengeParameters?.USERNAME, username);
  await sdkError('CodeMismatchException', respond(clientId, 'SOFTWARE_TOKEN_MFA', first.Session,
    { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: app.wrong() }));

  const second = await signIn(clientId, username);
  assert.equal(second.ChallengeName, 'SOFTWARE_TOKEN_MFA');
  const code = await app.fresh();
  assertTokens(await respond(clientId, 'SOFTWARE_TOKEN_MFA', second.Session,
    { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code }), username);
  const events = await signedInEvents(poolId, username);
  assert.equal(events.at(-1).data.mfa, 'SOFTWARE_TOKEN_MFA', 'the sign-in records the factor');

  // The same code cannot sign in again, even within its 30 s step.
  const replay = await signIn(clientId, username);
  assert.equal(replay.ChallengeName, 'SOFTWARE_TOKEN_MFA');
  await sdkError('CodeMismatchException', respond(clientId, 'SOFTWARE_TOKEN_MFA', replay.Session,
    { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: code }));
  assert.equal((await signedInEvents(poolId, username)).length, events.length, 'no sign-in from the replay');
});

it('SMS_MFA: the code goes to the phone (masked in the challenge) and signs in; a wrong one does not', async () => {
  const { aws, sdk, admin } = ctx;
  const poolId = await createPool(sdk);
  assertCliOk(await aws.run('set-user-pool-mfa-config', '--user-pool-id', poolId,
    '--sms-mfa-configuration', SMS_MFA_CLI, '--mfa-configuration', 'OPTIONAL'), 'set-user-pool-mfa-config');
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('sms');
  const phone = '+15555550123';
  await createConfirmedUser(sdk, poolId, username, { attributes: { phone_number: phone, phone_number_verified: 'true' } });

  assertCliOk(await aws.run('admin-set-user-mfa-preference', '--user-pool-id', poolId, '--username', username,
    '--sms-mfa-settings', 'Enabled=true,PreferredMfa=true'), 'admin-set-user-mfa-preference');
  const shown = await adminGetUser(poolId, username);
  assert.deepEqual(shown.UserMFASettingList, ['SMS_MFA']);
  assert.equal(shown.PreferredMfaSetting, 'SMS_MFA');
  assert.deepEqual(shown.MFAOptions, [{ DeliveryMedium: 'SMS', AttributeName: 'phone_number' }]);

  const sent = (await admin.listOutbox(poolId, username)).length;
  const challenge = await signIn(clientId, username);
  assert.equal(challenge.ChallengeName, 'SMS_MFA');
  assert.equal(challenge.ChallengeParameters.CODE_DELIVERY_DELIVERY_MEDIUM, 'SMS');
  const destination = challenge.ChallengeParameters.CODE_DELIVERY_DESTINATION;
  assert.notEqual(destination, phone, 'the number is masked');
  assert.match(destination, /^\+\*+0123$/, 'only the last digits show');

  const messages = await admin.listOutbox(poolId, username);
  assert.equal(messages.length, sent + 1, 'one text');
  assert.equal(messages[0].DeliveryMedium, 'SMS');
  assert.equal(messages[0].Destination, phone);
  const code = messages[0].Code;
  assert.match(code, /^\d{6}$/);
  assert.equal(messages[0].Body, `Your code ${code}`, "the pool's SmsAuthenticationMessage");

  const wrong = code === '000000' ? '111111' : '000000';
  await sdkError('CodeMismatchException', respond(clientId, 'SMS_MFA', challenge.Session,
    { USERNAME: username, SMS_MFA_CODE: wrong }));
  const { Events: failed } = await admin.signedCall('CognateAdmin.QueryEvents',
    { UserPoolId: poolId, Username: username, Types: ['user.sign_in.failed'] });
  assert.equal(failed.length, 1, 'the wrong code is a failed sign-in');
  assert.equal(failed[0].data.consecutive_failures, 1);

  assertTokens(await respond(clientId, 'SMS_MFA', challenge.Session,
    { USERNAME: username, SMS_MFA_CODE: code }), username);
  assert.equal((await signedInEvents(poolId, username)).at(-1).data.mfa, 'SMS_MFA');
});

it('SELECT_MFA_TYPE when both factors are on and none is preferred; the answer picks the challenge', async () => {
  const { aws, sdk, admin } = ctx;
  const { poolId, clientId } = await mfaPool({
    SmsMfaConfiguration: { SmsAuthenticationMessage: 'Your code {####}', SmsConfiguration: { SnsCallerArn: SNS_ROLE } },
    SoftwareTokenMfaConfiguration: { Enabled: true },
    MfaConfiguration: 'OPTIONAL',
  });
  const username = unique('select');
  await createConfirmedUser(sdk, poolId, username, { attributes: { phone_number: '+15555550188' } });
  const app = await withAuthenticator(clientId, username, { enable: false });

  assertCliOk(await aws.run('admin-set-user-mfa-preference', '--user-pool-id', poolId, '--username', username,
    '--sms-mfa-settings', 'Enabled=true,PreferredMfa=false',
    '--software-token-mfa-settings', 'Enabled=true,PreferredMfa=false'), 'admin-set-user-mfa-preference');
  const shown = await adminGetUser(poolId, username);
  assert.deepEqual([...shown.UserMFASettingList].sort(), ['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);
  assert.equal(shown.PreferredMfaSetting, undefined, 'none preferred');

  const select = await signIn(clientId, username);
  assert.equal(select.ChallengeName, 'SELECT_MFA_TYPE');
  assert.deepEqual(JSON.parse(select.ChallengeParameters.MFAS_CAN_CHOOSE).sort(), ['SMS_MFA', 'SOFTWARE_TOKEN_MFA']);

  const totp = await respond(clientId, 'SELECT_MFA_TYPE', select.Session, { USERNAME: username, ANSWER: 'SOFTWARE_TOKEN_MFA' });
  assert.equal(totp.ChallengeName, 'SOFTWARE_TOKEN_MFA');
  assert.ok(totp.Session);
  assertTokens(await respond(clientId, 'SOFTWARE_TOKEN_MFA', totp.Session,
    { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: await app.fresh() }), username);

  // The other answer texts a code.
  const again = await signIn(clientId, username);
  assert.equal(again.ChallengeName, 'SELECT_MFA_TYPE');
  const sms = await respond(clientId, 'SELECT_MFA_TYPE', again.Session, { USERNAME: username, ANSWER: 'SMS_MFA' });
  assert.equal(sms.ChallengeName, 'SMS_MFA');
  assert.equal(sms.ChallengeParameters.CODE_DELIVERY_DELIVERY_MEDIUM, 'SMS');
  const code = await admin.latestCode(poolId, username);
  assertTokens(await respond(clientId, 'SMS_MFA', sms.Session, { USERNAME: username, SMS_MFA_CODE: code }), username);

  // A preference ends the choice.
  await sdk.send(new AdminSetUserMFAPreferenceCommand({
    UserPoolId: poolId, Username: username, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  }));
  assert.equal((await signIn(clientId, username)).ChallengeName, 'SOFTWARE_TOKEN_MFA');
});

it('MFA_SETUP: with MFA required, sign-in sets up an authenticator with the Session, then asks for it', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await mfaPool({ SoftwareTokenMfaConfiguration: { Enabled: true }, MfaConfiguration: 'ON' });
  const username = unique('setup');
  await createConfirmedUser(sdk, poolId, username);

  const setup = await signIn(clientId, username);
  assert.equal(setup.ChallengeName, 'MFA_SETUP');
  assert.equal(setup.AuthenticationResult, undefined);
  assert.ok(JSON.parse(setup.ChallengeParameters.MFAS_CAN_SETUP).includes('SOFTWARE_TOKEN_MFA'));

  const associated = assertCliOk(await aws.run('associate-software-token', '--session', setup.Session),
    'associate-software-token --session');
  assert.match(associated.SecretCode, /^[A-Z2-7]{16,}=*$/);
  assert.ok(associated.Session, 'a new Session to go on with');
  const app = new Authenticator(associated.SecretCode);

  assertCliError(await aws.run('verify-software-token', '--session', associated.Session, '--user-code', app.wrong()),
    'EnableSoftwareTokenMFAException', 'a wrong code');
  const verified = assertCliOk(await aws.run('verify-software-token', '--session', associated.Session,
    '--user-code', await app.fresh()), 'verify-software-token --session');
  assert.equal(verified.Status, 'SUCCESS');
  assert.ok(verified.Session, 'a new Session to answer MFA_SETUP with');

  const done = assertCliOk(await aws.run('respond-to-auth-challenge', '--client-id', clientId,
    '--challenge-name', 'MFA_SETUP', '--session', verified.Session,
    '--challenge-responses', `USERNAME=${username}`), 'respond-to-auth-challenge MFA_SETUP');
  assert.ok(done.AuthenticationResult?.AccessToken, `expected tokens, got ${JSON.stringify(done)}`);
  assert.equal(jwt(done.AuthenticationResult.AccessToken).payload.username, username);

  const shown = await adminGetUser(poolId, username);
  assert.deepEqual(shown.UserMFASettingList, ['SOFTWARE_TOKEN_MFA']);
  assert.equal(shown.PreferredMfaSetting, 'SOFTWARE_TOKEN_MFA');

  const next = await signIn(clientId, username);
  assert.equal(next.ChallengeName, 'SOFTWARE_TOKEN_MFA', 'the app set up is asked for from now on');
  assertTokens(await respond(clientId, 'SOFTWARE_TOKEN_MFA', next.Session,
    { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: await app.fresh() }), username);
});

it('a pool with MFA off asks for no second factor, even from a user with a verified authenticator', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await mfaPool(TOTP_OPTIONAL);
  const username = unique('off');
  await createConfirmedUser(sdk, poolId, username);
  await withAuthenticator(clientId, username);
  assert.equal((await signIn(clientId, username)).ChallengeName, 'SOFTWARE_TOKEN_MFA', 'asked while MFA is optional');

  const off = assertCliOk(await aws.run('set-user-pool-mfa-config', '--user-pool-id', poolId,
    '--mfa-configuration', 'OFF'), 'set-user-pool-mfa-config OFF');
  assert.equal(off.MfaConfiguration, 'OFF');
  const out = await signIn(clientId, username);
  assert.equal(out.ChallengeName, undefined);
  assertTokens(out, username);
  assert.equal((await signedInEvents(poolId, username)).at(-1).data.mfa, undefined, 'no factor recorded');
});

it('wrong authenticator codes count toward lockout', async () => {
  const { sdk, admin } = ctx;
  const { poolId, clientId } = await mfaPool(TOTP_OPTIONAL);
  const username = unique('lock');
  await createConfirmedUser(sdk, poolId, username);
  const app = await withAuthenticator(clientId, username);

  for (let i = 0; i < 5; i++) {
    const challenge = await signIn(clientId, username);
    assert.equal(challenge.ChallengeName, 'SOFTWARE_TOKEN_MFA');
    await sdkError('CodeMismatchException', respond(clientId, 'SOFTWARE_TOKEN_MFA', challenge.Session,
      { USERNAME: username, SOFTWARE_TOKEN_MFA_CODE: app.wrong() }));
  }
  const { Events } = await admin.signedCall('CognateAdmin.QueryEvents',
    { UserPoolId: poolId, Username: username, Types: ['user.sign_in.failed'] });
  assert.deepEqual(Events.map((e) => e.data.consecutive_failures), [1, 2, 3, 4, 5]);
  assert.ok(Events[4].data.locked_until_ms > Date.parse(Events[4].time), 'the fifth locks');
  const locked = await sdkError('NotAuthorizedException', signIn(clientId, username));
  assert.equal(locked.message, 'Password attempts exceeded');
});

it('amazon-cognito-identity-js: SRP, then totpRequired, answered with sendMFACode', async () => {
  const { sdk } = ctx;
  const { poolId, clientId } = await mfaPool(TOTP_OPTIONAL);
  const username = unique('jsmfa');
  await createConfirmedUser(sdk, poolId, username);
  const app = await withAuthenticator(clientId, username);

  const userPool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: ctx.endpoint, Storage: memoryStorage() });
  const user = new CognitoUser({ Username: username, Pool: userPool, Storage: userPool.storage });
  const asked = await new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: PASSWORD }), {
      onSuccess: () => reject(new Error('signed in without the second factor')),
      onFailure: reject,
      totpRequired: (challengeName, parameters) => resolve({ challengeName, parameters }),
      mfaRequired: () => reject(new Error('unexpected SMS_MFA')),
      selectMFAType: () => reject(new Error('unexpected SELECT_MFA_TYPE')),
      mfaSetup: () => reject(new Error('unexpected MFA_SETUP')),
      newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
    });
  });
  assert.equal(asked.challengeName, 'SOFTWARE_TOKEN_MFA');

  const code = await app.fresh();
  const session = await new Promise((resolve, reject) => {
    user.sendMFACode(code, { onSuccess: resolve, onFailure: reject }, 'SOFTWARE_TOKEN_MFA');
  });
  assert.ok(session.isValid(), 'the session the library built is valid');
  assert.equal(jwt(session.getAccessToken().getJwtToken()).payload.username, username);

  const last = (await signedInEvents(poolId, username)).at(-1);
  assert.equal(last.data.flow, 'USER_SRP_AUTH');
  assert.equal(last.data.mfa, 'SOFTWARE_TOKEN_MFA');
});
