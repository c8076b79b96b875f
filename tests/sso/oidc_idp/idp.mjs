// A real OpenID Connect provider for the tests (oidc-provider, dev login pages).
// Configuration comes from IDP_CONFIG (JSON): port, issuer, clients, jwks,
// and accounts mapping a login name to its email and groups.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.IDP_CONFIG);

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: config.jwks,
  cookies: { keys: ['test-only-cookie-key'] },
  pkce: { required: () => true },
  findAccount: async (ctx, id) => {
    const known = config.accounts[id] || {};
    return {
      accountId: id,
      claims: async () => ({
        sub: id,
        email: known.email || `${id}@corp.example`,
        email_verified: known.email_verified !== false,
        name: known.name || id,
        groups: known.groups || [],
      }),
    };
  },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: true } },
});

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`listening on ${config.issuer}`);
});
