"""ORM tables, on one declarative base. API schemas live in ``service.schemas``; these types never leave the
service layer.

``base`` holds the base and column types; ``core`` the tables every domain uses; domains with tables of their own
have a module each (``casework``, ``fairs``). Importing this package registers every table.
"""

from service.models import accounts, casework, fairs  # noqa: F401  (registers their tables with the base)
from service.models.base import NO_ID_REUSE, Base, TimestampMixin, UTCDateTime, utcnow
from service.models.core import (
    ApiKey,
    AuditEvent,
    Change,
    EmbedQueue,
    Embedding,
    Employer,
    JobPosting,
    Lease,
    PolicyFlag,
    Referral,
    Seeker,
)

__all__ = ["NO_ID_REUSE", "ApiKey", "AuditEvent", "Base", "Change", "EmbedQueue", "Embedding", "Employer",
           "JobPosting", "Lease", "PolicyFlag", "Referral", "Seeker", "TimestampMixin", "UTCDateTime", "casework",
           "fairs", "utcnow"]
