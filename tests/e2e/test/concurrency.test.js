// Racing writes through the SDK: uniqueness claims hold under concurrency, and concurrent
// independent writes are all kept.
import assert from 'node:assert/strict';
import {
  AdminAddUserToGroupCommand,
  AdminListGroupsForUserCommand,
  CreateGroupCommand,
  ListUsersCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { PASSWORD, attrs, createClient, createConfirmedUser, createPool, it, unique, useServer } from '../lib/util.js';

const ctx = useServer();
const N = 20;

async function listAll(sdk, poolId, filter) {
  const users = [];
  let token;
  do {
    const page = await sdk.send(new ListUsersCommand({
      UserPoolId: poolId, Limit: 60, ...(filter ? { Filter: filter } : {}), ...(token ? { PaginationToken: token } : {}),
    }));
    users.push(...page.Users);
    token = page.PaginationToken;
  } while (token);
  return users;
}

it(`${N} simultaneous SignUps of one username: exactly one succeeds`, async () => {
  const { sdk, admin } = ctx;
  const poolId = await createPool(sdk, { AutoVerifiedAttributes: ['email'] });
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('race');

  const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => sdk.send(new SignUpCommand({
    ClientId: clientId, Username: username, Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: `racer${i}@example.com` }],
  }))));
  const wins = results.filter((r) => r.status === 'fulfilled');
  const losses = results.filter((r) => r.status === 'rejected');
  const lossNames = losses.map((r) => r.reason?.name);
  assert.equal(wins.length, 1, `exactly one success, got ${wins.length}; errors: ${JSON.stringify(lossNames)}`);
  assert.deepEqual(lossNames, Array(N - 1).fill('UsernameExistsException'));

  const users = await listAll(sdk, poolId);
  assert.equal(users.length, 1, 'one user in the pool');
  assert.equal(users[0].Username, username);
  assert.equal(attrs(users[0].Attributes).sub, wins[0].value.UserSub, 'the stored user is the winner');
  const messages = await admin.listOutbox(poolId, username);
  assert.equal(messages.length, 1, 'losers sent no message');
  assert.equal(messages[0].Destination, attrs(users[0].Attributes).email, 'the message went to the winner');
}, 60_000);

it(`${N} simultaneous SignUps of one email in an email-as-username pool: exactly one succeeds`, async () => {
  const { sdk } = ctx;
  const poolId = await createPool(sdk, { UsernameAttributes: ['email'] });
  const { clientId } = await createClient(sdk, poolId);
  const email = `${unique('same')}@example.com`;
  const results = await Promise.allSettled(Array.from({ length: N }, () => sdk.send(new SignUpCommand({
    ClientId: clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }],
  }))));
  const wins = results.filter((r) => r.status === 'fulfilled');
  const lossNames = results.filter((r) => r.status === 'rejected').map((r) => r.reason?.name);
  assert.equal(wins.length, 1, `exactly one success; errors: ${JSON.stringify(lossNames)}`);
  assert.deepEqual(lossNames, Array(N - 1).fill('UsernameExistsException'));
  assert.equal((await listAll(sdk, poolId)).length, 1);
}, 60_000);

it(`${N} simultaneous SignUps of different usernames: all are kept`, async () => {
  const { sdk } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);
  const names = Array.from({ length: N }, (_, i) => `${unique('many')}-${i}`);
  const results = await Promise.allSettled(names.map((name) => sdk.send(new SignUpCommand({
    ClientId: clientId, Username: name, Password: PASSWORD,
  }))));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => `${r.reason?.name}: ${r.reason?.message}`);
  assert.deepEqual(failures, []);
  const subs = new Set(results.map((r) => r.value.UserSub));
  assert.equal(subs.size, N, 'every user has its own sub');
  const users = await listAll(sdk, poolId);
  assert.deepEqual(users.map((u) => u.Username).sort(), [...names].sort());
}, 60_000);

it('simultaneous group additions for one user are all kept', async () => {
  const { sdk } = ctx;
  const poolId = await createPool(sdk);
  const username = unique('joiner');
  await createConfirmedUser(sdk, poolId, username);
  const groups = Array.from({ length: 10 }, (_, i) => `g${i}-${unique('')}`);
  await Promise.all(groups.map((GroupName, i) => sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName, Precedence: i }))));
  await Promise.all(groups.map((GroupName) => sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName }))));
  const listed = (await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: username, Limit: 60 }))).Groups;
  assert.deepEqual(listed.map((g) => g.GroupName).sort(), [...groups].sort());
}, 60_000);
