"""Settings of the nightly batch's mail delivery (``HAIZHI_SMTP_*`` and ``HAIZHI_MAIL_FROM``).

They extend the matcher's `matcher.config.Settings` (same ``HAIZHI_`` prefix and ``.env`` file), so one
`NightlySettings` configures both the matcher a run uses and the SMTP server it mails through, while
the matcher itself knows nothing about mail.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr

from matcher.config import Settings

SmtpSecurity = Literal["none", "starttls", "ssl"]


class NightlySettings(Settings):
    """The matcher's settings plus the SMTP delivery of the nightly batch.

    Attributes:
        smtp_host: SMTP server.
        smtp_port: its port (25, 587 for STARTTLS, 465 for implicit TLS).
        smtp_security: ``none``, ``starttls`` or ``ssl`` (implicit TLS).
        smtp_user: login; no AUTH when empty.
        smtp_password: its password.
        smtp_timeout: seconds per SMTP step.
        mail_from: the sender, ``Name <user@host>``.
    """

    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: SmtpSecurity = "none"
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_timeout: float = Field(default=60.0, gt=0)
    mail_from: str = "Haizhi Match 海智匹配 <noreply@haizhi.example.cn>"


def nightly_settings(settings: Settings) -> NightlySettings:
    """``settings`` as `NightlySettings`: itself when it is one, else with the SMTP settings read on top.

    The SMTP part then comes from the environment and ``.env``, as `Settings()` would have read it.
    """
    if isinstance(settings, NightlySettings):
        return settings
    return NightlySettings(**settings.model_dump(exclude_unset=True))
