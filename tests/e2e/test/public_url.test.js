// --public-url sets the token issuer. Started as https://cognito-idp.us-east-1.amazonaws.com,
// tokens verify with aws-jwt-verify's CognitoJwtVerifier exactly as for real Cognito; only the
// JWKS download is redirected to the local server.
import assert from 'node:assert/strict';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { usingExternalServer } from '../lib/server.js';
import { PASSWORD, createClient, createConfirmedUser, createPool, getJson, httpFetcher, it, jwt, unique, useServer } from '../lib/util.js';
import { InitiateAuthCommand } from '@aws-sdk/client-cognito-identity-provider';

const COGNITO = 'https://cognito-idp.us-east-1.amazonaws.com';
const ctx = usingExternalServer() ? null : useServer({ publicUrl: COGNITO });

it('tokens verify with CognitoJwtVerifier when --public-url is the Cognito issuer', { skip: !ctx && 'COGNATE_ENDPOINT is set: this test starts its own server' }, async () => {
  const { sdk, endpoint } = ctx;
  const poolId = await createPool(sdk);
  const { clientId } = await createClient(sdk, poolId);
  const username = unique('pub');
  await createConfirmedUser(sdk, poolId, username);
  const tokens = (await sdk.send(new InitiateAuthCommand({
    ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: username, PASSWORD },
  }))).AuthenticationResult;

  const issuer = `${COGNITO}/${poolId}`;
  assert.equal(jwt(tokens.IdToken).payload.iss, issuer);
  assert.equal(jwt(tokens.AccessToken).payload.iss, issuer);
  const oidc = (await getJson(`${endpoint}/${poolId}/.well-known/openid-configuration`)).json;
  assert.equal(oidc.issuer, issuer);
  assert.equal(oidc.jwks_uri, `${issuer}/.well-known/jwks.json`);

  const jwksCache = new SimpleJwksCache({ fetcher: httpFetcher((uri) => uri.replace(COGNITO, endpoint)) });
  const idVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, clientId, tokenUse: 'id' }, { jwksCache });
  const accessVerifier = CognitoJwtVerifier.create({ userPoolId: poolId, clientId, tokenUse: 'access' }, { jwksCache });
  const id = await idVerifier.verify(tokens.IdToken);
  const access = await accessVerifier.verify(tokens.AccessToken);
  assert.equal(id['cognito:username'], username);
  assert.equal(access.username, username);

  // The verifier refuses a token of the wrong use and one for another client.
  await assert.rejects(idVerifier.verify(tokens.AccessToken));
  const other = CognitoJwtVerifier.create({ userPoolId: poolId, clientId: 'someotherclient', tokenUse: 'id' }, { jwksCache });
  await assert.rejects(other.verify(tokens.IdToken));
}, 60_000);
