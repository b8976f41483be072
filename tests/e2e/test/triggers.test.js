// Lua triggers end to end: scripts from examples/triggers deployed with CognateAdmin.PutTrigger,
// attached with aws-cli's own --lambda-config, and observed through aws-cli and the SDK.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  AdminCreateUserCommand,
  AdminGetUserCommand,
  CreateGroupCommand,
  AdminAddUserToGroupCommand,
  SignUpCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { repoRoot } from '../lib/server.js';
import { sdkError } from '../lib/sdk.js';
import {
  adminSignIn, attrs, createClient, createConfirmedUser, createPool, it, jwt, PASSWORD, unique, useServer,
} from '../lib/util.js';

const ctx = useServer();
const example = (name) => fs.readFileSync(path.join(repoRoot, 'examples', 'triggers', name), 'utf8');
const arn = (name) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

async function deploy(name, source) {
  return ctx.admin.signedCall('CognateAdmin.PutTrigger', { Name: name, Source: source });
}

it('deploys, versions, lists, reads and deletes trigger scripts', async () => {
  const name = unique('script');
  const v1 = await deploy(name, 'function handler(event) return event end');
  assert.equal(v1.Name, name);
  assert.equal(v1.Version, 1);
  assert.match(v1.Sha256, /^[0-9a-f]{64}$/);
  const v2 = await deploy(name, 'function handler(event)\n  return event\nend');
  assert.equal(v2.Version, 2);
  const got = await ctx.admin.signedCall('CognateAdmin.GetTrigger', { Name: name });
  assert.equal(got.Source, 'function handler(event)\n  return event\nend');
  assert.equal(got.Version, 2);
  const listed = await ctx.admin.signedCall('CognateAdmin.ListTriggers', {});
  assert.ok(listed.Triggers.some((t) => t.Name === name && t.Version === 2));

  const broken = await ctx.admin.rawCall('CognateAdmin.PutTrigger', { Name: name, Source: 'function handler(event)\n  return event +\nend' });
  assert.equal(broken.json.__type, 'InvalidParameterException');
  assert.match(broken.json.message, /line 3/);
  assert.equal((await ctx.admin.signedCall('CognateAdmin.GetTrigger', { Name: name })).Version, 2, 'unchanged');

  await ctx.admin.signedCall('CognateAdmin.DeleteTrigger', { Name: name });
  const gone = await ctx.admin.rawCall('CognateAdmin.GetTrigger', { Name: name });
  assert.equal(gone.json.__type, 'ResourceNotFoundException');
});

it('refuses a LambdaConfig naming a script that is not deployed', async () => {
  const { aws } = ctx;
  const poolId = await createPool(ctx.sdk);
  const r = await aws.run('update-user-pool', '--user-pool-id', poolId,
    '--lambda-config', `PreSignUp=${arn(unique('missing'))}`);
  assertCliError(r, 'InvalidParameterException', 'update-user-pool with an unknown function');
});

it('PreSignUp: a domain allow-list that auto-confirms the home domain (examples/triggers/domain_allow_list.lua)', async () => {
  const { aws, sdk } = ctx;
  const name = unique('allow');
  await deploy(name, example('domain_allow_list.lua'));
  const poolId = await createPool(sdk, { AutoVerifiedAttributes: ['email'] });
  assertCliOk(await aws.run('update-user-pool', '--user-pool-id', poolId, '--auto-verified-attributes', 'email',
    '--lambda-config', `PreSignUp=${arn(name)}`), 'update-user-pool --lambda-config');
  const { clientId } = await createClient(sdk, poolId);

  const home = unique('home');
  const trusted = assertCliOk(await aws.run('sign-up', '--client-id', clientId, '--username', home,
    '--password', PASSWORD, '--user-attributes', `Name=email,Value=${home}@example.com`), 'sign-up from example.com');
  assert.equal(trusted.UserConfirmed, true);
  const state = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: home }));
  assert.equal(state.UserStatus, 'CONFIRMED');
  assert.equal(attrs(state.UserAttributes).email_verified, 'true');
  assert.ok((await adminSignIn(sdk, poolId, clientId, home)).AuthenticationResult, 'signs in at once');

  const partner = unique('partner');
  const other = assertCliOk(await aws.run('sign-up', '--client-id', clientId, '--username', partner,
    '--password', PASSWORD, '--user-attributes', `Name=email,Value=${partner}@partner.example.org`), 'partner sign-up');
  assert.equal(other.UserConfirmed, false);
  assert.equal(other.CodeDeliveryDetails.DeliveryMedium, 'EMAIL');

  const outsider = unique('outsider');
  const refused = await aws.run('sign-up', '--client-id', clientId, '--username', outsider,
    '--password', PASSWORD, '--user-attributes', `Name=email,Value=${outsider}@elsewhere.net`);
  const e = assertCliError(refused, 'UserLambdaValidationException', 'sign-up from elsewhere.net');
  assert.equal(e.message, 'PreSignUp failed with error Sign-up is not open to elsewhere.net.');
  await sdkError('UserNotFoundException', sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: outsider })));
}, 120_000);

