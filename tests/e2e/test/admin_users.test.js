// Admin user management through aws-cli: AdminCreateUser and the NEW_PASSWORD_REQUIRED
// challenge, disable/enable, set and reset passwords, attributes, delete, ListUsers.
// Each operation under test goes through aws-cli; set-up and state checks use the SDK, which is
// much faster (aws-cli costs about a second of CPU per call).
import assert from 'node:assert/strict';
import {
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminResetUserPasswordCommand,
  AdminSetUserPasswordCommand,
  AdminUpdateUserAttributesCommand,
  GetUserCommand,
  InitiateAuthCommand,
  ListUsersCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { sdkError } from '../lib/sdk.js';
import {
  PASSWORD, PASSWORD2, UUID_RE, adminSignIn, attrs, createClient, createConfirmedUser, createPool, it, jwt, stateOf,
  unique, useServer,
} from '../lib/util.js';

const ctx = useServer();

let setup;
function poolAndClient() {
  setup ??= (async () => {
    const poolId = await createPool(ctx.sdk, { PoolName: 'admin-users' });
    const { clientId } = await createClient(ctx.sdk, poolId);
    return { poolId, clientId };
  })();
  return setup;
}

/** ADMIN_USER_PASSWORD_AUTH through aws-cli. */
const cliAdminAuth = (poolId, clientId, username, password) => ctx.aws.call('admin-initiate-auth', {
  UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
  AuthParameters: { USERNAME: username, PASSWORD: password },
});

const state = (poolId, username) => stateOf(ctx.sdk, poolId, username);
const TEMP = 'Temp-Passw0rd!';

it('AdminCreateUser → FORCE_CHANGE_PASSWORD → NEW_PASSWORD_REQUIRED → tokens', async () => {
  const { aws, admin, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();

  // With a chosen temporary password; the invitation goes to the outbox.
  const created = await aws.ok('admin-create-user', {
    UserPoolId: poolId,
    Username: 'bob',
    TemporaryPassword: TEMP,
    UserAttributes: [{ Name: 'email', Value: 'bob@example.com' }, { Name: 'email_verified', Value: 'true' }],
    DesiredDeliveryMediums: ['EMAIL'],
  });
  const u = created.User;
  assert.equal(u.Username, 'bob');
  assert.equal(u.UserStatus, 'FORCE_CHANGE_PASSWORD');
  assert.equal(u.Enabled, true);
  assert.ok(u.UserCreateDate && u.UserLastModifiedDate);
  const uAttrs = attrs(u.Attributes);
  assert.match(uAttrs.sub, UUID_RE);
  assert.equal(uAttrs.email, 'bob@example.com');
  assert.equal(uAttrs.email_verified, 'true');

  const invites = await admin.listOutbox(poolId, 'bob');
  assert.equal(invites.length, 1, 'one invitation message');
  assert.equal(invites[0].DeliveryMedium, 'EMAIL');
  assert.equal(invites[0].Destination, 'bob@example.com');
  assert.ok(invites[0].Body.includes(TEMP), 'the invitation carries the temporary password');

  // Creating the same username again fails and changes nothing.
  const before = await state(poolId, 'bob');
  await aws.fails('UsernameExistsException', 'admin-create-user', { UserPoolId: poolId, Username: 'bob', MessageAction: 'SUPPRESS' });
  assert.deepEqual(await state(poolId, 'bob'), before);

  // Sign-in with the temporary password → NEW_PASSWORD_REQUIRED.
  const challenge = assertCliOk(await cliAdminAuth(poolId, clientId, 'bob', TEMP), 'admin-initiate-auth');
  assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  assert.equal(challenge.AuthenticationResult, undefined);
  assert.ok(challenge.Session && challenge.Session.length >= 20, 'a Session of 20+ characters');
  const cp = challenge.ChallengeParameters;
  assert.ok(Array.isArray(JSON.parse(cp.requiredAttributes)), 'requiredAttributes is a JSON array string');
  assert.equal(JSON.parse(cp.userAttributes).email, 'bob@example.com', 'userAttributes is a JSON object string');

  // A weak new password is refused; the user stays FORCE_CHANGE_PASSWORD.
  await aws.fails('InvalidPasswordException', 'admin-respond-to-auth-challenge', {
    UserPoolId: poolId, ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: challenge.Session,
    ChallengeResponses: { USERNAME: 'bob', NEW_PASSWORD: 'weak' },
  });
  assert.equal((await state(poolId, 'bob')).UserStatus, 'FORCE_CHANGE_PASSWORD');

  const fresh = await adminSignIn(sdk, poolId, clientId, 'bob', TEMP);
  assert.equal(fresh.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  const done = await aws.ok('admin-respond-to-auth-challenge', {
    UserPoolId: poolId, ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: fresh.Session,
    ChallengeResponses: { USERNAME: 'bob', NEW_PASSWORD: PASSWORD },
  });
  assert.equal(done.ChallengeName, undefined);
  const tokens = done.AuthenticationResult;
  assert.ok(tokens?.AccessToken && tokens.IdToken && tokens.RefreshToken);
  assert.equal(jwt(tokens.AccessToken).payload.username, 'bob');
  assert.equal((await state(poolId, 'bob')).UserStatus, 'CONFIRMED');
  await sdkError('NotAuthorizedException', adminSignIn(sdk, poolId, clientId, 'bob', TEMP));
  assert.ok((await adminSignIn(sdk, poolId, clientId, 'bob', PASSWORD)).AuthenticationResult, 'the new password works');
}, 90_000);

it('a generated temporary password, and the public RespondToAuthChallenge', async () => {
  const { aws, admin, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  await aws.ok('admin-create-user', {
    UserPoolId: poolId, Username: 'carl',
    UserAttributes: [{ Name: 'email', Value: 'carl@example.com' }, { Name: 'email_verified', Value: 'true' }],
    DesiredDeliveryMediums: ['EMAIL'],
  });
  const [invite] = await admin.listOutbox(poolId, 'carl');
  assert.ok(invite?.Code, 'the invitation records the generated temporary password as its Code');
  assert.ok(invite.Body.includes(invite.Code), 'the invitation body carries it');

  const pub = await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'carl', PASSWORD: invite.Code },
  }));
  assert.equal(pub.ChallengeName, 'NEW_PASSWORD_REQUIRED');
  const done = await aws.ok('respond-to-auth-challenge', {
    ClientId: clientId, ChallengeName: 'NEW_PASSWORD_REQUIRED', Session: pub.Session,
    ChallengeResponses: { USERNAME: 'carl', NEW_PASSWORD: PASSWORD2 },
  });
  assert.ok(done.AuthenticationResult?.AccessToken);
  assert.equal((await sdk.send(new GetUserCommand({ AccessToken: done.AuthenticationResult.AccessToken }))).Username, 'carl');
  assert.equal((await state(poolId, 'carl')).UserStatus, 'CONFIRMED');

  // MessageAction SUPPRESS sends nothing.
  await aws.ok('admin-create-user', { UserPoolId: poolId, Username: 'quiet', TemporaryPassword: TEMP, MessageAction: 'SUPPRESS' });
  assert.equal((await admin.listOutbox(poolId, 'quiet')).length, 0, 'SUPPRESS sends no invitation');
  await sdkError('InvalidPasswordException', sdk.send(new AdminCreateUserCommand({
    UserPoolId: poolId, Username: unique('weaktemp'), TemporaryPassword: 'weak', MessageAction: 'SUPPRESS',
  })));
});

