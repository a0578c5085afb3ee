"""Voilà configuration of ``hazard serve`` (this folder joins JUPYTER_CONFIG_PATH): the tornado settings,
which the command line cannot give (a dict with a number and a boolean); see hazardlib.serve.tornado_settings.
"""

from hazardlib.apps.session import login_required
from hazardlib.serve import tornado_settings

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - traitlets defines it when loading this file
c.Voila.tornado_settings = tornado_settings(login=login_required())
