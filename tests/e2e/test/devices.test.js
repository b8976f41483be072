// Remembered devices with amazon-cognito-identity-js, which confirms a device itself when a sign-in
// returns NewDeviceMetadata and signs in with DEVICE_SRP_AUTH next time from the same storage:
// the device is listed (admin-list-devices, list-devices) and described (get-device); a remembered
// device stands in for the authenticator code while a new one does not (and none does with
// ChallengeRequiredOnNewDevice false); not_remembered (update-device-status) brings the code back;
// forget-device removes the device; DeviceOnlyRememberedOnUserPrompt leaves remembering to the
// user; access tokens carry the device_key claim.
import assert from 'node:assert/strict';
import { AuthenticationDetails, CognitoUser, CognitoUserPool } from 'amazon-cognito-identity-js';
import {
  AdminForgetDeviceCommand,
  AdminGetDeviceCommand,
  AdminListDevicesCommand,
  AdminUpdateDeviceStatusCommand,
  AssociateSoftwareTokenCommand,
  InitiateAuthCommand,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  UpdateDeviceStatusCommand,
  VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { assertCliError, assertCliOk } from '../lib/aws.js';
import { Authenticator, memoryStorage } from '../lib/authenticator.js';
import { sdkError } from '../lib/sdk.js';
import { PASSWORD, attrs, createClient, createConfirmedUser, createPool, it, jwt, unique, useServer } from '../lib/util.js';

const ctx = useServer();

const DEVICE_KEY_RE = /^us-east-1_[0-9a-f-]+$/;
// The DeviceName the library sends with ConfirmDevice.
const LIBRARY_DEVICE_NAME = typeof navigator !== 'undefined' ? navigator.userAgent : 'nodejs';

// ---- the library, as promises ----

/** A browser: its own storage, hence its own remembered device. */
function browser(poolId, clientId) {
  const storage = memoryStorage();
  const userPool = new CognitoUserPool({ UserPoolId: poolId, ClientId: clientId, endpoint: ctx.endpoint, Storage: storage });
  return {
    storage,
    user: (username) => new CognitoUser({ Username: username, Pool: userPool, Storage: storage }),
    deviceKey: (username) => storage.getItem(`CognitoIdentityServiceProvider.${clientId}.${username}.deviceKey`),
  };
}

/**
 * authenticateUser; resolves to {session, userConfirmationNecessary} or, when an authenticator
 * code is asked for, {totp: true} (answer with sendCode()).
 */
function authenticate(user, password = PASSWORD) {
  return new Promise((resolve, reject) => {
    user.authenticateUser(new AuthenticationDetails({ Username: user.getUsername(), Password: password }), {
      onSuccess: (session, userConfirmationNecessary) => resolve({ session, userConfirmationNecessary }),
      onFailure: reject,
      totpRequired: (challengeName) => resolve({ totp: challengeName === 'SOFTWARE_TOKEN_MFA' }),
      mfaRequired: () => reject(new Error('unexpected SMS_MFA')),
      selectMFAType: () => reject(new Error('unexpected SELECT_MFA_TYPE')),
      mfaSetup: () => reject(new Error('unexpected MFA_SETUP')),
      newPasswordRequired: () => reject(new Error('unexpected NEW_PASSWORD_REQUIRED')),
    });
  });
}

function sendCode(user, code) {
  return new Promise((resolve, reject) => {
    user.sendMFACode(code, {
      onSuccess: (session, userConfirmationNecessary) => resolve({ session, userConfirmationNecessary }),
      onFailure: reject,
    }, 'SOFTWARE_TOKEN_MFA');
  });
}

// ---- set-up ----

const DEVICES = { ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: false };

async function devicePool(deviceConfiguration = DEVICES) {
  const poolId = await createPool(ctx.sdk, { DeviceConfiguration: deviceConfiguration });
  const { clientId } = await createClient(ctx.sdk, poolId, {
    ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH', 'ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
  });
  return { poolId, clientId };
}

async function signedInEvents(poolId, username) {
  const { Events } = await ctx.admin.signedCall('CognateAdmin.QueryEvents',
    { UserPoolId: poolId, Username: username, Types: ['user.signed_in'] });
  return Events;
}

const accessTokenOf = (result) => result.session.getAccessToken().getJwtToken();

function deviceAttributes(device) {
  return attrs(device.DeviceAttributes);
}

// ---- tests ----

it('a new device is confirmed by the library, listed and described; the next sign-in is device SRP', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId } = await devicePool();
  const username = unique('dev');
  await createConfirmedUser(sdk, poolId, username);
  const laptop = browser(poolId, clientId);

  const user = laptop.user(username);
  const first = await authenticate(user);
  assert.ok(first.session?.isValid(), 'signed in');
  assert.notEqual(first.userConfirmationNecessary, true, 'remembered without asking the user');
  const deviceKey = laptop.deviceKey(username);
  assert.match(deviceKey ?? '', DEVICE_KEY_RE, 'the library kept the DeviceKey it confirmed');

  const [issued] = await signedInEvents(poolId, username);
  assert.equal(issued.data.new_device?.key, deviceKey, 'the sign-in issued this device');

  const adminList = assertCliOk(await aws.run('admin-list-devices', '--user-pool-id', poolId, '--username', username),
    'admin-list-devices');
  assert.deepEqual(adminList.Devices.map((d) => d.DeviceKey), [deviceKey]);
  const token = accessTokenOf(first);
  const list = assertCliOk(await aws.run('list-devices', '--access-token', token), 'list-devices');
  assert.deepEqual(list.Devices.map((d) => d.DeviceKey), [deviceKey]);

  const { Device: device } = assertCliOk(await aws.run('get-device', '--access-token', token, '--device-key', deviceKey),
    'get-device');
  assert.equal(device.DeviceKey, deviceKey);
  const shown = deviceAttributes(device);
  assert.equal(shown.device_name, LIBRARY_DEVICE_NAME);
  assert.equal(shown['dev:device_remembered_status'], 'remembered');
  assert.ok(device.DeviceCreateDate && device.DeviceLastModifiedDate, 'dates');
  const adminDevice = await sdk.send(new AdminGetDeviceCommand({ UserPoolId: poolId, Username: username, DeviceKey: deviceKey }));
  assert.equal(adminDevice.Device.DeviceKey, deviceKey);
  assert.equal(deviceAttributes(adminDevice.Device).device_name, LIBRARY_DEVICE_NAME);

  // Again with a new CognitoUser on the same storage: the library proves the device (DEVICE_SRP_AUTH).
  const second = await authenticate(laptop.user(username));
  assert.ok(second.session?.isValid());
  let events = await signedInEvents(poolId, username);
  assert.equal(events.length, 2);
  assert.equal(events.at(-1).data.device_key, deviceKey, 'the sign-in used the remembered device');
  assert.equal(events.at(-1).data.new_device, undefined, 'and made no new one');
  assert.equal(events.at(-1).data.flow, 'USER_SRP_AUTH');

  // And with the first CognitoUser object, which already holds the DeviceKey.
  assert.ok((await authenticate(user)).session?.isValid());
  events = await signedInEvents(poolId, username);
  assert.equal(events.length, 3);
  assert.equal(events.at(-1).data.device_key, deviceKey);

  const after = await sdk.send(new AdminListDevicesCommand({ UserPoolId: poolId, Username: username }));
  assert.deepEqual(after.Devices.map((d) => d.DeviceKey), [deviceKey], 'still one device');
  assert.ok(after.Devices[0].DeviceLastAuthenticatedDate, 'last authenticated');

  // Access tokens name the device they were issued to: the new one, then the remembered one.
  assert.equal(jwt(accessTokenOf(first)).payload.device_key, deviceKey, 'device_key claim of the new device');
  assert.equal(jwt(accessTokenOf(second)).payload.device_key, deviceKey, 'device_key claim after device SRP');
});