it('PreTokenGeneration V2: custom claims, a scope and a group override (examples/triggers/custom_claims.lua)', async () => {
  const { sdk } = ctx;
  const name = unique('claims');
  await deploy(name, example('custom_claims.lua'));
  const poolId = await createPool(sdk, { Schema: [{ Name: 'tenant', AttributeDataType: 'String', Mutable: true }] });
  await sdk.send(new UpdateUserPoolCommand({
    UserPoolId: poolId,
    LambdaConfig: { PreTokenGenerationConfig: { LambdaVersion: 'V2_0', LambdaArn: arn(name) } },
  }));
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('tenant-user');
  await createConfirmedUser(sdk, poolId, username, { attributes: { 'custom:tenant': 'acme', phone_number: '+15555550100' } });
  await sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: 'staff', Precedence: 1 }));
  await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: 'staff' }));

  const tokens = (await adminSignIn(sdk, poolId, clientId, username)).AuthenticationResult;
  const id = jwt(tokens.IdToken).payload;
  const access = jwt(tokens.AccessToken).payload;
  assert.equal(id.tenant, 'acme');
  assert.equal(id.plan, 'business');
  assert.equal(id.phone_number, undefined, 'suppressed');
  assert.equal(id['custom:tenant'], 'acme');
  assert.deepEqual(id['cognito:groups'], ['staff', 'everyone']);
  assert.deepEqual(access['cognito:groups'], ['staff', 'everyone']);
  assert.equal(access.tenant, 'acme');
  assert.equal(access.scope, 'aws.cognito.signin.user.admin tenant/acme');
  assert.equal(id.sub, access.sub, 'protected claims are kept');
}, 120_000);

it('CustomMessage: branded codes and invitations (examples/triggers/branded_messages.lua)', async () => {
  const { sdk, admin } = ctx;
  const name = unique('brand');
  await deploy(name, example('branded_messages.lua'));
  const poolId = await createPool(sdk, { AutoVerifiedAttributes: ['email'], LambdaConfig: { CustomMessage: arn(name) } });
  const { clientId } = await createClient(sdk, poolId);

  const username = unique('branded');
  await sdk.send(new SignUpCommand({
    ClientId: clientId, Username: username, Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }, { Name: 'given_name', Value: 'Ada' }],
  }));
  const [message] = await admin.listOutbox(poolId, username);
  assert.equal(message.Subject, 'Acme: confirm your address');
  assert.equal(message.Body, `Hello Ada, your Acme code is ${message.Code}.`);
  assert.match(message.Code, /^\d{6}$/);

  const invited = unique('invited');
  await sdk.send(new AdminCreateUserCommand({
    UserPoolId: poolId, Username: invited, DesiredDeliveryMediums: ['EMAIL'],
    UserAttributes: [{ Name: 'email', Value: `${invited}@example.com` }],
  }));
  const [invitation] = await admin.listOutbox(poolId, invited);
  assert.equal(invitation.Subject, 'Welcome to Acme');
  assert.equal(invitation.Body, `Hello there, sign in as ${invited} with the temporary password ${invitation.Code}.`);
}, 120_000);

