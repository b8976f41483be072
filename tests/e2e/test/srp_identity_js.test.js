// SRP sign-in with amazon-cognito-identity-js from npm, unmodified, pointed at the server:
// sign-up, USER_SRP_AUTH with its PASSWORD_VERIFIER answer, the refresh it does on its own,
// CUSTOM_AUTH that begins with SRP, and lockout after repeated wrong passwords.
import assert from 'node:assert/strict';
import {
  AuthenticationDetails, CognitoUser, CognitoUserAttribute, CognitoUserPool,
} from 'amazon-cognito-identity-js';
import { CreateUserPoolClientCommand, UpdateUserPoolCommand } from '@aws-sdk/client-cognito-identity-provider';
import { PASSWORD, PASSWORD2, createPool, it, jwt, unique, useServer, verifyWithAwsJwtVerify } from '../lib/util.js';

const ctx = useServer();

async function poolWithClient(input = {}) {
  const poolId = await createPool(ctx.sdk, { AutoVerifiedAttributes: ['email'], ...input });
  const out = await ctx.sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: poolId, ClientName: unique('web'),
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_CUSTOM_AUTH'],
  }));
  const clientId = out.UserPoolClient.ClientId;
  const userPool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: ctx.endpoint });
  return { poolId, clientId, userPool };
}

// The library's callback style, as promises.
function signUp(userPool, username, password, email) {
  return new Promise((resolve, reject) => {
    userPool.signUp(username, password, [new CognitoUserAttribute({ Name: 'email', Value: email })], null,
      (err, result) => (err ? reject(err) : resolve(result)));
  });
}

function confirm(user, code) {
  return new Promise((resolve, reject) => {
    user.confirmRegistration(code, true, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

/** authenticateUser; resolves to {session} or {challenge, parameters} for a custom challenge. */
function authenticate(user, username, password) {
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ session }),
      onFailure: reject,
      customChallenge: (parameters) => resolve({ challenge: 'CUSTOM_CHALLENGE', parameters }),
      newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
      mfaRequired: () => reject(new Error('unexpected SMS_MFA')),
      totpRequired: () => reject(new Error('unexpected SOFTWARE_TOKEN_MFA')),
    });
  });
}

function answerCustomChallenge(user, answer) {
  return new Promise((resolve, reject) => {
    user.sendCustomChallengeAnswer(answer, {
      onSuccess: (session) => resolve({ session }),
      onFailure: reject,
      customChallenge: (parameters) => resolve({ challenge: 'CUSTOM_CHALLENGE', parameters }),
    });
  });
}

function refresh(user, session) {
  return new Promise((resolve, reject) => {
    user.refreshSession(session.getRefreshToken(), (err, s) => (err ? reject(err) : resolve(s)));
  });
}

async function expectFailure(promise, code, message) {
  const err = await promise.then(() => null, (e) => e);
  assert.ok(err, `expected ${code}, but it succeeded`);
  assert.equal(err.code ?? err.name, code, `expected ${code}, got ${err.code ?? err.name}: ${err.message}`);
  if (message) assert.equal(err.message, message);
}

/** A confirmed user made through the library: sign-up, then the emailed code. */
async function confirmedUser(poolId, userPool) {
  const username = unique('srp');
  await signUp(userPool, username, PASSWORD, `${username}@example.com`);
  const code = await ctx.admin.latestCode(poolId, username);
  await confirm(new CognitoUser({ Username: username, Pool: userPool }), code);
  return username;
}

it('amazon-cognito-identity-js signs up, signs in with SRP and refreshes', async () => {
  const { poolId, clientId, userPool } = await poolWithClient();
  const username = await confirmedUser(poolId, userPool);

  const user = new CognitoUser({ Username: username, Pool: userPool });
  const { session } = await authenticate(user, username, PASSWORD);
  assert.ok(session.isValid(), 'the session the library built is valid');
  const idToken = session.getIdToken().getJwtToken();
  assert.equal(jwt(idToken).payload['cognito:username'], username);
  await verifyWithAwsJwtVerify(idToken, { endpoint: ctx.endpoint, poolId, clientId, tokenUse: 'id' });

  const renewed = await refresh(user, session);
  assert.ok(renewed.isValid());
  assert.equal(jwt(renewed.getAccessToken().getJwtToken()).payload.username, username);

  const { Events } = await ctx.admin.signedCall('CognateAdmin.QueryEvents',
    { UserPoolId: poolId, Username: username, Types: ['user.signed_in'] });
  assert.deepEqual(Events.map((e) => e.data.flow), ['USER_SRP_AUTH'], 'the sign-in is recorded as SRP');
});