it('AdminConfirmSignUp confirms a self-signed-up user', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('selfsign');
  await sdk.send(new SignUpCommand({ ClientId: clientId, Username: username, Password: PASSWORD }));
  assert.equal((await state(poolId, username)).UserStatus, 'UNCONFIRMED');
  assert.deepEqual(await aws.ok('admin-confirm-sign-up', { UserPoolId: poolId, Username: username }), {});
  assert.equal((await state(poolId, username)).UserStatus, 'CONFIRMED');
  assert.ok((await adminSignIn(sdk, poolId, clientId, username)).AuthenticationResult);
  await sdkError('UserNotFoundException', sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: unique('ghost') })));
});

it('disable and enable a user', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('dis');
  await createConfirmedUser(sdk, poolId, username);
  const tokens = (await adminSignIn(sdk, poolId, clientId, username)).AuthenticationResult;

  assert.deepEqual(await aws.ok('admin-disable-user', { UserPoolId: poolId, Username: username }), {});
  const disabled = await state(poolId, username);
  assert.equal(disabled.Enabled, false);
  assert.equal(disabled.UserStatus, 'CONFIRMED', 'disabling keeps the status');
  const e = assertCliError(await cliAdminAuth(poolId, clientId, username, PASSWORD), 'NotAuthorizedException');
  assert.equal(e.message, 'User is disabled.');
  await sdkError('NotAuthorizedException', sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken })));
  await sdkError('NotAuthorizedException', sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken },
  })));
  assert.deepEqual(await state(poolId, username), disabled, 'failed sign-ins leave the user as it was');

  assert.deepEqual(await aws.ok('admin-enable-user', { UserPoolId: poolId, Username: username }), {});
  assert.equal((await state(poolId, username)).Enabled, true);
  assert.ok((await adminSignIn(sdk, poolId, clientId, username)).AuthenticationResult, 'sign-in after enable');
  await sdkError('UserNotFoundException', sdk.send(new AdminDisableUserCommand({ UserPoolId: poolId, Username: unique('ghost') })));
});

