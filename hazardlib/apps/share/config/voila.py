"""Voilà configuration of ``hazard serve`` (this folder joins JUPYTER_CONFIG_PATH): the tornado settings and the
pools' sizes by notebook, which the command line cannot give (a dict with a number and a boolean, a dict of dicts);
see hazardlib.serve.tornado_settings and hazardlib.serve.kernel_pools.
"""

import os

from hazardlib.apps.session import login_required
from hazardlib.serve import ENV_POOL, kernel_pools, pool_size, tornado_settings

c = get_config()  # type: ignore[name-defined]  # noqa: F821 - traitlets defines it when loading this file
c.Voila.tornado_settings = tornado_settings(login=login_required())
pools = kernel_pools(pool_size(os.environ.get(ENV_POOL)))
if pools:
    c.VoilaKernelManager.kernel_pools_config = pools
