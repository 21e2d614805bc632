"""Access control of the HTTP API: API keys (`api.access.keys`) and the audit log (`api.access.audit`).

Built on the row operations of ``store.access``; the store keeps the tables, this package the policy.
"""

from api.access.audit import CLI_ACTOR, AuditLog
from api.access.keys import KEY_PREFIX, ROLES, ApiKeys
from api.access.records import ApiKey, AuditEntry, KeyCheck, KeyVerdict, hash_secret, utc_text

__all__ = [
    "CLI_ACTOR",
    "KEY_PREFIX",
    "ROLES",
    "ApiKey",
    "ApiKeys",
    "AuditEntry",
    "AuditLog",
    "KeyCheck",
    "KeyVerdict",
    "hash_secret",
    "utc_text",
]
