// The core flow through @aws-sdk/client-cognito-identity-provider (v3): SignUp, ConfirmSignUp,
// InitiateAuth, GetUser, GetTokensFromRefreshToken, RevokeToken; and the access-token operations
// (attributes, ChangePassword, DeleteUser, GlobalSignOut, AdminUserGlobalSignOut).
import assert from 'node:assert/strict';
import {
  AdminGetUserCommand,
  AdminUserGlobalSignOutCommand,
  ChangePasswordCommand,
  ConfirmSignUpCommand,
  DeleteUserAttributesCommand,
  DeleteUserCommand,
  GetTokensFromRefreshTokenCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  NotAuthorizedException,
  RevokeTokenCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  UsernameExistsException,
} from '@aws-sdk/client-cognito-identity-provider';
import { sdkError } from '../lib/sdk.js';
import {
  PASSWORD, PASSWORD2, UUID_RE, attrs, createClient, createConfirmedUser, createPool, it, jwt, unique,
  useServer, verifyWithAwsJwtVerify, verifyWithJose,
} from '../lib/util.js';

const ctx = useServer();

let setup;
function poolAndClient() {
  setup ??= (async () => {
    const poolId = await createPool(ctx.sdk, { AutoVerifiedAttributes: ['email'] });
    const { clientId } = await createClient(ctx.sdk, poolId, {
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      EnableTokenRevocation: true,
    });
    return { poolId, clientId };
  })();
  return setup;
}

const signIn = async (clientId, username, password = PASSWORD) => (await ctx.sdk.send(new InitiateAuthCommand({
  ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password },
}))).AuthenticationResult;

it('SignUp → ConfirmSignUp → InitiateAuth → GetUser → GetTokensFromRefreshToken → RevokeToken', async () => {
  const { sdk, admin, endpoint } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('sdk');
  const email = `${username}@example.com`;

  const signed = await sdk.send(new SignUpCommand({
    ClientId: clientId, Username: username, Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: email }, { Name: 'given_name', Value: 'Grace' }],
  }));
  assert.equal(signed.UserConfirmed, false);
  assert.match(signed.UserSub, UUID_RE);
  assert.equal(signed.CodeDeliveryDetails?.DeliveryMedium, 'EMAIL');
  assert.equal(signed.$metadata.httpStatusCode, 200);

  const dup = await sdkError('UsernameExistsException', sdk.send(new SignUpCommand({
    ClientId: clientId, Username: username, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }],
  })));
  assert.ok(dup instanceof UsernameExistsException, 'the SDK maps __type to its exception class');

  const code = await admin.latestCode(poolId, username);
  await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: code }));

  const tokens = await signIn(clientId, username);
  assert.ok(tokens.AccessToken && tokens.IdToken && tokens.RefreshToken);
  assert.equal(tokens.TokenType, 'Bearer');
  assert.equal(tokens.ExpiresIn, 3600);
  const id = await verifyWithAwsJwtVerify(tokens.IdToken, { endpoint, poolId, clientId, tokenUse: 'id' });
  assert.equal(id.sub, signed.UserSub);
  assert.equal(id.given_name, 'Grace');

  const me = await sdk.send(new GetUserCommand({ AccessToken: tokens.AccessToken }));
  assert.equal(me.Username, username);
  assert.equal(attrs(me.UserAttributes).email, email);
  assert.equal(attrs(me.UserAttributes).sub, signed.UserSub);

  // GetTokensFromRefreshToken (what Amplify v6 calls)
  const refreshed = (await sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: clientId, RefreshToken: tokens.RefreshToken,
  }))).AuthenticationResult;
  assert.ok(refreshed.AccessToken && refreshed.IdToken, 'new access and ID tokens');
  assert.equal(refreshed.ExpiresIn, 3600);
  const rAccess = await verifyWithJose(refreshed.AccessToken, { endpoint, poolId });
  assert.equal(rAccess.origin_jti, jwt(tokens.AccessToken).payload.origin_jti);
  assert.equal((await sdk.send(new GetUserCommand({ AccessToken: refreshed.AccessToken }))).Username, username);
  // Without rotation the refresh token stays the same (or none is returned).
  const refreshToken = refreshed.RefreshToken ?? tokens.RefreshToken;

  // REFRESH_TOKEN_AUTH through InitiateAuth still works too.
  const viaInitiate = (await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken },
  }))).AuthenticationResult;
  assert.ok(viaInitiate.AccessToken);

  // RevokeToken revokes the refresh token and every access token minted from it.
  const revoked = await sdk.send(new RevokeTokenCommand({ ClientId: clientId, Token: refreshToken }));
  assert.equal(revoked.$metadata.httpStatusCode, 200);
  const err = await sdkError('NotAuthorizedException', sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: clientId, RefreshToken: refreshToken,
  })));
  assert.ok(err instanceof NotAuthorizedException);
  await sdkError('NotAuthorizedException', sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: refreshToken },
  })));
  for (const t of [tokens.AccessToken, refreshed.AccessToken, viaInitiate.AccessToken]) {
    const e = await sdkError('NotAuthorizedException', sdk.send(new GetUserCommand({ AccessToken: t })));
    assert.match(e.message, /Access Token has been revoked/);
  }

  // A new sign-in is a new session, unaffected.
  const again = await signIn(clientId, username);
  assert.notEqual(jwt(again.AccessToken).payload.origin_jti, jwt(tokens.AccessToken).payload.origin_jti);
  assert.equal((await sdk.send(new GetUserCommand({ AccessToken: again.AccessToken }))).Username, username);

  // Revoking garbage, or with another client, is refused.
  await sdkError('UnsupportedTokenTypeException', sdk.send(new RevokeTokenCommand({ ClientId: clientId, Token: again.AccessToken })));
  const other = await createClient(sdk, poolId, { ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'] });
  await sdkError('NotAuthorizedException', sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: other.clientId, RefreshToken: again.RefreshToken,
  })));
  assert.ok((await sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: again.RefreshToken }))).AuthenticationResult);
}, 60_000);

