// Auth events through aws-cli: admin-list-user-auth-events shows a failed and a successful
// sign-in (newest first), admin-update-auth-event-feedback and update-auth-event-feedback (with
// the FeedbackToken, Cognate's extension member of each listed event) record feedback shown on
// the event. Cognate answers for every pool: it has no risk engine, so no add-on is needed.
import assert from 'node:assert/strict';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { sdkError } from '../lib/sdk.js';
import { PASSWORD, PASSWORD2, UUID_RE, createClient, createConfirmedUser, createPool, it, unique, useServer } from '../lib/util.js';

const ctx = useServer();

const signIn = (clientId, username, password) => ctx.sdk.send(new InitiateAuthCommand({
  ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password },
}));

/** admin-list-user-auth-events through aws-cli; the AuthEvents. */
async function listWithCli(poolId, username) {
  const out = assertCliOk(await ctx.aws.run('admin-list-user-auth-events', '--user-pool-id', poolId,
    '--username', username), 'admin-list-user-auth-events');
  assert.ok(Array.isArray(out.AuthEvents), `no AuthEvents in ${JSON.stringify(out)}`);
  return out.AuthEvents;
}

/** The same list as the server sends it, with Cognate's FeedbackToken member. */
async function listRaw(poolId, username) {
  const out = await ctx.admin.signedCall('AWSCognitoIdentityProviderService.AdminListUserAuthEvents',
    { UserPoolId: poolId, Username: username });
  return out.AuthEvents;
}

it('lists a failed and a successful sign-in, and records feedback from the administrator and the user', async () => {
  const { aws, sdk } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('events');
  await createConfirmedUser(sdk, poolId, username);

  await sdkError('NotAuthorizedException', signIn(clientId, username, PASSWORD2));
  assert.ok((await signIn(clientId, username, PASSWORD)).AuthenticationResult?.AccessToken);

  const events = await listWithCli(poolId, username);
  const [signedIn, failed] = events;
  assert.ok(events.length >= 2, JSON.stringify(events));
  for (const event of events) assert.match(event.EventId, UUID_RE);
  assert.equal(signedIn.EventType, 'SignIn');
  assert.equal(signedIn.EventResponse, 'Pass');
  assert.deepEqual(signedIn.ChallengeResponses, [{ ChallengeName: 'Password', ChallengeResponse: 'Success' }]);
  assert.deepEqual(signedIn.EventRisk, { RiskDecision: 'NoRisk', RiskLevel: 'Low', CompromisedCredentialsDetected: false });
  assert.equal(signedIn.EventContextData.IpAddress, '127.0.0.1');
  assert.match(signedIn.EventContextData.DeviceName, /aws-sdk-js/, 'the caller\'s user agent');
  assert.equal(failed.EventType, 'SignIn');
  assert.equal(failed.EventResponse, 'Fail');
  assert.deepEqual(failed.ChallengeResponses, [{ ChallengeName: 'Password', ChallengeResponse: 'Failure' }]);
  assert.ok(new Date(signedIn.CreationDate) >= new Date(failed.CreationDate), 'newest first');
  assert.ok(!('FeedbackToken' in signedIn), 'aws-cli drops members its model does not know');

  // The administrator judges the failed attempt.
  assertCliOk(await aws.run('admin-update-auth-event-feedback', '--user-pool-id', poolId, '--username', username,
    '--event-id', failed.EventId, '--feedback-value', 'Invalid'), 'admin-update-auth-event-feedback');
  const judged = (await listWithCli(poolId, username)).find((e) => e.EventId === failed.EventId);
  assert.equal(judged.EventFeedback?.FeedbackValue, 'Invalid');
  assert.equal(judged.EventFeedback?.Provider, 'Admin');
  assert.ok(judged.EventFeedback?.FeedbackDate, 'a FeedbackDate');

  // The user confirms the successful one with its token (unsigned, as Cognito's public operation).
  const raw = await listRaw(poolId, username);
  const token = raw.find((e) => e.EventId === signedIn.EventId)?.FeedbackToken;
  assert.match(token ?? '', /^[A-Za-z0-9_-]{43}$/);
  assertCliError(await aws.run('update-auth-event-feedback', '--user-pool-id', poolId, '--username', username,
    '--event-id', signedIn.EventId, '--feedback-token', raw.find((e) => e.EventId === failed.EventId).FeedbackToken,
    '--feedback-value', 'Valid'), 'NotAuthorizedException', 'another event\'s token');
  assertCliOk(await aws.run('update-auth-event-feedback', '--user-pool-id', poolId, '--username', username,
    '--event-id', signedIn.EventId, '--feedback-token', token, '--feedback-value', 'Valid'),
  'update-auth-event-feedback');
  const confirmed = (await listWithCli(poolId, username)).find((e) => e.EventId === signedIn.EventId);
  assert.equal(confirmed.EventFeedback?.FeedbackValue, 'Valid');
  assert.equal(confirmed.EventFeedback?.Provider, 'User');

  assertCliError(await aws.run('admin-update-auth-event-feedback', '--user-pool-id', poolId, '--username', username,
    '--event-id', '00000000-0000-0000-0000-000000000000', '--feedback-value', 'Valid'),
  'ResourceNotFoundException', 'an unknown event');
});

it('pages newest first with --max-results and --next-token', async () => {
  const { aws, sdk } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('paged');
  await createConfirmedUser(sdk, poolId, username);
  for (let i = 0; i < 3; i += 1) await signIn(clientId, username, PASSWORD);

  const all = await listRaw(poolId, username);
  assert.deepEqual(all.map((e) => e.EventType), ['SignIn', 'SignIn', 'SignIn', 'SignUp'], 'AdminCreateUser counts as the sign-up');
  const first = assertCliOk(await aws.run('admin-list-user-auth-events', '--user-pool-id', poolId, '--username', username,
    '--max-results', '2', '--no-paginate'), 'admin-list-user-auth-events');
  assert.equal(first.AuthEvents.length, 2);
  assert.ok(first.NextToken, 'a NextToken');
  const second = assertCliOk(await aws.run('admin-list-user-auth-events', '--user-pool-id', poolId, '--username', username,
    '--max-results', '2', '--next-token', first.NextToken, '--no-paginate'), 'admin-list-user-auth-events');
  assert.deepEqual([...first.AuthEvents, ...second.AuthEvents].map((e) => e.EventId), all.map((e) => e.EventId));
  assert.equal(second.NextToken, undefined);
});
