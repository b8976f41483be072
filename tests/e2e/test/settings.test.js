// Pool and client settings: email as username, email alias, custom attributes, password policy,
// client secrets (SECRET_HASH), PreventUserExistenceErrors, token validity, JWKS and discovery.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  AdminConfirmSignUpCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  ConfirmSignUpCommand,
  DescribeUserPoolCommand,
  GetTokensFromRefreshTokenCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { sdkError } from '../lib/sdk.js';
import {
  PASSWORD, UUID_RE, attrs, createClient, createConfirmedUser, createPool, getJson, issuerOf, it, jwksUriOf, jwt,
  secretHash, unique, useServer, verifyWithAwsJwtVerify, verifyWithJose,
} from '../lib/util.js';

const ctx = useServer();

const passwordAuth = (clientId, username, password = PASSWORD, extra = {}) => ctx.sdk.send(new InitiateAuthCommand({
  ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD: password, ...extra },
}));

it('UsernameAttributes [email]: the email is typed as the username, the sub is the real one', async () => {
  const { sdk } = ctx;
  const poolId = await createPool(sdk, { UsernameAttributes: ['email'] });
  const { clientId } = await createClient(sdk, poolId);
  const email = `${unique('carol')}@example.com`;

  const signed = await sdk.send(new SignUpCommand({
    ClientId: clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }],
  }));
  const user = await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: email }));
  assert.equal(user.Username, signed.UserSub, 'the internal username is the sub');
  assert.match(user.Username, UUID_RE);
  assert.equal(attrs(user.UserAttributes).email, email);

  await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: email }));
  const tokens = (await passwordAuth(clientId, email)).AuthenticationResult;
  const id = jwt(tokens.IdToken).payload;
  const access = jwt(tokens.AccessToken).payload;
  assert.equal(id['cognito:username'], signed.UserSub);
  assert.equal(access.username, signed.UserSub);
  assert.equal(id.email, email);
  // The sub (internal username) signs in too.
  assert.ok((await passwordAuth(clientId, signed.UserSub)).AuthenticationResult);

  const e = await sdkError('UsernameExistsException', sdk.send(new SignUpCommand({
    ClientId: clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }],
  })));
  assert.equal(e.message, 'An account with the given email already exists.');
  await sdkError('InvalidParameterException', sdk.send(new SignUpCommand({
    ClientId: clientId, Username: 'not-an-email', Password: PASSWORD,
  })));
});

it('AliasAttributes [email]: a verified email signs in, an unverified one does not', async () => {
  const { sdk, admin } = ctx;
  const poolId = await createPool(sdk, { AliasAttributes: ['email'], AutoVerifiedAttributes: ['email'] });
  const { clientId } = await createClient(sdk, poolId);
  const dave = unique('dave');
  const daveEmail = `${dave}@example.com`;

  await sdk.send(new SignUpCommand({
    ClientId: clientId, Username: dave, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: daveEmail }],
  }));
  await sdk.send(new ConfirmSignUpCommand({
    ClientId: clientId, Username: dave, ConfirmationCode: await admin.latestCode(poolId, dave),
  }));
  const tokens = (await passwordAuth(clientId, daveEmail)).AuthenticationResult;
  assert.equal(jwt(tokens.AccessToken).payload.username, dave, 'signing in by alias yields the real username');
  assert.equal(jwt(tokens.IdToken).payload['cognito:username'], dave);
  // The alias works wherever a Username is taken.
  assert.equal((await sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: daveEmail }))).Username, dave);

  // Confirmed by an administrator: the email is not verified, so it is no alias yet.
  const erin = unique('erin');
  const erinEmail = `${erin}@example.com`;
  await sdk.send(new SignUpCommand({
    ClientId: clientId, Username: erin, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: erinEmail }],
  }));
  await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: poolId, Username: erin }));
  await sdkError('UserNotFoundException', passwordAuth(clientId, erinEmail));
  assert.ok((await passwordAuth(clientId, erin)).AuthenticationResult, 'the username still signs in');

  // In an alias pool a username may not look like an email.
  await sdkError('InvalidParameterException', sdk.send(new SignUpCommand({
    ClientId: clientId, Username: `${unique('x')}@example.com`, Password: PASSWORD,
  })));
});

