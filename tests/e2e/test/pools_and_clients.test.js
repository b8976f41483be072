// User pools and app clients through aws-cli: create, describe, update, list, delete, secrets,
// and the errors for bad input. Also the wire format of errors and SigV4 enforcement.
import assert from 'node:assert/strict';
import {
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  DeleteUserPoolClientCommand,
  DeleteUserPoolCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  ListUserPoolClientsCommand,
  ListUserPoolsCommand,
  UpdateUserPoolCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { POOL_ID_RE, createPool, it, unique, useServer } from '../lib/util.js';
import { assertCliOk, makeAws } from '../lib/aws.js';
import { sdkError } from '../lib/sdk.js';

const ctx = useServer();

const UNKNOWN_POOL = 'us-east-1_doesNotExist1';

async function allPoolIds(sdk) {
  const ids = [];
  let token;
  do {
    const page = await sdk.send(new ListUserPoolsCommand({ MaxResults: 60, ...(token ? { NextToken: token } : {}) }));
    ids.push(...page.UserPools.map((p) => p.Id));
    token = page.NextToken;
  } while (token);
  return ids.sort();
}

it('creates, describes, updates, lists and deletes a user pool', async () => {
  const { aws, sdk } = ctx;
  const name = unique('pool-cli-');
  const created = await aws.ok('create-user-pool', {
    PoolName: name,
    Policies: {
      PasswordPolicy: {
        MinimumLength: 10,
        RequireUppercase: true,
        RequireLowercase: true,
        RequireNumbers: true,
        RequireSymbols: false,
        TemporaryPasswordValidityDays: 3,
      },
    },
    AutoVerifiedAttributes: ['email'],
  });
  const pool = created.UserPool;
  assert.match(pool.Id, POOL_ID_RE);
  assert.equal(pool.Name, name);
  assert.match(pool.Arn, new RegExp(`^arn:aws:cognito-idp:us-east-1:[^:]+:userpool/${pool.Id}$`));
  assert.ok(pool.CreationDate, 'CreationDate');
  assert.ok(pool.LastModifiedDate, 'LastModifiedDate');
  assert.deepEqual(pool.Policies.PasswordPolicy, {
    MinimumLength: 10,
    RequireUppercase: true,
    RequireLowercase: true,
    RequireNumbers: true,
    RequireSymbols: false,
    TemporaryPasswordValidityDays: 3,
  });
  assert.deepEqual(pool.AutoVerifiedAttributes, ['email']);
  const schema = Object.fromEntries(pool.SchemaAttributes.map((a) => [a.Name, a]));
  for (const standard of ['sub', 'email', 'email_verified', 'phone_number', 'name', 'given_name', 'family_name', 'updated_at']) {
    assert.ok(schema[standard], `default schema has ${standard}`);
  }
  assert.equal(schema.sub.Mutable, false);
  assert.equal(schema.sub.Required, true);
  assert.equal(schema.email_verified.AttributeDataType, 'Boolean');

  const described = (await aws.ok('describe-user-pool', { UserPoolId: pool.Id })).UserPool;
  assert.equal(described.Id, pool.Id);
  assert.equal(described.Name, name);
  assert.equal(described.Arn, pool.Arn);
  assert.equal(described.Policies.PasswordPolicy.MinimumLength, 10);
  assert.equal(described.Policies.PasswordPolicy.RequireSymbols, false);
  assert.deepEqual(described.AutoVerifiedAttributes, ['email']);
  assert.equal(described.EstimatedNumberOfUsers, 0);

  const updated = await aws.ok('update-user-pool', {
    UserPoolId: pool.Id,
    Policies: { PasswordPolicy: { MinimumLength: 12, RequireUppercase: false, RequireLowercase: true, RequireNumbers: false, RequireSymbols: false } },
    AutoVerifiedAttributes: ['email'],
    UserPoolTags: { team: 'e2e' },
  });
  assert.deepEqual(updated, {});
  const after = (await sdk.send(new DescribeUserPoolCommand({ UserPoolId: pool.Id }))).UserPool;
  assert.equal(after.Name, name, 'UpdateUserPool keeps the name');
  assert.equal(after.Policies.PasswordPolicy.MinimumLength, 12);
  assert.equal(after.Policies.PasswordPolicy.RequireUppercase, false);
  assert.equal(after.Policies.PasswordPolicy.RequireNumbers, false);
  assert.deepEqual(after.UserPoolTags, { team: 'e2e' });
  assert.equal(after.CreationDate.getTime(), new Date(described.CreationDate).getTime(), 'CreationDate never changes');

  // A second pool, then paging through ListUserPools (SDK: aws-cli costs ~1 s per call).
  const otherId = await createPool(sdk);
  const seen = new Map();
  let token;
  let pages = 0;
  do {
    const page = await sdk.send(new ListUserPoolsCommand({ MaxResults: 2, ...(token ? { NextToken: token } : {}) }));
    assert.ok(page.UserPools.length <= 2, 'MaxResults is honoured');
    for (const p of page.UserPools) {
      assert.ok(!seen.has(p.Id), `pool ${p.Id} listed twice`);
      seen.set(p.Id, p);
    }
    token = page.NextToken;
    pages += 1;
    assert.ok(pages < 100, 'ListUserPools paging terminates');
  } while (token);
  assert.equal(seen.get(pool.Id)?.Name, name);
  assert.ok(seen.has(otherId));
  assert.ok(seen.get(pool.Id).CreationDate);

  assert.deepEqual(await aws.ok('delete-user-pool', { UserPoolId: otherId }), {});
  const listed = await aws.ok('list-user-pools', { MaxResults: 60 });
  assert.ok(!listed.UserPools.some((p) => p.Id === otherId), 'a deleted pool is not listed');
  assert.equal(listed.UserPools.find((p) => p.Id === pool.Id)?.Name, name, 'the other pool is still listed');
  await sdkError('ResourceNotFoundException', sdk.send(new DescribeUserPoolCommand({ UserPoolId: otherId })));
});

it('creates pools with the real CLI flags (shorthand syntax)', async () => {
  const { aws } = ctx;
  const out = await aws.run('create-user-pool',
    '--pool-name', 'shorthand',
    '--policies', 'PasswordPolicy={MinimumLength=8,RequireUppercase=false,RequireLowercase=true,RequireNumbers=true,RequireSymbols=false}',
    '--username-attributes', 'email',
    '--auto-verified-attributes', 'email',
    '--schema', 'Name=tier,AttributeDataType=String,Mutable=true,StringAttributeConstraints={MinLength=1,MaxLength=16}');
  assertCliOk(out, 'create-user-pool with shorthand flags');
  assert.deepEqual(out.UserPool.UsernameAttributes, ['email']);
  const tier = out.UserPool.SchemaAttributes.find((a) => a.Name === 'custom:tier');
  assert.ok(tier, 'custom attribute is listed as custom:tier');
  assert.equal(tier.AttributeDataType, 'String');
  // Constraint numbers are JSON strings on the wire.
  assert.deepEqual(tier.StringAttributeConstraints, { MinLength: '1', MaxLength: '16' });
  await ctx.sdk.send(new DeleteUserPoolCommand({ UserPoolId: out.UserPool.Id }));
});

it('creates, describes, updates, lists and deletes app clients', async () => {
  const { aws, sdk } = ctx;
  const poolId = await createPool(sdk);

  const web = assertCliOk(await aws.run('create-user-pool-client',
    '--user-pool-id', poolId,
    '--client-name', 'web',
    '--explicit-auth-flows', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH',
    '--access-token-validity', '2',
    '--id-token-validity', '3',
    '--refresh-token-validity', '10',
    '--token-validity-units', 'AccessToken=hours,IdToken=hours,RefreshToken=days',
    '--prevent-user-existence-errors', 'ENABLED'), 'create-user-pool-client').UserPoolClient;
  assert.ok(web, 'create-user-pool-client returned a UserPoolClient');
  assert.match(web.ClientId, /^[\w+]{1,128}$/);
  assert.equal(web.ClientName, 'web');
  assert.equal(web.UserPoolId, poolId);
  assert.equal(web.ClientSecret, undefined, 'no secret unless GenerateSecret');
  assert.deepEqual([...web.ExplicitAuthFlows].sort(), ['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH']);
  assert.equal(web.AccessTokenValidity, 2);
  assert.equal(web.IdTokenValidity, 3);
  assert.equal(web.RefreshTokenValidity, 10);
  assert.deepEqual(web.TokenValidityUnits, { AccessToken: 'hours', IdToken: 'hours', RefreshToken: 'days' });
  assert.equal(web.PreventUserExistenceErrors, 'ENABLED');
  assert.ok(web.CreationDate && web.LastModifiedDate);

  const backend = (await aws.ok('create-user-pool-client', {
    UserPoolId: poolId, ClientName: 'backend', GenerateSecret: true,
    ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  })).UserPoolClient;
  assert.match(backend.ClientSecret ?? '', /^[\w+]{24,64}$/, 'GenerateSecret gives a 24-64 char secret');
  assert.notEqual(backend.ClientId, web.ClientId);

  const described = (await aws.ok('describe-user-pool-client', { UserPoolId: poolId, ClientId: backend.ClientId })).UserPoolClient;
  assert.equal(described.ClientSecret, backend.ClientSecret, 'DescribeUserPoolClient returns the secret');
  assert.equal(described.ClientName, 'backend');
  assert.deepEqual([...described.ExplicitAuthFlows].sort(), ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']);

  const renamed = (await aws.ok('update-user-pool-client', {
    UserPoolId: poolId, ClientId: backend.ClientId, ClientName: 'backend-2',
    ExplicitAuthFlows: ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    AccessTokenValidity: 30, TokenValidityUnits: { AccessToken: 'minutes' },
  })).UserPoolClient;
  assert.equal(renamed.ClientName, 'backend-2');
  assert.equal(renamed.ClientSecret, backend.ClientSecret, 'an update keeps the secret');
  const again = (await sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: backend.ClientId }))).UserPoolClient;
  assert.equal(again.ClientName, 'backend-2');
  assert.equal(again.AccessTokenValidity, 30);
  assert.equal(again.TokenValidityUnits?.AccessToken, 'minutes');
  assert.deepEqual([...again.ExplicitAuthFlows].sort(),
    ['ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_PASSWORD_AUTH']);

  const list = await aws.ok('list-user-pool-clients', { UserPoolId: poolId, MaxResults: 60 });
  const byId = Object.fromEntries(list.UserPoolClients.map((c) => [c.ClientId, c]));
  assert.equal(list.UserPoolClients.length, 2);
  assert.deepEqual(byId[web.ClientId], { ClientId: web.ClientId, UserPoolId: poolId, ClientName: 'web' });
  assert.deepEqual(byId[backend.ClientId], { ClientId: backend.ClientId, UserPoolId: poolId, ClientName: 'backend-2' });

  const page1 = await sdk.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 1 }));
  assert.equal(page1.UserPoolClients.length, 1);
  assert.ok(page1.NextToken, 'a NextToken when more clients remain');
  const page2 = await sdk.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 1, NextToken: page1.NextToken }));
  assert.equal(page2.UserPoolClients.length, 1);
  assert.notEqual(page2.UserPoolClients[0].ClientId, page1.UserPoolClients[0].ClientId);
  assert.equal(page2.NextToken, undefined, 'no NextToken on the last page');

  assert.deepEqual(await aws.ok('delete-user-pool-client', { UserPoolId: poolId, ClientId: web.ClientId }), {});
  await Promise.all([
    aws.fails('ResourceNotFoundException', 'describe-user-pool-client', { UserPoolId: poolId, ClientId: web.ClientId }),
    sdkError('ResourceNotFoundException', sdk.send(new DeleteUserPoolClientCommand({ UserPoolId: poolId, ClientId: web.ClientId }))),
  ]);
  const left = await sdk.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 60 }));
  assert.deepEqual(left.UserPoolClients.map((c) => c.ClientId), [backend.ClientId]);

  // Deleting the pool takes its clients with it.
  await aws.ok('delete-user-pool', { UserPoolId: poolId });
  await sdkError('ResourceNotFoundException', sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: backend.ClientId })));
}, 90_000);