it('AdminSetUserPassword: permanent, temporary, and policy checks', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('setpw');
  await createConfirmedUser(sdk, poolId, username);

  assert.deepEqual(await aws.ok('admin-set-user-password', { UserPoolId: poolId, Username: username, Password: PASSWORD2, Permanent: true }), {});
  assert.equal((await state(poolId, username)).UserStatus, 'CONFIRMED');
  await sdkError('NotAuthorizedException', adminSignIn(sdk, poolId, clientId, username, PASSWORD));
  assert.ok((await adminSignIn(sdk, poolId, clientId, username, PASSWORD2)).AuthenticationResult, 'the new password');

  const before = await state(poolId, username);
  const e = await aws.fails('InvalidPasswordException', 'admin-set-user-password', { UserPoolId: poolId, Username: username, Password: 'short', Permanent: true });
  assert.match(e.message, /^Password does not conform to policy/);
  assert.deepEqual(await state(poolId, username), before);
  assert.ok((await adminSignIn(sdk, poolId, clientId, username, PASSWORD2)).AuthenticationResult, 'password unchanged');

  await aws.ok('admin-set-user-password', { UserPoolId: poolId, Username: username, Password: 'Temp-Again-1!', Permanent: false });
  assert.equal((await state(poolId, username)).UserStatus, 'FORCE_CHANGE_PASSWORD');
  const challenge = await adminSignIn(sdk, poolId, clientId, username, 'Temp-Again-1!');
  assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');

  await sdkError('UserNotFoundException', sdk.send(new AdminSetUserPasswordCommand({
    UserPoolId: poolId, Username: unique('ghost'), Password: PASSWORD, Permanent: true,
  })));
});

it('AdminResetUserPassword → RESET_REQUIRED → PasswordResetRequiredException', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('reset');
  await createConfirmedUser(sdk, poolId, username, { attributes: { email: `${username}@example.com`, email_verified: 'true' } });

  assert.deepEqual(await aws.ok('admin-reset-user-password', { UserPoolId: poolId, Username: username }), {});
  assert.equal((await state(poolId, username)).UserStatus, 'RESET_REQUIRED');
  const e = assertCliError(await cliAdminAuth(poolId, clientId, username, PASSWORD), 'PasswordResetRequiredException');
  assert.equal(e.message, 'Password reset required for the user');
  await sdkError('PasswordResetRequiredException', sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD },
  })));
  assert.equal((await state(poolId, username)).UserStatus, 'RESET_REQUIRED');

  // An administrator can end it by setting a permanent password.
  await sdk.send(new AdminSetUserPasswordCommand({ UserPoolId: poolId, Username: username, Password: PASSWORD2, Permanent: true }));
  assert.equal((await state(poolId, username)).UserStatus, 'CONFIRMED');
  assert.ok((await adminSignIn(sdk, poolId, clientId, username, PASSWORD2)).AuthenticationResult);
  await sdkError('UserNotFoundException', sdk.send(new AdminResetUserPasswordCommand({ UserPoolId: poolId, Username: unique('ghost') })));
});

