"""Voilà configuration added by ``hazard serve`` when login is on (this folder joins JUPYTER_CONFIG_PATH).

The prelaunch hook is a Python callable, which Voilà's command line cannot give; the identity provider is
given on the command line (see hazardlib.serve.voila_command).
"""

from hazardlib.login import prelaunch_hook

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - traitlets defines it when loading this file
c.VoilaConfiguration.prelaunch_hook = prelaunch_hook