it('custom attributes: declared in the schema, carried in the ID token as strings', async () => {
  const { sdk } = ctx;
  const poolId = await createPool(sdk, {
    Schema: [
      { Name: 'tier', AttributeDataType: 'String', Mutable: true, StringAttributeConstraints: { MinLength: '1', MaxLength: '10' } },
      { Name: 'seats', AttributeDataType: 'Number', Mutable: true, NumberAttributeConstraints: { MinValue: '0', MaxValue: '100' } },
    ],
  });
  const pool = (await sdk.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool;
  const names = pool.SchemaAttributes.map((a) => a.Name);
  assert.ok(names.includes('custom:tier') && names.includes('custom:seats'), `schema: ${names}`);

  const { clientId } = await createClient(sdk, poolId);
  const username = unique('cust');
  await createConfirmedUser(sdk, poolId, username, { attributes: { 'custom:tier': 'gold', 'custom:seats': '12' } });
  const tokens = (await passwordAuth(clientId, username)).AuthenticationResult;
  const id = jwt(tokens.IdToken).payload;
  assert.equal(id['custom:tier'], 'gold');
  assert.equal(id['custom:seats'], '12', 'custom attributes are strings in tokens');
  assert.equal(jwt(tokens.AccessToken).payload['custom:tier'], undefined, 'the access token carries no attributes');

  await sdkError('InvalidParameterException', sdk.send(new SignUpCommand({
    ClientId: clientId, Username: unique('cust'), Password: PASSWORD,
    UserAttributes: [{ Name: 'custom:undeclared', Value: 'x' }],
  })));
  await sdkError('InvalidParameterException', sdk.send(new SignUpCommand({
    ClientId: clientId, Username: unique('cust'), Password: PASSWORD,
    UserAttributes: [{ Name: 'custom:tier', Value: 'far-too-long-for-ten' }],
  })));
});

it('password policy is enforced as configured', async () => {
  const { sdk } = ctx;
  const lax = await createPool(sdk, {
    Policies: { PasswordPolicy: { MinimumLength: 6, RequireUppercase: false, RequireLowercase: false, RequireNumbers: false, RequireSymbols: false } },
  });
  const laxClient = (await createClient(sdk, lax)).clientId;
  await sdk.send(new SignUpCommand({ ClientId: laxClient, Username: unique('lax'), Password: 'abcdef' }));
  const short = await sdkError('InvalidPasswordException', sdk.send(new SignUpCommand({ ClientId: laxClient, Username: unique('lax'), Password: 'abcde' })));
  assert.match(short.message, /^Password did not conform with policy: Password not long enough/);

  const strict = await createPool(sdk, {
    Policies: { PasswordPolicy: { MinimumLength: 12, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true } },
  });
  const strictClient = (await createClient(sdk, strict)).clientId;
  const cases = [
    ['Aa1!aaaaaaa', /not long enough/],
    ['aaaaaaaaaa1!', /uppercase/],
    ['AAAAAAAAAA1!', /lowercase/],
    ['Aaaaaaaaaaa!', /numeric/],
    ['Aaaaaaaaaaa1', /symbol/],
  ];
  for (const [pw, why] of cases) {
    const e = await sdkError('InvalidPasswordException', sdk.send(new SignUpCommand({ ClientId: strictClient, Username: unique('strict'), Password: pw })));
    assert.match(e.message, /^Password did not conform with policy: /);
    assert.match(e.message, why, `${pw}: ${e.message}`);
  }
  await sdk.send(new SignUpCommand({ ClientId: strictClient, Username: unique('strict'), Password: 'Aaaaaaaaaa1!' }));
});

it('client secret: SECRET_HASH is required and verified', async () => {
  const { sdk, admin } = ctx;
  const poolId = await createPool(sdk, { AutoVerifiedAttributes: ['email'] });
  const { clientId, clientSecret } = await createClient(sdk, poolId, { GenerateSecret: true });
  assert.ok(clientSecret, 'GenerateSecret gives a secret');
  const username = unique('secret');
  const hash = secretHash(clientSecret, username, clientId);
  const input = {
    ClientId: clientId, Username: username, Password: PASSWORD,
    UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }],
  };

  const missing = await sdkError('NotAuthorizedException', sdk.send(new SignUpCommand(input)));
  assert.equal(missing.message, `Client ${clientId} is configured for secret but secret was not received`);
  const wrong = await sdkError('NotAuthorizedException', sdk.send(new SignUpCommand({
    ...input, SecretHash: secretHash('not-the-secret', username, clientId),
  })));
  assert.equal(wrong.message, `Unable to verify secret hash for client ${clientId}`);
  await sdkError('UserNotFoundException', sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: username })));

  await sdk.send(new SignUpCommand({ ...input, SecretHash: hash }));
  const code = await admin.latestCode(poolId, username);
  await sdkError('NotAuthorizedException', sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: code })));
  await sdk.send(new ConfirmSignUpCommand({ ClientId: clientId, Username: username, ConfirmationCode: code, SecretHash: hash }));

  await sdkError('NotAuthorizedException', passwordAuth(clientId, username));
  await sdkError('NotAuthorizedException', passwordAuth(clientId, username, PASSWORD, { SECRET_HASH: secretHash(clientSecret, 'someone-else', clientId) }));
  const tokens = (await passwordAuth(clientId, username, PASSWORD, { SECRET_HASH: hash })).AuthenticationResult;
  assert.ok(tokens.RefreshToken);

  // Admin flow needs it too.
  await sdkError('NotAuthorizedException', sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD },
  })));
  assert.ok((await sdk.send(new AdminInitiateAuthCommand({
    UserPoolId: poolId, ClientId: clientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: username, PASSWORD, SECRET_HASH: hash },
  }))).AuthenticationResult);

  // Refresh: SECRET_HASH of the (internal) username; GetTokensFromRefreshToken takes the secret itself.
  await sdkError('NotAuthorizedException', sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken },
  })));
  assert.ok((await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'REFRESH_TOKEN_AUTH', AuthParameters: { REFRESH_TOKEN: tokens.RefreshToken, SECRET_HASH: hash },
  }))).AuthenticationResult.AccessToken);
  await sdkError('NotAuthorizedException', sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: clientId, RefreshToken: tokens.RefreshToken, ClientSecret: 'not-the-secret',
  })));
  assert.ok((await sdk.send(new GetTokensFromRefreshTokenCommand({
    ClientId: clientId, RefreshToken: tokens.RefreshToken, ClientSecret: clientSecret,
  }))).AuthenticationResult.AccessToken);
});