/**
 * A device-tracking pool with MFA required, and a user with an authenticator (set up while MFA
 * was optional, signing in once without the library: that makes an unconfirmed device, which is
 * never listed). Then a laptop signs in with the code and the library confirms the device.
 */
async function mfaUserWithLaptop(deviceConfiguration = DEVICES) {
  const { sdk } = ctx;
  const { poolId, clientId } = await devicePool(deviceConfiguration);
  await sdk.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: poolId, SoftwareTokenMfaConfiguration: { Enabled: true }, MfaConfiguration: 'OPTIONAL',
  }));
  const username = unique('mfadev');
  await createConfirmedUser(sdk, poolId, username);
  const signedIn = await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD },
  }));
  const token = signedIn.AuthenticationResult.AccessToken;
  assert.match(signedIn.AuthenticationResult.NewDeviceMetadata?.DeviceKey ?? '', DEVICE_KEY_RE);
  const { SecretCode } = await sdk.send(new AssociateSoftwareTokenCommand({ AccessToken: token }));
  const app = new Authenticator(SecretCode);
  await sdk.send(new VerifySoftwareTokenCommand({ AccessToken: token, UserCode: app.current() }));
  await sdk.send(new SetUserMFAPreferenceCommand({
    AccessToken: token, SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
  }));
  await sdk.send(new SetUserPoolMfaConfigCommand({
    UserPoolId: poolId, SoftwareTokenMfaConfiguration: { Enabled: true }, MfaConfiguration: 'ON',
  }));
  assert.deepEqual((await sdk.send(new AdminListDevicesCommand({ UserPoolId: poolId, Username: username }))).Devices, [],
    'an unconfirmed device is not listed');

  // The laptop, first time: the code, then the library confirms the device.
  const laptop = browser(poolId, clientId);
  const laptopUser = laptop.user(username);
  assert.deepEqual(await authenticate(laptopUser), { totp: true }, 'a new device is asked for the code');
  const confirmed = await sendCode(laptopUser, await app.fresh());
  assert.ok(confirmed.session.isValid());
  const laptopKey = laptop.deviceKey(username);
  assert.match(laptopKey ?? '', DEVICE_KEY_RE, 'confirmed after the code');
  return { poolId, clientId, username, app, laptop, laptopKey, token: accessTokenOf(confirmed) };
}

