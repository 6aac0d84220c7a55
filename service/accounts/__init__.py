"""Officer accounts 经办人员账号: sign-in with a user name and password, server-side console sessions.

API keys stay for machines; people sign in to the console with an account, held to a region prefix exactly as
an officer key is (:class:`service.security.Principal`).
"""