it('answers bad input with Cognito errors and leaves state unchanged', async () => {
  const { aws, sdk } = ctx;
  const before = await allPoolIds(sdk);

  // Through aws-cli (botocore refuses MinimumLength < 6 itself, so it sends 100 > 99) ...
  await Promise.all([
    aws.fails('ResourceNotFoundException', 'describe-user-pool', { UserPoolId: UNKNOWN_POOL }),
    aws.fails('InvalidParameterException', 'create-user-pool', {
      PoolName: 'too-long', Policies: { PasswordPolicy: { MinimumLength: 100 } },
    }),
  ]);
  // ... and, faster, through the SDK, which validates nothing itself.
  const poolId = await createPool(sdk);
  await Promise.all([
    sdkError('ResourceNotFoundException', sdk.send(new DeleteUserPoolCommand({ UserPoolId: UNKNOWN_POOL }))),
    sdkError('ResourceNotFoundException', sdk.send(new UpdateUserPoolCommand({ UserPoolId: UNKNOWN_POOL }))),
    sdkError('ResourceNotFoundException', sdk.send(new CreateUserPoolClientCommand({ UserPoolId: UNKNOWN_POOL, ClientName: 'x' }))),
    sdkError('ResourceNotFoundException', sdk.send(new ListUserPoolClientsCommand({ UserPoolId: UNKNOWN_POOL, MaxResults: 10 }))),
    sdkError('ResourceNotFoundException', sdk.send(new DescribeUserPoolClientCommand({ UserPoolId: poolId, ClientId: 'nosuchclient0000000000000' }))),
    sdkError('InvalidParameterException', sdk.send(new CreateUserPoolCommand({
      PoolName: 'too-short', Policies: { PasswordPolicy: { MinimumLength: 5 } },
    }))),
    sdkError('InvalidParameterException', sdk.send(new UpdateUserPoolCommand({
      UserPoolId: poolId, Policies: { PasswordPolicy: { MinimumLength: 100 } },
    }))),
    // Access tokens live at most one day.
    sdkError('InvalidParameterException', sdk.send(new CreateUserPoolClientCommand({
      UserPoolId: poolId, ClientName: 'bad-validity', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'],
      AccessTokenValidity: 2, IdTokenValidity: 1, TokenValidityUnits: { AccessToken: 'days' },
    }))),
  ]);
  const pool = (await sdk.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool;
  assert.equal(pool.Policies.PasswordPolicy.MinimumLength, 8, 'a rejected update changes nothing (default MinimumLength is 8)');
  assert.equal((await sdk.send(new ListUserPoolClientsCommand({ UserPoolId: poolId, MaxResults: 60 }))).UserPoolClients.length, 0,
    'a rejected client is not created');
  await sdk.send(new DeleteUserPoolCommand({ UserPoolId: poolId }));

  assert.deepEqual(await allPoolIds(sdk), before, 'failed calls created or deleted no pool');
}, 90_000);

it('speaks the JSON 1.1 error format: __type in the body and x-amzn-ErrorType', async () => {
  const res = await ctx.admin.rawCall('AWSCognitoIdentityProviderService.DescribeUserPool', { UserPoolId: UNKNOWN_POOL });
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type') ?? '', /^application\/x-amz-json-1\.1/);
  assert.ok(res.headers.get('x-amzn-requestid'), 'x-amzn-RequestId header');
  assert.equal((res.headers.get('x-amzn-errortype') ?? '').split(':')[0], 'ResourceNotFoundException');
  assert.equal(res.json?.__type, 'ResourceNotFoundException');
  assert.equal(typeof res.json?.message, 'string');

  const ok = await ctx.admin.rawCall('AWSCognitoIdentityProviderService.ListUserPools', { MaxResults: 5 });
  assert.equal(ok.status, 200);
  assert.ok(ok.headers.get('x-amzn-requestid'), 'x-amzn-RequestId header');
  assert.ok(Array.isArray(ok.json?.UserPools));

  const unknownOp = await ctx.admin.rawCall('AWSCognitoIdentityProviderService.NoSuchOperation', {});
  assert.ok(unknownOp.status >= 400 && unknownOp.status < 500, `unknown operation: ${unknownOp.status}`);
  assert.ok(unknownOp.json?.__type, 'an unknown operation still answers with __type');

  const badJson = await ctx.admin.rawCall('AWSCognitoIdentityProviderService.DescribeUserPool', '{not json');
  assert.ok(badJson.status >= 400 && badJson.status < 500, `malformed JSON: ${badJson.status}`);
  assert.ok(badJson.json?.__type, 'malformed JSON still answers with __type');
});

it('requires a valid SigV4 signature made with the admin key for management operations', async () => {
  const { admin, sdk } = ctx;
  const before = await allPoolIds(sdk);
  const create = (opts) => admin.rawCall('AWSCognitoIdentityProviderService.CreateUserPool', { PoolName: 'intruder' }, opts);

  const [unsigned, wrongSecret, unknownKey] = await Promise.all([
    create({ credentials: false }),
    create({ credentials: { accessKeyId: ctx.server.adminKey.accessKeyId, secretAccessKey: 'not-the-secret' } }),
    create({ credentials: { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: 'whatever' } }),
  ]);
  assert.ok(unsigned.status >= 400 && unsigned.status < 500, `unsigned: ${unsigned.status} ${unsigned.text}`);
  assert.ok(unsigned.json?.__type, `unsigned request answered with __type: ${unsigned.text}`);
  const authErrors = ['InvalidSignatureException', 'UnrecognizedClientException', 'NotAuthorizedException', 'AccessDeniedException'];
  assert.ok(wrongSecret.status >= 400 && wrongSecret.status < 500, `wrong secret: ${wrongSecret.status}`);
  assert.ok(authErrors.includes(wrongSecret.json?.__type), `wrong secret answered ${wrongSecret.text}`);
  assert.ok(authErrors.includes(unknownKey.json?.__type), `unknown key answered ${unknownKey.text}`);

  // The CLI with a wrong secret is refused too.
  const badCli = makeAws({ ...ctx.server, adminKey: { ...ctx.server.adminKey, secretAccessKey: 'not-the-secret' } });
  const r = await badCli.call('create-user-pool', { PoolName: 'intruder' });
  assert.ok(authErrors.includes(r.code), `aws-cli with a wrong secret: ${r.code} ${r.message}`);

  assert.deepEqual(await allPoolIds(sdk), before, 'no pool was created');
});

it('UpdateUserPool resets settings it is not given to their defaults (Cognito semantics)', async () => {
  const { aws, sdk } = ctx;
  const poolId = await createPool(sdk, { AutoVerifiedAttributes: ['email'], Policies: { PasswordPolicy: { MinimumLength: 14 } } });
  await aws.ok('update-user-pool', { UserPoolId: poolId, UserPoolTags: { a: 'b' } });
  const pool = (await sdk.send(new DescribeUserPoolCommand({ UserPoolId: poolId }))).UserPool;
  assert.equal(pool.Policies.PasswordPolicy.MinimumLength, 8, 'omitted Policies fall back to the default policy');
  assert.ok(!pool.AutoVerifiedAttributes || pool.AutoVerifiedAttributes.length === 0, 'omitted AutoVerifiedAttributes are cleared');
  assert.deepEqual(pool.UserPoolTags, { a: 'b' });
  await sdk.send(new DeleteUserPoolCommand({ UserPoolId: poolId }));
});
