// Groups through aws-cli: create/get/update/list/delete, membership, and cognito:groups (ordered
// by precedence), cognito:roles and cognito:preferred_role in tokens. Set-up, paging and
// repeated checks use the SDK (aws-cli costs about a second of CPU per call).
import assert from 'node:assert/strict';
import {
  AdminAddUserToGroupCommand,
  AdminInitiateAuthCommand,
  AdminListGroupsForUserCommand,
  CreateGroupCommand,
  DeleteGroupCommand,
  GetGroupCommand,
  ListGroupsCommand,
  ListUsersInGroupCommand,
  UpdateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { assertCliOk } from '../lib/aws.js';
import { sdkError } from '../lib/sdk.js';
import { adminSignIn, createClient, createConfirmedUser, createPool, it, jwt, unique, useServer } from '../lib/util.js';

const ctx = useServer();

const ROLE_READERS = 'arn:aws:iam::123456789012:role/Readers';
const ROLE_ADMINS = 'arn:aws:iam::123456789012:role/Admins';

let setup;
function poolAndClient() {
  setup ??= (async () => {
    const poolId = await createPool(ctx.sdk, { PoolName: 'groups' });
    const { clientId } = await createClient(ctx.sdk, poolId);
    return { poolId, clientId };
  })();
  return setup;
}

const signIn = async (poolId, clientId, username) =>
  (await adminSignIn(ctx.sdk, poolId, clientId, username)).AuthenticationResult;

const groupNames = (groups) => groups.map((g) => g.GroupName);

it('creates, gets, updates, lists and deletes groups', async () => {
  const { aws, sdk } = ctx;
  const { poolId } = await poolAndClient();
  const g = unique('team-');

  const created = assertCliOk(await aws.run('create-group',
    '--user-pool-id', poolId, '--group-name', g,
    '--description', 'The team', '--precedence', '7', '--role-arn', ROLE_ADMINS), 'create-group');
  assert.equal(created.Group.GroupName, g);
  assert.equal(created.Group.UserPoolId, poolId);
  assert.equal(created.Group.Description, 'The team');
  assert.equal(created.Group.Precedence, 7);
  assert.equal(created.Group.RoleArn, ROLE_ADMINS);
  assert.ok(created.Group.CreationDate && created.Group.LastModifiedDate);

  const others = [unique('x-'), unique('y-')];
  const [dupErr, got] = await Promise.all([
    aws.fails('GroupExistsException', 'create-group', { UserPoolId: poolId, GroupName: g }),
    aws.ok('get-group', { UserPoolId: poolId, GroupName: g }),
    ...others.map((GroupName) => sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName }))),
  ]);
  assert.ok(dupErr);
  assert.deepEqual(got.Group, created.Group);

  const updated = (await aws.ok('update-group', {
    UserPoolId: poolId, GroupName: g, Description: 'Renamed team', Precedence: 2, RoleArn: ROLE_ADMINS,
  })).Group;
  assert.equal(updated.Description, 'Renamed team');
  assert.equal(updated.Precedence, 2);
  const got2 = (await sdk.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: g }))).Group;
  assert.equal(got2.Description, 'Renamed team');
  assert.equal(got2.Precedence, 2);
  assert.equal(got2.RoleArn, ROLE_ADMINS);
  assert.equal(got2.CreationDate.getTime(), new Date(got.Group.CreationDate).getTime());

  const all = await aws.ok('list-groups', { UserPoolId: poolId });
  const names = groupNames(all.Groups);
  for (const name of [g, ...others]) assert.ok(names.includes(name), `${name} is listed`);
  assert.equal(all.Groups.find((x) => x.GroupName === g).Description, 'Renamed team');

  const listed = [];
  let token;
  let pages = 0;
  do {
    const page = await sdk.send(new ListGroupsCommand({ UserPoolId: poolId, Limit: 2, ...(token ? { NextToken: token } : {}) }));
    assert.ok(page.Groups.length <= 2, 'Limit is honoured');
    listed.push(...groupNames(page.Groups));
    token = page.NextToken;
    pages += 1;
    assert.ok(pages < 50, 'paging terminates');
  } while (token);
  assert.deepEqual([...listed].sort(), [...names].sort(), 'paging lists every group once');

  assert.deepEqual(await aws.ok('delete-group', { UserPoolId: poolId, GroupName: g }), {});
  await Promise.all([
    sdkError('ResourceNotFoundException', sdk.send(new GetGroupCommand({ UserPoolId: poolId, GroupName: g }))),
    sdkError('ResourceNotFoundException', sdk.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: g }))),
    sdkError('ResourceNotFoundException', sdk.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: g, Description: 'x' }))),
  ]);
  const left = groupNames((await sdk.send(new ListGroupsCommand({ UserPoolId: poolId }))).Groups);
  assert.ok(!left.includes(g), 'a deleted group is not listed');
  await Promise.all(others.map((GroupName) => sdk.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName }))));
}, 90_000);