it('with MFA required, a remembered device skips the code and a new one does not; forget-device', async () => {
  const { aws, sdk } = ctx;
  const { poolId, clientId, username, app, laptop, laptopKey, token } = await mfaUserWithLaptop();

  // The laptop again: the remembered device stands in for the code.
  const remembered = await authenticate(laptop.user(username));
  assert.ok(remembered.session?.isValid(), 'signed in without the code');
  const last = (await signedInEvents(poolId, username)).at(-1);
  assert.equal(last.data.device_key, laptopKey);
  assert.equal(last.data.mfa, undefined, 'no second factor');

  // A phone (fresh storage) is a new device: the code is asked for.
  const phone = browser(poolId, clientId);
  const phoneUser = phone.user(username);
  assert.deepEqual(await authenticate(phoneUser), { totp: true }, 'a new device is asked for the code');
  assert.ok((await sendCode(phoneUser, await app.fresh())).session.isValid());
  const phoneKey = phone.deviceKey(username);
  assert.match(phoneKey ?? '', DEVICE_KEY_RE);
  assert.notEqual(phoneKey, laptopKey);
  const listed = assertCliOk(await aws.run('list-devices', '--access-token', token), 'list-devices');
  assert.deepEqual(listed.Devices.map((d) => d.DeviceKey).sort(), [laptopKey, phoneKey].sort());

  // Forgotten: gone from the lists, and a new device again for the laptop.
  assertCliOk(await aws.run('forget-device', '--access-token', token, '--device-key', laptopKey), 'forget-device');
  const remaining = assertCliOk(await aws.run('list-devices', '--access-token', token), 'list-devices');
  assert.deepEqual(remaining.Devices.map((d) => d.DeviceKey), [phoneKey]);
  assertCliError(await aws.run('get-device', '--access-token', token, '--device-key', laptopKey),
    'ResourceNotFoundException', 'get-device of a forgotten device');
  assert.deepEqual(await authenticate(laptop.user(username)), { totp: true }, 'a forgotten device is asked for the code');

  // The administrator's forms, on the phone.
  await sdk.send(new AdminUpdateDeviceStatusCommand({
    UserPoolId: poolId, Username: username, DeviceKey: phoneKey, DeviceRememberedStatus: 'not_remembered',
  }));
  const phoneDevice = await sdk.send(new AdminGetDeviceCommand({ UserPoolId: poolId, Username: username, DeviceKey: phoneKey }));
  assert.equal(deviceAttributes(phoneDevice.Device)['dev:device_remembered_status'], 'not_remembered');
  await sdk.send(new AdminForgetDeviceCommand({ UserPoolId: poolId, Username: username, DeviceKey: phoneKey }));
  assert.deepEqual((await sdk.send(new AdminListDevicesCommand({ UserPoolId: poolId, Username: username }))).Devices, []);
  await sdkError('ResourceNotFoundException',
    sdk.send(new AdminForgetDeviceCommand({ UserPoolId: poolId, Username: username, DeviceKey: phoneKey })));
});

