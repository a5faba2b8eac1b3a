// A real OpenID Connect provider on loopback for Faultline's OIDC tests (npm oidc-provider,
// pinned in package.json). Usage:
//   node oidc-provider.mjs <port> <client_id> <client_secret> <redirect_uri>
// Any login name typed into the provider's development login form becomes an account whose
// email is that name (verified) and whose subject is the name. Prints "READY <issuer>".
import { Provider } from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
if (!port || !clientId || !clientSecret || !redirectUri) {
  console.error('usage: node oidc-provider.mjs <port> <client_id> <client_secret> <redirect_uri>');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['faultline-test-only-cookie-key'] },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true, name: `Test ${id.split('@')[0]}` };
      },
    };
  },
});

provider.listen(Number(port), '127.0.0.1', () => console.log(`READY ${issuer}`));
process.on('SIGTERM', () => process.exit(0));