it('AdminUpdateUserAttributes and AdminDeleteUserAttributes', async () => {
  const { aws, sdk } = ctx;
  const { poolId } = await poolAndClient();
  const username = unique('attrs');
  await createConfirmedUser(sdk, poolId, username);
  const sub = (await state(poolId, username)).UserAttributes.sub;

  assert.deepEqual(await aws.ok('admin-update-user-attributes', {
    UserPoolId: poolId, Username: username,
    UserAttributes: [{ Name: 'given_name', Value: 'Ada' }, { Name: 'family_name', Value: 'Lovelace' }, { Name: 'locale', Value: 'en-GB' }],
  }), {});
  let a = (await state(poolId, username)).UserAttributes;
  assert.equal(a.given_name, 'Ada');
  assert.equal(a.family_name, 'Lovelace');
  assert.equal(a.locale, 'en-GB');
  assert.equal(a.sub, sub);

  await sdk.send(new AdminUpdateUserAttributesCommand({ UserPoolId: poolId, Username: username, UserAttributes: [{ Name: 'given_name', Value: 'Augusta' }] }));
  assert.equal((await state(poolId, username)).UserAttributes.given_name, 'Augusta');

  const before = await state(poolId, username);
  await Promise.all([
    aws.fails('InvalidParameterException', 'admin-update-user-attributes', {
      UserPoolId: poolId, Username: username, UserAttributes: [{ Name: 'no_such_attribute', Value: 'x' }],
    }),
    sdkError('InvalidParameterException', sdk.send(new AdminUpdateUserAttributesCommand({
      UserPoolId: poolId, Username: username, UserAttributes: [{ Name: 'given_name', Value: 'Ok' }, { Name: 'custom:undeclared', Value: 'x' }],
    }))),
    sdkError('UserNotFoundException', sdk.send(new AdminUpdateUserAttributesCommand({
      UserPoolId: poolId, Username: unique('ghost'), UserAttributes: [{ Name: 'given_name', Value: 'x' }],
    }))),
  ]);
  assert.deepEqual(await state(poolId, username), before, 'a rejected update changes no attribute, not even the valid ones');

  assert.deepEqual(await aws.ok('admin-delete-user-attributes', {
    UserPoolId: poolId, Username: username, UserAttributeNames: ['given_name', 'locale'],
  }), {});
  a = (await state(poolId, username)).UserAttributes;
  assert.equal(a.given_name, undefined);
  assert.equal(a.locale, undefined);
  assert.equal(a.family_name, 'Lovelace');
});

it('AdminDeleteUser removes the user', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('del');
  await createConfirmedUser(sdk, poolId, username);
  const tokens = (await adminSignIn(sdk, poolId, clientId, username)).AuthenticationResult;

  assert.deepEqual(await aws.ok('admin-delete-user', { UserPoolId: poolId, Username: username }), {});
  const e = await aws.fails('UserNotFoundException', 'admin-get-user', { UserPoolId: poolId, Username: username });
  assert.equal(e.message, 'User does not exist.');
  await sdkError('UserNotFoundException', adminSignIn(sdk, poolId, clientId, username));
  let stale;
  try {
    stale = await sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
  } catch (err) {
    stale = err;
  }
  assert.ok(['NotAuthorizedException', 'UserNotFoundException'].includes(stale.name),
    `tokens of a deleted user are refused, got ${stale.name ?? JSON.stringify(stale)}`);
  await sdkError('UserNotFoundException', sdk.send(new AdminDeleteUserCommand({ UserPoolId: poolId, Username: username })));

  // The name is free again, for a different user.
  await createConfirmedUser(sdk, poolId, username);
  assert.notEqual((await state(poolId, username)).UserAttributes.sub, jwt(tokens.AccessToken).payload.sub, 'a new sub');
});