it('failures reach the caller as Cognito reports them, and the server keeps serving', async () => {
  const { sdk } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);
  const cases = [
    ['function handler(event) while true do end end', 'UnexpectedLambdaException'],
    ['function handler(event) local t = {} while true do t[#t + 1] = string.rep("x", 1024) end end', 'UnexpectedLambdaException'],
    ['function handler(event) return 42 end', 'InvalidLambdaResponseException'],
    ['function handler(event) event.response.autoConfirmUser = "yes" return event end', 'InvalidLambdaResponseException'],
    ['function handler(event) os.execute("true") return event end', 'UserLambdaValidationException'],
    ['function handler(event) io.open("/etc/passwd") return event end', 'UserLambdaValidationException'],
  ];
  for (const [source, expected] of cases) {
    const name = unique('bad');
    await deploy(name, source);
    await sdk.send(new UpdateUserPoolCommand({ UserPoolId: poolId, LambdaConfig: { PreSignUp: arn(name) } }));
    const username = unique('victim');
    await sdkError(expected, sdk.send(new SignUpCommand({ ClientId: clientId, Username: username, Password: PASSWORD })));
    await sdkError('UserNotFoundException', sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username })));
  }
  await sdk.send(new UpdateUserPoolCommand({ UserPoolId: poolId, LambdaConfig: {} }));
  const fine = await sdk.send(new SignUpCommand({ ClientId: clientId, Username: unique('after'), Password: PASSWORD }));
  assert.ok(fine.UserSub, 'the server answers normally afterwards');
}, 180_000);

it('UserMigration: a legacy user moves in on first sign-in (examples/triggers/lazy_migration.lua)', async () => {
  const { aws, sdk } = ctx;
  const name = unique('migrate');
  await deploy(name, example('lazy_migration.lua'));
  const poolId = await createPool(sdk, { LambdaConfig: { UserMigration: arn(name) } });
  const { clientId } = await createClient(sdk, poolId);

  const wrong = await aws.run('initiate-auth', '--client-id', clientId, '--auth-flow', 'USER_PASSWORD_AUTH',
    '--auth-parameters', 'USERNAME=grace,PASSWORD=Not-Her-Passw0rd!');
  assertCliError(wrong, 'UserNotFoundException', 'a wrong legacy password');
  await sdkError('UserNotFoundException', sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'grace' })));

  const first = assertCliOk(await aws.run('initiate-auth', '--client-id', clientId, '--auth-flow', 'USER_PASSWORD_AUTH',
    '--auth-parameters', 'USERNAME=grace,PASSWORD=Legacy-Passw0rd!'), 'the first sign-in migrates');
  assert.equal(jwt(first.AuthenticationResult.IdToken).payload.email, 'grace@example.com');
  const state = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: 'grace' }));
  assert.equal(state.UserStatus, 'CONFIRMED');
  assert.equal(attrs(state.UserAttributes).name, 'Grace Hopper');
  // From now on the pool knows her: the password she used is hers here.
  assert.ok((await adminSignIn(sdk, poolId, clientId, 'grace', 'Legacy-Passw0rd!')).AuthenticationResult);
}, 120_000);