it('membership, and cognito:groups in tokens ordered by precedence', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('member');
  const other = unique('other');
  await Promise.all([createConfirmedUser(sdk, poolId, username), createConfirmedUser(sdk, poolId, other)]);
  const [readers, editors, admins] = [unique('readers-'), unique('editors-'), unique('admins-')];
  await Promise.all([
    sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: readers, Precedence: 0, RoleArn: ROLE_READERS })),
    sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: editors, Precedence: 3 })),
    sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: admins, Precedence: 5, RoleArn: ROLE_ADMINS })),
  ]);

  // Added in an order that is neither alphabetical nor by precedence.
  assert.deepEqual(await aws.ok('admin-add-user-to-group', { UserPoolId: poolId, Username: username, GroupName: admins }), {});
  for (const GroupName of [readers, editors]) {
    await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName }));
  }
  // Adding twice is not an error.
  await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: username, GroupName: admins }));
  await sdk.send(new AdminAddUserToGroupCommand({ UserPoolId: poolId, Username: other, GroupName: admins }));

  const [groups, inAdmins] = await Promise.all([
    aws.ok('admin-list-groups-for-user', { UserPoolId: poolId, Username: username }),
    aws.ok('list-users-in-group', { UserPoolId: poolId, GroupName: admins }),
  ]);
  assert.deepEqual(groupNames(groups.Groups).sort(), [admins, editors, readers].sort());
  const adminsDesc = groups.Groups.find((x) => x.GroupName === admins);
  assert.equal(adminsDesc.Precedence, 5);
  assert.equal(adminsDesc.UserPoolId, poolId);
  assert.deepEqual(inAdmins.Users.map((u) => u.Username).sort(), [username, other].sort());
  assert.ok(inAdmins.Users.every((u) => u.UserStatus === 'CONFIRMED' && u.Enabled === true && Array.isArray(u.Attributes)));

  const inEditors = await sdk.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: editors }));
  assert.deepEqual(inEditors.Users.map((u) => u.Username), [username]);
  const page = await sdk.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: admins, Limit: 1 }));
  assert.equal(page.Users.length, 1);
  assert.ok(page.NextToken, 'a NextToken when more members remain');
  const page2 = await sdk.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: admins, Limit: 1, NextToken: page.NextToken }));
  assert.deepEqual([page.Users[0].Username, page2.Users[0].Username].sort(), [username, other].sort());

  // Tokens: cognito:groups in both, lowest precedence first; roles in the ID token only.
  const tokens = await signIn(poolId, clientId, username);
  const id = jwt(tokens.IdToken).payload;
  const access = jwt(tokens.AccessToken).payload;
  assert.deepEqual(id['cognito:groups'], [readers, editors, admins]);
  assert.deepEqual(access['cognito:groups'], [readers, editors, admins]);
  assert.deepEqual([...id['cognito:roles']].sort(), [ROLE_ADMINS, ROLE_READERS].sort());
  assert.equal(id['cognito:preferred_role'], ROLE_READERS, 'the role of the lowest-precedence group');
  assert.equal(access['cognito:roles'], undefined);

  // Removing a membership shows in the next refresh.
  assert.deepEqual(await aws.ok('admin-remove-user-from-group', { UserPoolId: poolId, Username: username, GroupName: editors }), {});
  const after = await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: username }));
  assert.deepEqual(groupNames(after.Groups).sort(), [admins, readers].sort());
  assert.deepEqual((await sdk.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: editors }))).Users, []);
  const refreshed = (await sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: poolId, ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH',
    AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken },
  }))).AuthenticationResult;
  assert.deepEqual(jwt(refreshed.AccessToken).payload['cognito:groups'], [readers, admins]);
  assert.deepEqual(jwt(refreshed.IdToken).payload['cognito:groups'], [readers, admins]);

  // A new precedence reorders the claim.
  await sdk.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: admins, Precedence: 0, RoleArn: ROLE_ADMINS }));
  await sdk.send(new UpdateGroupCommand({ UserPoolId: poolId, GroupName: readers, Precedence: 9, RoleArn: ROLE_READERS }));
  const reordered = await signIn(poolId, clientId, username);
  assert.deepEqual(jwt(reordered.AccessToken).payload['cognito:groups'], [admins, readers]);
  assert.equal(jwt(reordered.IdToken).payload['cognito:preferred_role'], ROLE_ADMINS);

  // Deleting a group removes it from its members.
  await sdk.send(new DeleteGroupCommand({ UserPoolId: poolId, GroupName: admins }));
  const left = await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: username }));
  assert.deepEqual(groupNames(left.Groups), [readers]);
  assert.deepEqual((await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: other }))).Groups, []);
  const last = await signIn(poolId, clientId, username);
  assert.deepEqual(jwt(last.AccessToken).payload['cognito:groups'], [readers]);

  // A user in no group has no cognito:groups claim.
  const none = await signIn(poolId, clientId, other);
  assert.equal(jwt(none.AccessToken).payload['cognito:groups'], undefined);
  assert.equal(jwt(none.IdToken).payload['cognito:groups'], undefined);
}, 90_000);

it('membership errors: unknown group, unknown user', async () => {
  const { aws, sdk } = ctx;
  const { poolId } = await poolAndClient();
  const username = unique('lonely');
  await createConfirmedUser(sdk, poolId, username);
  const g = unique('real-');
  await sdk.send(new CreateGroupCommand({ UserPoolId: poolId, GroupName: g }));

  await Promise.all([
    aws.fails('ResourceNotFoundException', 'admin-add-user-to-group', { UserPoolId: poolId, Username: username, GroupName: unique('nope-') }),
    aws.fails('UserNotFoundException', 'admin-add-user-to-group', { UserPoolId: poolId, Username: unique('ghost'), GroupName: g }),
    sdkError('UserNotFoundException', sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: unique('ghost') }))),
    sdkError('ResourceNotFoundException', sdk.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: unique('nope-') }))),
    sdkError('ResourceNotFoundException', sdk.send(new CreateGroupCommand({ UserPoolId: 'us-east-1_doesNotExist1', GroupName: 'g' }))),
  ]);
  assert.deepEqual((await sdk.send(new AdminListGroupsForUserCommand({ UserPoolId: poolId, Username: username }))).Groups, []);
  assert.deepEqual((await sdk.send(new ListUsersInGroupCommand({ UserPoolId: poolId, GroupName: g }))).Users, []);
});