it('PreventUserExistenceErrors: ENABLED hides unknown users, LEGACY reveals them', async () => {
  const { sdk } = ctx;
  const poolId = await createPool(sdk, { AutoVerifiedAttributes: ['email'] });
  const enabled = (await createClient(sdk, poolId, { PreventUserExistenceErrors: 'ENABLED' })).clientId;
  const legacy = (await createClient(sdk, poolId, { PreventUserExistenceErrors: 'LEGACY' })).clientId;
  const known = unique('known');
  await createConfirmedUser(sdk, poolId, known, { attributes: { email: `${known}@example.com`, email_verified: 'true' } });
  const ghost = unique('ghost');

  const hidden = await sdkError('NotAuthorizedException', passwordAuth(enabled, ghost));
  assert.equal(hidden.message, 'Incorrect username or password.');
  const wrongPw = await sdkError('NotAuthorizedException', passwordAuth(enabled, known, 'Wrong-Passw0rd!'));
  assert.equal(wrongPw.message, hidden.message, 'an unknown user looks exactly like a wrong password');

  const shown = await sdkError('UserNotFoundException', passwordAuth(legacy, ghost));
  assert.equal(shown.message, 'User does not exist.');
  await sdkError('NotAuthorizedException', passwordAuth(legacy, known, 'Wrong-Passw0rd!'));

  // Code delivery for an unknown user is simulated under ENABLED.
  const simulated = await sdk.send(new ResendConfirmationCodeCommand({ ClientId: enabled, Username: ghost }));
  assert.ok(simulated.CodeDeliveryDetails, 'a simulated CodeDeliveryDetails');
  await sdkError('UserNotFoundException', sdk.send(new ResendConfirmationCodeCommand({ ClientId: legacy, Username: ghost })));
  await sdkError('UserNotFoundException', sdk.send(new AdminGetUserCommand({ UserPoolId: poolId, Username: ghost })));
});