it('CUSTOM_AUTH: Define/Create/Verify run the challenge loop, with retries and failure', async () => {
  const { sdk, aws } = ctx;
  const names = { define: unique('define'), create: unique('create'), verify: unique('verify') };
  await deploy(names.define, `
function handler(event)
  local session = event.request.session
  local n = #session
  if n > 0 and session[n].challengeResult == true then
    event.response.issueTokens = true
  elseif n >= 3 then
    event.response.failAuthentication = true
  else
    event.response.challengeName = "CUSTOM_CHALLENGE"
  end
  return event
end`);
  await deploy(names.create, `
function handler(event)
  event.response.publicChallengeParameters = { question = "What is 6 times 7?" }
  event.response.privateChallengeParameters = { answer = "42" }
  event.response.challengeMetadata = "QUESTION-" .. (#event.request.session + 1)
  return event
end`);
  await deploy(names.verify, `
function handler(event)
  event.response.answerCorrect = event.request.challengeAnswer == event.request.privateChallengeParameters.answer
  return event
end`);
  const poolId = await createPool(sdk, {
    LambdaConfig: {
      DefineAuthChallenge: arn(names.define),
      CreateAuthChallenge: arn(names.create),
      VerifyAuthChallengeResponse: arn(names.verify),
    },
  });
  const { clientId } = await createClient(sdk, poolId, { ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
  const username = unique('quiz');
  await createConfirmedUser(sdk, poolId, username);

  const start = assertCliOk(await aws.run('initiate-auth', '--client-id', clientId, '--auth-flow', 'CUSTOM_AUTH',
    '--auth-parameters', `USERNAME=${username}`), 'initiate-auth CUSTOM_AUTH');
  assert.equal(start.ChallengeName, 'CUSTOM_CHALLENGE');
  assert.equal(start.ChallengeParameters.question, 'What is 6 times 7?');
  assert.equal(start.ChallengeParameters.answer, undefined, 'private parameters stay on the server');
  const respond = (session, answer) => aws.run('respond-to-auth-challenge', '--client-id', clientId,
    '--challenge-name', 'CUSTOM_CHALLENGE', '--session', session,
    '--challenge-responses', `USERNAME=${username},ANSWER=${answer}`);
  const wrong = assertCliOk(await respond(start.Session, '41'), 'a wrong answer');
  assert.equal(wrong.ChallengeName, 'CUSTOM_CHALLENGE', 'asked again');
  const right = assertCliOk(await respond(wrong.Session, '42'), 'the right answer');
  assert.equal(jwt(right.AuthenticationResult.AccessToken).payload.username, username);

  // Three wrong answers: Define fails the authentication.
  let session = assertCliOk(await aws.run('initiate-auth', '--client-id', clientId, '--auth-flow', 'CUSTOM_AUTH',
    '--auth-parameters', `USERNAME=${username}`), 'again').Session;
  for (let i = 0; i < 2; i += 1) session = assertCliOk(await respond(session, 'no'), `wrong answer ${i + 1}`).Session;
  const e = assertCliError(await respond(session, 'no'), 'NotAuthorizedException', 'the third wrong answer');
  assert.equal(e.message, 'Incorrect username or password.');
  assertCliError(await respond('not-a-session-at-all-xxxxxxxxxxxxxxxx', '42'), 'NotAuthorizedException', 'a forged session');
}, 180_000);

it('CUSTOM_AUTH passwordless: a one-time code through the message sink (examples/triggers/passwordless.lua)', async () => {
  const { sdk, aws, admin } = ctx;
  const name = unique('passwordless');
  await deploy(name, example('passwordless.lua'));
  const poolId = await createPool(sdk, {
    LambdaConfig: { DefineAuthChallenge: arn(name), CreateAuthChallenge: arn(name), VerifyAuthChallengeResponse: arn(name) },
  });
  const { clientId } = await createClient(sdk, poolId, { ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
  const username = unique('nopass');
  await createConfirmedUser(sdk, poolId, username, { attributes: { email: `${username}@example.com`, email_verified: 'true' } });

  const start = assertCliOk(await aws.run('initiate-auth', '--client-id', clientId, '--auth-flow', 'CUSTOM_AUTH',
    '--auth-parameters', `USERNAME=${username}`), 'ask for a code');
  assert.equal(start.ChallengeName, 'CUSTOM_CHALLENGE');
  assert.equal(start.ChallengeParameters.email, `${username}@example.com`);
  const [first] = await admin.listOutbox(poolId, username);
  assert.equal(first.Subject, 'Your sign-in code');
  assert.match(first.Code, /^\d{6}$/);
  assert.equal(first.Body, `Your sign-in code is ${first.Code}. It works once.`);
  assert.equal(first.Destination, `${username}@example.com`);

  const respond = (session, answer) => aws.run('respond-to-auth-challenge', '--client-id', clientId,
    '--challenge-name', 'CUSTOM_CHALLENGE', '--session', session, '--challenge-responses', `USERNAME=${username},ANSWER=${answer}`);
  const wrongCode = first.Code === '000000' ? '111111' : '000000';
  const retry = assertCliOk(await respond(start.Session, wrongCode), 'a wrong code');
  assert.equal(retry.ChallengeName, 'CUSTOM_CHALLENGE');
  const [second] = await admin.listOutbox(poolId, username);
  assert.notEqual(second.CreatedAt, first.CreatedAt, 'a new code was sent');
  const signedIn = assertCliOk(await respond(retry.Session, second.Code), 'the new code');
  assert.equal(jwt(signedIn.AuthenticationResult.IdToken).payload.email, `${username}@example.com`);
}, 180_000);