it('ListUsers: Filter (= and ^=), Limit and PaginationToken', async () => {
  const { aws, sdk } = ctx;
  const poolId = await createPool(sdk, { PoolName: 'list-users' });
  const names = Array.from({ length: 7 }, (_, i) => `lu${i}`);
  await Promise.all(names.map((name, i) => sdk.send(new AdminCreateUserCommand({
    UserPoolId: poolId, Username: name, MessageAction: 'SUPPRESS', TemporaryPassword: TEMP,
    UserAttributes: [
      { Name: 'email', Value: i < 5 ? `${name}@example.com` : `${name}@other.test` },
      { Name: 'given_name', Value: i % 2 ? 'Odd' : 'Even' },
    ],
  }))));
  await Promise.all(['lu0', 'lu1'].map((name) => sdk.send(new AdminSetUserPasswordCommand({
    UserPoolId: poolId, Username: name, Password: PASSWORD, Permanent: true,
  }))));

  const [all, exact, prefix, odd, byStatus, byName, none] = await Promise.all([
    aws.ok('list-users', { UserPoolId: poolId }),
    aws.ok('list-users', { UserPoolId: poolId, Filter: 'email = "lu3@example.com"' }),
    aws.ok('list-users', { UserPoolId: poolId, Filter: 'email ^= "lu"' }),
    sdk.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'given_name = "Odd"' })),
    sdk.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'cognito:user_status = "CONFIRMED"' })),
    sdk.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'username ^= "lu1"' })),
    sdk.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'email = "nobody@example.com"' })),
  ]);
  assert.deepEqual(all.Users.map((u) => u.Username).sort(), names);
  assert.equal(all.PaginationToken, undefined, 'no PaginationToken on the last page');
  const lu3 = all.Users.find((u) => u.Username === 'lu3');
  assert.equal(lu3.UserStatus, 'FORCE_CHANGE_PASSWORD');
  assert.equal(lu3.Enabled, true);
  assert.ok(lu3.UserCreateDate && lu3.UserLastModifiedDate);
  assert.equal(attrs(lu3.Attributes).email, 'lu3@example.com');
  assert.deepEqual(exact.Users.map((u) => u.Username), ['lu3']);
  assert.equal(prefix.Users.length, 7);
  assert.deepEqual(odd.Users.map((u) => u.Username).sort(), ['lu1', 'lu3', 'lu5']);
  assert.deepEqual(byStatus.Users.map((u) => u.Username).sort(), ['lu0', 'lu1']);
  assert.deepEqual(byName.Users.map((u) => u.Username), ['lu1']);
  assert.deepEqual(none.Users, []);

  // Paging with aws-cli: 7 users, 3 per page → 3 + 3 + 1, every user exactly once.
  const seen = [];
  const sizes = [];
  let token;
  do {
    const page = await aws.ok('list-users', { UserPoolId: poolId, Limit: 3, ...(token ? { PaginationToken: token } : {}) });
    sizes.push(page.Users.length);
    seen.push(...page.Users.map((u) => u.Username));
    token = page.PaginationToken;
    assert.ok(sizes.length <= 5, 'paging terminates');
  } while (token);
  assert.deepEqual(sizes, [3, 3, 1]);
  assert.deepEqual([...seen].sort(), names, 'each user exactly once');

  // Paging a filtered listing (SDK): all 7 addresses start with "lu", 2 per page.
  const filtered = [];
  token = undefined;
  let pages = 0;
  do {
    const page = await sdk.send(new ListUsersCommand({
      UserPoolId: poolId, Filter: 'email ^= "lu"', Limit: 2, ...(token ? { PaginationToken: token } : {}),
    }));
    assert.ok(page.Users.length <= 2);
    filtered.push(...page.Users.map((u) => u.Username));
    token = page.PaginationToken;
    pages += 1;
    assert.ok(pages <= 6, 'paging terminates');
  } while (token);
  assert.deepEqual(filtered.sort(), names);

  await Promise.all([
    sdkError('InvalidParameterException', sdk.send(new ListUsersCommand({ UserPoolId: poolId, Filter: 'email == nonsense' }))),
    sdkError('ResourceNotFoundException', sdk.send(new ListUsersCommand({ UserPoolId: 'us-east-1_doesNotExist1' }))),
  ]);
}, 90_000);