it('with MFA required, a device set to not_remembered is asked for the code again', async () => {
  const { aws, sdk } = ctx;
  const { poolId, username, app, laptop, laptopKey, token } = await mfaUserWithLaptop();

  assertCliOk(await aws.run('update-device-status', '--access-token', token, '--device-key', laptopKey,
    '--device-remembered-status', 'not_remembered'), 'update-device-status');
  const { Device } = assertCliOk(await aws.run('get-device', '--access-token', token, '--device-key', laptopKey),
    'get-device');
  assert.equal(deviceAttributes(Device)['dev:device_remembered_status'], 'not_remembered');

  const before = (await signedInEvents(poolId, username)).length;
  const user = laptop.user(username);
  assert.deepEqual(await authenticate(user), { totp: true }, 'a device no longer remembered needs the code');
  assert.equal((await signedInEvents(poolId, username)).length, before, 'no tokens without the code');
  const signedIn = await sendCode(user, await app.fresh());
  assert.ok(signedIn.session.isValid(), 'signed in with the code');
  const last = (await signedInEvents(poolId, username)).at(-1);
  assert.equal(last.data.mfa, 'SOFTWARE_TOKEN_MFA');
  assert.equal(last.data.new_device, undefined, 'the known device, not a new one');
  assert.equal(laptop.deviceKey(username), laptopKey);

  // Remembered again: no code.
  await sdk.send(new AdminUpdateDeviceStatusCommand({
    UserPoolId: poolId, Username: username, DeviceKey: laptopKey, DeviceRememberedStatus: 'remembered',
  }));
  assert.ok((await authenticate(laptop.user(username))).session?.isValid(), 'signed in without the code');
  assert.equal((await signedInEvents(poolId, username)).at(-1).data.device_key, laptopKey);
});

it('with ChallengeRequiredOnNewDevice false, even a remembered device is asked for the code', async () => {
  const { poolId, username, app, laptop, laptopKey } = await mfaUserWithLaptop(
    { ChallengeRequiredOnNewDevice: false, DeviceOnlyRememberedOnUserPrompt: false });
  const device = await ctx.sdk.send(new AdminGetDeviceCommand({ UserPoolId: poolId, Username: username, DeviceKey: laptopKey }));
  assert.equal(deviceAttributes(device.Device)['dev:device_remembered_status'], 'remembered');

  const user = laptop.user(username);
  assert.deepEqual(await authenticate(user), { totp: true }, 'remembering does not replace the second factor here');
  assert.ok((await sendCode(user, await app.fresh())).session.isValid());
  const last = (await signedInEvents(poolId, username)).at(-1);
  assert.equal(last.data.mfa, 'SOFTWARE_TOKEN_MFA');
  assert.equal(last.data.new_device, undefined, 'the known device, not a new one');
});

it('DeviceOnlyRememberedOnUserPrompt: the device is confirmed but remembered only when the user says so', async () => {
  const { sdk } = ctx;
  const { poolId, clientId } = await devicePool({ ChallengeRequiredOnNewDevice: true, DeviceOnlyRememberedOnUserPrompt: true });
  const username = unique('prompt');
  await createConfirmedUser(sdk, poolId, username);
  const laptop = browser(poolId, clientId);

  const first = await authenticate(laptop.user(username));
  assert.equal(first.userConfirmationNecessary, true, 'the library is told to ask the user');
  const deviceKey = laptop.deviceKey(username);
  assert.match(deviceKey ?? '', DEVICE_KEY_RE);
  const get = () => sdk.send(new AdminGetDeviceCommand({ UserPoolId: poolId, Username: username, DeviceKey: deviceKey }));
  assert.equal(deviceAttributes((await get()).Device)['dev:device_remembered_status'], 'not_remembered');

  await sdk.send(new UpdateDeviceStatusCommand({
    AccessToken: accessTokenOf(first), DeviceKey: deviceKey, DeviceRememberedStatus: 'remembered',
  }));
  assert.equal(deviceAttributes((await get()).Device)['dev:device_remembered_status'], 'remembered');
  await sdkError('InvalidParameterException', sdk.send(new UpdateDeviceStatusCommand({
    AccessToken: accessTokenOf(first), DeviceKey: deviceKey, DeviceRememberedStatus: 'forever',
  })));
});
