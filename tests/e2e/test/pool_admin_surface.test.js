// Pool administration through aws-cli: the pool's MFA configuration (set-user-pool-mfa-config,
// get-user-pool-mfa-config), its tags (tag-resource, untag-resource, list-tags-for-resource, as
// describe-user-pool shows them) and its SAML signing certificate (get-signing-certificate),
// which OpenSSL reads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { it, unique, useServer } from '../lib/util.js';

const ctx = useServer();

const ROLE_ARN = 'arn:aws:iam::000000000000:role/cognate-sms';

async function createPool() {
  const created = await ctx.aws.ok('create-user-pool', { PoolName: unique('admin-surface') });
  return created.UserPool;
}

const describe = async (poolId) => (await ctx.aws.ok('describe-user-pool', { UserPoolId: poolId })).UserPool;

it('set-user-pool-mfa-config and get-user-pool-mfa-config round trip', async () => {
  const { aws } = ctx;
  const { Id: poolId } = await createPool();
  const initial = await aws.ok('get-user-pool-mfa-config', { UserPoolId: poolId });
  assert.equal(initial.MfaConfiguration, 'OFF');

  // Authenticator apps, optional: with real command-line flags.
  const totp = assertCliOk(await aws.run('set-user-pool-mfa-config', '--user-pool-id', poolId,
    '--software-token-mfa-configuration', 'Enabled=true', '--mfa-configuration', 'OPTIONAL'));
  assert.deepEqual(totp, { MfaConfiguration: 'OPTIONAL', SoftwareTokenMfaConfiguration: { Enabled: true } });
  assert.deepEqual(await aws.ok('get-user-pool-mfa-config', { UserPoolId: poolId }), totp);
  assert.equal((await describe(poolId)).MfaConfiguration, 'OPTIONAL');

  // SMS and authenticator apps, required: the SMS settings become the pool's.
  const sms = {
    SmsAuthenticationMessage: 'Your sign-in code is {####}',
    SmsConfiguration: { SnsCallerArn: ROLE_ARN, ExternalId: 'cognate-e2e' },
  };
  const both = await aws.ok('set-user-pool-mfa-config', {
    UserPoolId: poolId, SmsMfaConfiguration: sms, SoftwareTokenMfaConfiguration: { Enabled: true }, MfaConfiguration: 'ON',
  });
  assert.deepEqual(both, { MfaConfiguration: 'ON', SmsMfaConfiguration: sms, SoftwareTokenMfaConfiguration: { Enabled: true } });
  assert.deepEqual(await aws.ok('get-user-pool-mfa-config', { UserPoolId: poolId }), both);
  const pool = await describe(poolId);
  assert.equal(pool.MfaConfiguration, 'ON');
  assert.equal(pool.SmsAuthenticationMessage, sms.SmsAuthenticationMessage);
  assert.deepEqual(pool.SmsConfiguration, sms.SmsConfiguration);

  // A call replaces the whole configuration: naming nothing turns MFA off.
  const off = await aws.ok('set-user-pool-mfa-config', { UserPoolId: poolId });
  assert.equal(off.MfaConfiguration, 'OFF');
  assert.deepEqual(off.SoftwareTokenMfaConfiguration, { Enabled: false });
  assert.equal(off.SmsMfaConfiguration, undefined);
});