it('UpdateUserAttributes and DeleteUserAttributes with the access token', async () => {
  const { sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('selfattr');
  await createConfirmedUser(sdk, poolId, username, { attributes: { email: `${username}@example.com`, email_verified: 'true' } });
  const { AccessToken } = await signIn(clientId, username);

  const upd = await sdk.send(new UpdateUserAttributesCommand({
    AccessToken, UserAttributes: [{ Name: 'given_name', Value: 'Linus' }, { Name: 'nickname', Value: 'lt' }],
  }));
  assert.equal(upd.$metadata.httpStatusCode, 200);
  let a = attrs((await sdk.send(new GetUserCommand({ AccessToken }))).UserAttributes);
  assert.equal(a.given_name, 'Linus');
  assert.equal(a.nickname, 'lt');

  await sdkError('InvalidParameterException', sdk.send(new UpdateUserAttributesCommand({
    AccessToken, UserAttributes: [{ Name: 'nickname', Value: 'changed' }, { Name: 'not_an_attribute', Value: 'x' }],
  })));
  a = attrs((await sdk.send(new GetUserCommand({ AccessToken }))).UserAttributes);
  assert.equal(a.nickname, 'lt', 'a rejected update changes nothing');

  await sdk.send(new DeleteUserAttributesCommand({ AccessToken, UserAttributeNames: ['nickname'] }));
  a = attrs((await sdk.send(new GetUserCommand({ AccessToken }))).UserAttributes);
  assert.equal(a.nickname, undefined);
  assert.equal(a.given_name, 'Linus');

  // Tokens minted now carry the new attributes.
  const id = jwt((await signIn(clientId, username)).IdToken).payload;
  assert.equal(id.given_name, 'Linus');
  assert.equal(id.nickname, undefined);

  await sdkError('NotAuthorizedException', sdk.send(new GetUserCommand({ AccessToken: 'not-a-token' })));
});

it('ChangePassword', async () => {
  const { sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('chpw');
  await createConfirmedUser(sdk, poolId, username);
  const { AccessToken } = await signIn(clientId, username);

  await sdkError('NotAuthorizedException', sdk.send(new ChangePasswordCommand({
    AccessToken, PreviousPassword: 'Not-The-Password-1', ProposedPassword: PASSWORD2,
  })));
  await sdkError('InvalidPasswordException', sdk.send(new ChangePasswordCommand({
    AccessToken, PreviousPassword: PASSWORD, ProposedPassword: 'weak',
  })));
  assert.ok(await signIn(clientId, username, PASSWORD), 'password unchanged after the failures');

  await sdk.send(new ChangePasswordCommand({ AccessToken, PreviousPassword: PASSWORD, ProposedPassword: PASSWORD2 }));
  await sdkError('NotAuthorizedException', signIn(clientId, username, PASSWORD));
  assert.ok(await signIn(clientId, username, PASSWORD2));
});

it('GlobalSignOut and AdminUserGlobalSignOut revoke the user\'s tokens', async () => {
  const { sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('gso');
  await createConfirmedUser(sdk, poolId, username);

  const first = await signIn(clientId, username);
  const second = await signIn(clientId, username);
  await sdk.send(new GlobalSignOutCommand({ AccessToken: first.AccessToken }));
  for (const t of [first, second]) {
    await sdkError('NotAuthorizedException', sdk.send(new GetUserCommand({ AccessToken: t.AccessToken })));
    await sdkError('NotAuthorizedException', sdk.send(new GetTokensFromRefreshTokenCommand({ ClientId: clientId, RefreshToken: t.RefreshToken })));
  }

  const third = await signIn(clientId, username);
  assert.ok(await sdk.send(new GetUserCommand({ AccessToken: third.AccessToken })));
  await sdk.send(new AdminUserGlobalSignOutCommand({ UserPoolId: poolId, Username: username }));
  await sdkError('NotAuthorizedException', sdk.send(new GetUserCommand({ AccessToken: third.AccessToken })));
  await sdkError('NotAuthorizedException', sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: third.RefreshToken },
  })));
  assert.ok(await signIn(clientId, username), 'signing in again works');
  await sdkError('UserNotFoundException', sdk.send(new AdminUserGlobalSignOutCommand({ UserPoolId: poolId, Username: unique('ghost') })));
});

it('DeleteUser with the access token', async () => {
  const { sdk } = ctx;
  const { poolId, clientId } = await poolAndClient();
  const username = unique('bye');
  await createConfirmedUser(sdk, poolId, username);
  const { AccessToken } = await signIn(clientId, username);
  await sdk.send(new DeleteUserCommand({ AccessToken }));
  await sdkError('UserNotFoundException', sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username })));
  await sdkError('UserNotFoundException', signIn(clientId, username));
});
