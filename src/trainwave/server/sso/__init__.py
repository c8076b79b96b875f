"""Enterprise single sign-on: OIDC, SAML 2.0 and LDAP/Active Directory."""
