"""Voilà configuration added by ``hazard serve`` when login is on (this folder joins JUPYTER_CONFIG_PATH).

The prelaunch hook is a Python callable, and the cookie secret is read from the store (shared by every
server on it, so a restart or another server accepts the same logins); the command line can give neither.
The identity provider is given on the command line (see hazardlib.serve.voila_command).
"""

from hazardlib.login import accounts_store, prelaunch_hook
from hazardlib.login_state import cookie_secret

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - traitlets defines it when loading this file
c.VoilaConfiguration.prelaunch_hook = prelaunch_hook
c.Voila.cookie_secret = cookie_secret(accounts_store())
