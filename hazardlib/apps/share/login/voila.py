"""Voilà configuration added by ``hazard serve`` when login is on (this folder joins JUPYTER_CONFIG_PATH).

Without a kernel pool, the prelaunch hook binds each page's kernel to the logged-in account; with one
(``HAZARD_POOL`` > 0) Voilà allows no prelaunch hook, and kernels bind through the one-time binding token the
identity provider puts into each page request (hazardlib.login.binding_header). The cookie secret is read
from the store (shared by every server on it, so a restart or another server accepts the same logins); the
command line can give neither. The identity provider is given on the command line (hazardlib.serve.voila_command).
"""

import os

from hazardlib.login import accounts_store, prelaunch_hook
from hazardlib.login_state import cookie_secret
from hazardlib.serve import ENV_POOL, pool_size

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - traitlets defines it when loading this file
if not pool_size(os.environ.get(ENV_POOL)):
    c.VoilaConfiguration.prelaunch_hook = prelaunch_hook
c.Voila.cookie_secret = cookie_secret(accounts_store())