it('set-user-pool-mfa-config refuses MFA without a factor, and a factor with MFA off', async () => {
  const { aws } = ctx;
  const { Id: poolId } = await createPool();

  const none = assertCliError(await aws.run('set-user-pool-mfa-config', '--user-pool-id', poolId,
    '--mfa-configuration', 'ON'), 'InvalidParameterException');
  assert.match(none.message, /SMS MFA, Email MFA, or Software Token MFA must be enabled/);
  await aws.fails('InvalidParameterException', 'set-user-pool-mfa-config', {
    UserPoolId: poolId, SoftwareTokenMfaConfiguration: { Enabled: false }, MfaConfiguration: 'OPTIONAL',
  });
  const offWithFactor = await aws.fails('InvalidParameterException', 'set-user-pool-mfa-config', {
    UserPoolId: poolId, SoftwareTokenMfaConfiguration: { Enabled: true }, MfaConfiguration: 'OFF',
  });
  assert.match(offWithFactor.message, /can't turn off MFA and configure an MFA together/);
  await aws.fails('ResourceNotFoundException', 'get-user-pool-mfa-config', { UserPoolId: 'us-east-1_nosuchpol' });

  // Nothing changed.
  assert.equal((await aws.ok('get-user-pool-mfa-config', { UserPoolId: poolId })).MfaConfiguration, 'OFF');
  assert.equal((await describe(poolId)).MfaConfiguration, 'OFF');
});

it('tag-resource, list-tags-for-resource and untag-resource; describe-user-pool shows the tags', async () => {
  const { aws } = ctx;
  const { Id: poolId, Arn: arn } = await createPool();
  assert.match(arn, new RegExp(`^arn:aws:cognito-idp:us-east-1:\\d{12}:userpool/${poolId}$`));

  assert.deepEqual(assertCliOk(await aws.run('tag-resource', '--resource-arn', arn,
    '--tags', 'team=identity,stage=test')), {});
  assert.deepEqual((await aws.ok('list-tags-for-resource', { ResourceArn: arn })).Tags,
    { team: 'identity', stage: 'test' });
  assert.deepEqual((await describe(poolId)).UserPoolTags, { team: 'identity', stage: 'test' });

  assertCliOk(await aws.run('untag-resource', '--resource-arn', arn, '--tag-keys', 'stage'));
  assert.deepEqual((await aws.ok('list-tags-for-resource', { ResourceArn: arn })).Tags, { team: 'identity' });
  assert.deepEqual((await describe(poolId)).UserPoolTags, { team: 'identity' });

  // An update that does not name the tags keeps them.
  await aws.ok('update-user-pool', { UserPoolId: poolId, AutoVerifiedAttributes: ['email'] });
  assert.deepEqual((await aws.ok('list-tags-for-resource', { ResourceArn: arn })).Tags, { team: 'identity' });

  const unknown = arn.replace(poolId, 'us-east-1_nosuchpol');
  await aws.fails('ResourceNotFoundException', 'tag-resource', { ResourceArn: unknown, Tags: { a: 'b' } });
  await aws.fails('ResourceNotFoundException', 'list-tags-for-resource', { ResourceArn: unknown });
  await aws.fails('InvalidParameterException', 'list-tags-for-resource',
    { ResourceArn: arn.replace(':userpool/', ':identitypool/') });
  await aws.fails('InvalidParameterException', 'tag-resource',
    { ResourceArn: 'this is not an ARN at all', Tags: { a: 'b' } });
  const tooMany = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
  await aws.fails('InvalidParameterException', 'tag-resource', { ResourceArn: arn, Tags: tooMany });
});

it('get-signing-certificate returns the same certificate every time, which OpenSSL reads', async () => {
  const { aws } = ctx;
  const { Id: poolId } = await createPool();

  const first = (await aws.ok('get-signing-certificate', { UserPoolId: poolId })).Certificate;
  const second = (await aws.ok('get-signing-certificate', { UserPoolId: poolId })).Certificate;
  assert.equal(second, first);
  assert.doesNotMatch(first, /BEGIN CERTIFICATE/, 'base64 of the DER, without PEM armour');

  const der = Buffer.from(first, 'base64');
  assert.equal(der.toString('base64'), first);
  const text = execFileSync('openssl', ['x509', '-inform', 'DER', '-noout', '-subject', '-issuer', '-dates', '-text'],
    { input: der, encoding: 'utf8' });
  assert.match(text, new RegExp(`subject=CN ?= ?${poolId}`));
  assert.match(text, new RegExp(`issuer=CN ?= ?${poolId}`));
  assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  const notBefore = Date.parse(text.match(/notBefore=(.*)/)[1]);
  const notAfter = Date.parse(text.match(/notAfter=(.*)/)[1]);
  assert.equal(Math.round((notAfter - notBefore) / 86400000), 3650);

  const other = await createPool();
  const otherCert = (await aws.ok('get-signing-certificate', { UserPoolId: other.Id })).Certificate;
  assert.notEqual(otherCert, first);
  await aws.fails('ResourceNotFoundException', 'get-signing-certificate', { UserPoolId: 'us-east-1_nosuchpol' });
});