it('a wrong password is refused, and five in a row lock the user out for a while', async () => {
  const { poolId, userPool } = await poolWithClient();
  const username = await confirmedUser(poolId, userPool);
  const user = () => new CognitoUser({ Username: username, Pool: userPool });

  for (let i = 0; i < 5; i++) {
    await expectFailure(authenticate(user(), username, PASSWORD2), 'NotAuthorizedException', 'Incorrect username or password.');
  }
  await expectFailure(authenticate(user(), username, PASSWORD), 'NotAuthorizedException', 'Password attempts exceeded');

  const { Events } = await ctx.admin.signedCall('CognateAdmin.QueryEvents',
    { UserPoolId: poolId, Username: username, Types: ['user.sign_in.failed'] });
  assert.deepEqual(Events.map((e) => e.data.consecutive_failures), [1, 2, 3, 4, 5], 'the audit shows the counts');
  assert.ok(Events[4].data.locked_until_ms > Date.parse(Events[4].time), 'the fifth locks');

  // The first lock is a second long.
  await new Promise((r) => setTimeout(r, 1500));
  const { session } = await authenticate(user(), username, PASSWORD);
  assert.ok(session.isValid());
});

it('an unknown user is UserNotFoundException, or a failed challenge when existence is hidden', async () => {
  const { userPool } = await poolWithClient();
  const nobody = unique('nobody');
  await expectFailure(authenticate(new CognitoUser({ Username: nobody, Pool: userPool }), nobody, PASSWORD),
    'UserNotFoundException');

  const { poolId } = await poolWithClient();
  const out = await ctx.sdk.send(new CreateUserPoolClientCommand({
    UserPoolId: poolId, ClientName: unique('web'), PreventUserExistenceErrors: 'ENABLED',
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  }));
  const hidden = new CognitoUserPool({ UserPoolId: poolId, ClientId: out.UserPoolClient.ClientId, endpoint: ctx.endpoint });
  await expectFailure(authenticate(new CognitoUser({ Username: nobody, Pool: hidden }), nobody, PASSWORD),
    'NotAuthorizedException', 'Incorrect username or password.');
});

const DEFINE = `
function handler(event)
  local s = event.request.session
  if #s == 1 and s[1].challengeName == 'SRP_A' then
    event.response.challengeName = 'PASSWORD_VERIFIER'
  elseif #s == 2 and s[2].challengeName == 'PASSWORD_VERIFIER' and s[2].challengeResult then
    event.response.challengeName = 'CUSTOM_CHALLENGE'
  elseif #s == 3 and s[3].challengeResult then
    event.response.issueTokens = true
  else
    event.response.failAuthentication = true
  end
  return event
end`;
const CREATE = `
function handler(event)
  event.response.publicChallengeParameters = { question = 'colour of the sky?' }
  event.response.privateChallengeParameters = { answer = 'blue' }
  return event
end`;
const VERIFY = `
function handler(event)
  event.response.answerCorrect = event.request.challengeAnswer == event.request.privateChallengeParameters.answer
  return event
end`;

it('CUSTOM_AUTH that begins with SRP: the password, then a custom challenge', async () => {
  const names = {};
  for (const [key, source] of [['DefineAuthChallenge', DEFINE], ['CreateAuthChallenge', CREATE],
    ['VerifyAuthChallengeResponse', VERIFY]]) {
    names[key] = unique(key.toLowerCase());
    await ctx.admin.signedCall('CognateAdmin.PutTrigger', { Name: names[key], Source: source });
  }
  const { poolId, userPool } = await poolWithClient();
  const lambda = (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
  await ctx.sdk.send(new UpdateUserPoolCommand({
    UserPoolId: poolId, AutoVerifiedAttributes: ['email'],
    LambdaConfig: Object.fromEntries(Object.entries(names).map(([k, n]) => [k, lambda(n)])),
  }));
  const username = await confirmedUser(poolId, userPool);

  const wrong = new CognitoUser({ Username: username, Pool: userPool });
  wrong.setAuthenticationFlowType('CUSTOM_AUTH');
  await expectFailure(authenticate(wrong, username, PASSWORD2), 'NotAuthorizedException');

  const user = new CognitoUser({ Username: username, Pool: userPool });
  user.setAuthenticationFlowType('CUSTOM_AUTH');
  const first = await authenticate(user, username, PASSWORD);
  assert.equal(first.challenge, 'CUSTOM_CHALLENGE');
  assert.equal(first.parameters.question, 'colour of the sky?');
  const { session } = await answerCustomChallenge(user, 'blue');
  assert.ok(session.isValid());
});
