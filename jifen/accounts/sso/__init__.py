"""Sign-on with the company's identity provider (OpenID Connect) or directory (LDAP).

Both are off until configured (see conf.py and README "Sign-on"). Either way the person is found
in Jifen by employee number or e-mail, and their roles come from Jifen, never from the provider.
"""