it('token validity from the client settings', async () => {
  const { sdk, endpoint } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId, {
    AccessTokenValidity: 5, IdTokenValidity: 10, RefreshTokenValidity: 60,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
  });
  const username = unique('ttl');
  await createConfirmedUser(sdk, poolId, username);
  const tokens = (await passwordAuth(clientId, username)).AuthenticationResult;
  assert.equal(tokens.ExpiresIn, 300);
  const access = await verifyWithJose(tokens.AccessToken, { endpoint, poolId });
  const id = await verifyWithAwsJwtVerify(tokens.IdToken, { endpoint, poolId, clientId, tokenUse: 'id' });
  assert.equal(access.exp - access.iat, 300);
  assert.equal(id.exp - id.iat, 600);
});

it('jwks.json has two RS256 keys; openid-configuration matches the tokens', async () => {
  const { sdk, endpoint } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);

  const jwks = await getJson(jwksUriOf(endpoint, poolId));
  assert.equal(jwks.status, 200, jwks.text);
  assert.match(jwks.headers.get('content-type') ?? '', /json/);
  assert.equal(jwks.json.keys.length, 2, 'two keys: one for ID tokens, one for access tokens');
  const kids = new Set();
  for (const key of jwks.json.keys) {
    assert.equal(key.kty, 'RSA');
    assert.equal(key.alg, 'RS256');
    assert.equal(key.use, 'sig');
    assert.equal(key.e, 'AQAB');
    assert.ok(key.kid, 'kid');
    assert.equal(Buffer.from(key.n, 'base64url').length, 256, 'a 2048-bit modulus');
    assert.equal(key.d, undefined, 'no private material');
    assert.ok(crypto.createPublicKey({ key, format: 'jwk' }), 'a usable public key');
    kids.add(key.kid);
  }
  assert.equal(kids.size, 2, 'distinct kids');

  const discovery = await getJson(`${endpoint}/${poolId}/.well-known/openid-configuration`);
  assert.equal(discovery.status, 200, discovery.text);
  const oidc = discovery.json;
  assert.equal(oidc.issuer, issuerOf(endpoint, poolId));
  assert.equal(oidc.jwks_uri, `${oidc.issuer}/.well-known/jwks.json`);
  assert.ok(oidc.subject_types_supported.includes('public'));
  assert.ok(oidc.id_token_signing_alg_values_supported.includes('RS256'));
  assert.ok(Array.isArray(oidc.response_types_supported));

  const username = unique('oidc');
  await createConfirmedUser(sdk, poolId, username);
  const tokens = (await passwordAuth(clientId, username)).AuthenticationResult;
  for (const t of [tokens.IdToken, tokens.AccessToken]) {
    const { header, payload } = jwt(t);
    assert.equal(payload.iss, oidc.issuer);
    assert.equal(header.alg, 'RS256');
    assert.ok(kids.has(header.kid), 'tokens are signed with a published key');
  }

  // Keys are per pool, and unknown pools have no JWKS.
  const otherPool = await createPool(sdk);
  const otherJwks = await getJson(jwksUriOf(endpoint, otherPool));
  assert.equal(otherJwks.status, 200);
  assert.ok(otherJwks.json.keys.every((k) => !kids.has(k.kid)), 'another pool has its own keys');
  const missing = await getJson(jwksUriOf(endpoint, 'us-east-1_doesNotExist1'));
  assert.notEqual(missing.status, 200);
});
