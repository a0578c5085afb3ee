"""Serving the dashboards: the Voilà command line and the environment that binds every kernel to one
session (store, county, as-of date, acting person).

Voilà runs standalone (not as a JupyterLab extension) because standalone Voilà lets a browser send only
widget messages, never code to execute. The settings below strip sources, hide tracebacks, serve the
page in Chinese, use the workbook's template (Voilà's lab template with nothing fetched from the
internet), cull the kernels of closed pages, and refuse template or theme overrides from the URL.

With login on (``ServeConfig.login``), Voilà asks for an account name and password
(:class:`hazardlib.login.AccountIdentityProvider`) and binds each page's kernel to the logged-in account's
person and county (:func:`hazardlib.login.prelaunch_hook`); the session's person and county are then not
in the environment at all. Serving beyond this machine is refused without login (:func:`check_exposure`),
and without login the server answers only requests addressed to a loopback name or address (its ``Host``
header), so a web page cannot reach it through a domain of its own that resolves to 127.0.0.1 (DNS
rebinding): see :func:`tornado_settings`.

With a kernel pool (``ServeConfig.pool`` > 0, ``hazard serve --pool N``), Voilà keeps N preheated kernels per
dashboard that have already imported the workbook and wait for a request (Voilà's ``preheat_kernel``); a
page is then served by one of them at once. Each serves one request only and is culled like any other
kernel once its page is closed; the pool refills behind it. With login on, a preheated kernel learns its
person and county through a one-time binding token (see :mod:`hazardlib.login`).

Kernels are forked from a process that has imported the workbook already (the zygote, :mod:`hazardlib.forking`;
``--no-fork-kernels``: started anew each): a page's kernel then costs a fork and the page's own cells, not a
Python start and the imports, and the kernels share the imported modules' memory.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .apps.session import BINDING_HEADER, ENV_COUNTY, ENV_LOG, ENV_LOGIN, ENV_USER, Session
from .datafiles import data_dir
from .errors import HazardError
from .forking import ENV_ZYGOTE, socket_path
from .forking import start as start_zygote
from .login_state import PAGE_WAIT_SECONDS, START_WAIT_SECONDS

TEMPLATE = "hazard"
LANGUAGE = "zh"
CULL_IDLE_SECONDS = 30
CULL_INTERVAL_SECONDS = 10
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ENV_DASHBOARDS = "HAZARD_DASHBOARDS"
# Preheated kernels kept ready per dashboard; 0: no pool (each page starts its kernel on request).
ENV_POOL = "HAZARD_POOL"
DEFAULT_POOL = 0
MAX_POOL = 8
# A pool refills this many seconds after a page took one of its kernels. Voilà puts the refill into the pool at
# once, so a page that comes meanwhile takes it and waits out the delay, then the kernel's start and warm-up: at 5 s
# (so that the refill would not compete with the page being drawn) the slowest tenth of the pages under load waited
# 5-6 s, a quarter of the working schedule's pages over 4 s; at 1 s, 2.5-2.8 s (docs/benchmarks.md, "Capacity, ninth
# round"). Voilà's default.
POOL_FILL_DELAY_SECONDS = 1
# The pages clerks open most, the landing page and the ledger (where steps are recorded), keep one preheated kernel
# more than the others: under load a page that finds its pool's first kernel taken takes the second rather than the
# refill. With the 1 s refill, the burst's median fell from 1.56 s to 0.56 s and its p90 from 2.5 s to 0.8 s, the
# schedule's p90s from 2.7-2.8 s to 1.4-2.0 s, for two kernels more (about 100 MB; docs/benchmarks.md, "Capacity,
# ninth round").
BUSIEST_NOTEBOOKS = ("index.ipynb", "ledger.ipynb")
# The kernel manager (hazardlib.kernels, imported by Voilà only): kernels alive at most, pools included, and
# kernels starting at once (the rest wait in a queue, a page at most START_WAIT_SECONDS).
KERNEL_MANAGER = "hazardlib.kernels.BoundedKernelManager"
# The bound on kernels alive comes from memory (kernel_bound): the whole server is to take at most MEMORY_BUDGET_MB
# (issue 21), and never more than the machine can give when it starts (MemAvailable, of which MACHINE_SHARE: the
# store's page cache and the other programs keep the rest). What it takes, by proportional share (PSS: pages shared
# by several processes counted once), measured in the capacity benchmark (docs/benchmarks.md, "Capacity, ninth
# round" and "Quiet machine after the ninth round's merges", 500-hazard store, county clerks): the Voilà server and
# the zygote 230-280 MB together (SERVER_MB leaves room above that); each kernel forked from the zygote 42-49 MB more
# (its private memory, USS: what it adds, the pages shared with the zygote counted in the server's part; with 60
# kernels 3.2 GB in all). KERNEL_MB is a third above that for kernels that read more (a prefecture's pages, a larger
# store). A kernel started the plain way (--no-fork-kernels) shares only the libraries' code: about 110 MB by PSS,
# 150 MB resident; KERNEL_PLAIN_MB. With 10 GB free or more this gives 121 forked kernels (60 plain), with 8 GB free 96 (48): room for
# 60 clerks each holding a page with the pools beside them: with a fixed bound of 60 the schedule's pages waited 2-9 s
# for a place; with 121 its 60 clerks took at most 71 kernels, 3.6 GB by PSS (47 MB USS each), and no page waited
# for a place (docs/benchmarks.md, "Capacity, tenth round").
MEMORY_BUDGET_MB = 8192
MACHINE_SHARE = 0.8
SERVER_MB = 400
KERNEL_MB = 64
KERNEL_PLAIN_MB = 128
# Never fewer kernels than this, however little memory the machine reports: a pool of one kernel per dashboard and
# the busiest pages' second (kernel_pools(1): 10 kernels) and a few pages beside them.
MIN_KERNELS = 12
MAX_STARTING = 2
# The Jupyter data folder (under template_root) whose python3 kernel spec names the zygote's kernel provisioner,
# and that provisioner's entry point (pyproject.toml).
FORKED_KERNELS = "forked"
PROVISIONERS = "jupyter_client.kernel_provisioners"
PROVISIONER = "hazard-zygote"
NO_PROVISIONER = (
    "注意：未找到内核预加载进程的启动程序（请重新安装本软件包：./workbook setup），每个页面将按普通方式启动内核（较慢）。"
    " The zygote's kernel provisioner is not installed: kernels start the plain way."
)
# JupyterLab extensions installed beside Voilà that a page does not load: the pages show no code, so the
# syntax-highlighting theme (three scripts fetched before the widgets can start) is not needed.
UNUSED_EXTENSIONS = ("jupyterlab_pygments",)
# The reverse proxies whose X-Forwarded-For the login believes (comma-separated addresses or networks).
ENV_TRUSTED_PROXIES = "HAZARD_TRUSTED_PROXIES"
IDENTITY_PROVIDER = "hazardlib.login.AccountIdentityProvider"
# With login on: a kernel only for the login whose page it serves (its model, shutdown and websocket).
AUTHORIZER = "hazardlib.login.KernelOwnerAuthorizer"
# Voilà's websocket carries an uploaded file in one message: room for the largest upload the import
# dashboard accepts (hazardlib.apps.exports.MAX_UPLOAD_MB), and a little more.
WEBSOCKET_MAX_MESSAGE_BYTES = 100 * 1024 * 1024


class DashboardsNotFound(HazardError):
    """The folder of dashboard notebooks is missing."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"找不到看板文件夹：{path}（可用环境变量 {ENV_DASHBOARDS} 指定）")


class PortUnavailable(HazardError):
    """The address and port to serve on cannot be used."""

    def __init__(self, host: str, port: int, reason: str):
        self.host, self.port = host, port
        super().__init__(f"无法在 {host}:{port} 上启动看板：{reason}（可用 --port 换一个端口）")


class LoginRequired(HazardError):
    """Serving beyond this machine without login, or login asked for with no account to log in with."""


def is_loopback(host: str) -> bool:
    """True for an address only this machine can reach (127.0.0.0/8, ::1, ``localhost``)."""
    if host in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, login: bool, active_accounts: int | None = None) -> None:
    """Raise LoginRequired (Chinese message) unless serving on ``host`` with ``login`` as given is allowed:
    beyond loopback only with login on, and login only when some account can log in (``active_accounts``
    None: not known yet, not checked)."""
    if not login and not is_loopback(host):
        raise LoginRequired(
            f"拒绝启动：监听地址 {host} 不是本机地址，其他电脑可以访问，必须启用登录。"
            "请先用“hazard users add 姓名 --county 县（市）代码”为每位工作人员创建账号"
            "（州局人员用 --prefecture 代替 --county），再加 --login 启动"
        )
    if login and active_accounts == 0:
        raise LoginRequired(
            "拒绝启动：已要求登录，但数据库中还没有可以登录的账号。"
            "请先用“hazard users add 姓名 --county 县（市）代码”创建账号"
        )


class BadPool(HazardError):
    """A --pool value that is not a whole number from 0 to MAX_POOL."""

    def __init__(self, value: object):
        super().__init__(
            f"--pool 的值“{value}”应为 0 到 {MAX_POOL} 之间的整数（每个看板预先启动的内核数，0 表示不预启动）"
        )


def pool_size(value: str | int | None) -> int:
    """The kernel pool size ``value`` gives (None or empty: :data:`DEFAULT_POOL`); raises BadPool otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return DEFAULT_POOL
    try:
        size = int(value)
    except ValueError:
        raise BadPool(value) from None
    if not 0 <= size <= MAX_POOL:
        raise BadPool(value)
    return size


class BadProxy(HazardError):
    """A --trusted-proxy value that is not an address or network."""

    def __init__(self, value: str):
        self.value = value
        super().__init__(f"--trusted-proxy 的值“{value}”不是 IP 地址或网段（如 127.0.0.1、10.0.0.0/24）")


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_proxies(values: Sequence[str] | str | None) -> list[Network]:
    """The reverse proxies' addresses or networks (a list, or the comma-separated environment value);
    raises BadProxy (Chinese message) for anything else."""
    if isinstance(values, str) or values is None:
        values = (values or "").split(",")
    networks = []
    for value in (v.strip() for v in values):
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise BadProxy(value) from None
    return networks


def tornado_settings(login: bool) -> dict[str, Any]:
    """Voilà's tornado settings (given in ``apps/share/config/voila.py``, which reads ``HAZARD_LOGIN``).

    Without login, ``allow_remote_access`` is off: jupyter_server then refuses (403) any request whose
    ``Host`` is not a loopback address or ``localhost``, websockets included, so a page of another site
    reaching this server through a domain that resolves to 127.0.0.1 gets nothing. With login, requests
    come by whatever name the offices or the reverse proxy use, and the login cookie (which the browser
    sends only to the name it was set for) keeps other sites out.
    """
    return {"websocket_max_message_size": WEBSOCKET_MAX_MESSAGE_BYTES, "allow_remote_access": login}


def check_port(host: str, port: int) -> None:
    """Raise PortUnavailable (Chinese message) unless ``host``:``port`` can be listened on now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            reason = "端口已被占用" if exc.errno == errno.EADDRINUSE else (exc.strerror or str(exc))
            raise PortUnavailable(host, port, reason) from None


def dashboards_dir() -> Path:
    """The folder of dashboard notebooks: ``$HAZARD_DASHBOARDS``, else ``dashboards/`` beside the package."""
    override = os.environ.get(ENV_DASHBOARDS)
    path = Path(override) if override else Path(__file__).resolve().parent.parent / "dashboards"
    if not (path / "index.ipynb").is_file():
        raise DashboardsNotFound(path)
    return path.resolve()


def template_root() -> Path:
    """The Jupyter data folder that holds the workbook's Voilà template (``voila/templates/hazard``)."""
    return Path(__file__).resolve().parent / "apps" / "share"


def default_log_file() -> Path:
    """Where the dashboards' log (with tracebacks of unexpected errors) is written: ``$HAZARD_LOG``, else
    ``logs/dashboards.log`` in the data folder."""
    override = os.environ.get(ENV_LOG)
    return Path(override) if override else data_dir() / "logs" / "dashboards.log"


@dataclass(frozen=True)
class ServeConfig:
    """Everything ``hazard serve`` needs to start Voilà."""

    session: Session
    host: str = "127.0.0.1"
    port: int = 8866
    root: Path | None = None
    log_file: Path | None = None
    # On: each person logs in, and the session's person and county are the account's, not ``session``'s.
    login: bool = False
    # Reverse proxies whose X-Forwarded-For names the client (login throttling counts by client address).
    proxies: tuple[str, ...] = ()
    # Preheated kernels kept ready per dashboard (0: none, each page starts its own kernel on request).
    pool: int = DEFAULT_POOL
    # Kernels alive at once, pools included (a page beyond is told "服务器繁忙" and retries); None: from the
    # memory budget and the machine's free memory now (kernel_bound).
    max_kernels: int | None = None
    # Kernels forked from a process that has imported the workbook already (hazardlib.forking), not started anew.
    fork_kernels: bool = True

    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"


def available_memory_mb(meminfo: Path = Path("/proc/meminfo")) -> float | None:
    """What the machine could still give programs without swapping (``MemAvailable`` of ``meminfo``), in MB; None
    where it is not known (no such file or line)."""
    try:
        lines = meminfo.read_text(encoding="ascii").splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.partition(":")
        if name == "MemAvailable":
            return int(value.split()[0]) / 1024
    return None


def kernel_bound(
    available_mb: float | None, fork_kernels: bool = True, budget_mb: float = MEMORY_BUDGET_MB
) -> int:
    """The kernels that may be alive at once: as many as fit, beside the server (:data:`SERVER_MB`), within the
    memory budget and within :data:`MACHINE_SHARE` of ``available_mb`` (the machine's free memory; None: unknown,
    the budget alone), each taking :data:`KERNEL_MB` (forked from the zygote) or :data:`KERNEL_PLAIN_MB`; never
    fewer than :data:`MIN_KERNELS`."""
    room = budget_mb if available_mb is None else min(budget_mb, available_mb * MACHINE_SHARE)
    per_kernel = KERNEL_MB if fork_kernels else KERNEL_PLAIN_MB
    return max(MIN_KERNELS, int((room - SERVER_MB) // per_kernel))


def kernel_limit(config: ServeConfig) -> int:
    """The bound on kernels alive ``config`` gives: its own, else :func:`kernel_bound` for this machine now."""
    if config.max_kernels is not None:
        return config.max_kernels
    return kernel_bound(available_memory_mb(), config.fork_kernels)


def voila_command(config: ServeConfig) -> list[str]:
    """The Voilà command line for ``config`` (the session travels in the environment, see :func:`voila_env`)."""
    root = config.root or dashboards_dir()
    return [
        sys.executable,
        "-m",
        "voila",
        str(root),
        "--no-browser",
        f"--Voila.ip={config.host}",
        f"--Voila.port={config.port}",
        "--Voila.port_retries=0",
        f"--template={TEMPLATE}",
        f"--VoilaExporter.language_code={LANGUAGE}",
        "--VoilaConfiguration.strip_sources=True",
        "--VoilaConfiguration.show_tracebacks=False",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        f"--VoilaConfiguration.extension_denylist={list(UNUSED_EXTENSIONS)!r}",
        # Kernels of closed pages go after CULL_IDLE_SECONDS (a kernel no page has connected to yet only after
        # PAGE_WAIT_SECONDS, see hazardlib.kernels); with login on, the kernels of ended logins
        # (disabled, password changed, logged out, a day old) go within a minute (hazardlib.login.KernelReaper).
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        f"--VoilaConfiguration.multi_kernel_manager_class={KERNEL_MANAGER}",
        f"--BoundedKernelManager.max_kernels={kernel_limit(config)}",
        f"--BoundedKernelManager.max_starting={MAX_STARTING}",
        f"--BoundedKernelManager.start_wait={START_WAIT_SECONDS}",
        # How long the server waits for a cell's output once the kernel has said the cell is done: Voilà's 4 s
        # lost the app's widget on a busy server ("Timeout waiting for IOPub output"), and the page then showed
        # nothing. The page itself waits this long before it loads itself again.
        f"--VoilaExecutor.iopub_timeout={PAGE_WAIT_SECONDS}",
        *(
            [f"--Voila.identity_provider_class={IDENTITY_PROVIDER}", f"--Voila.authorizer_class={AUTHORIZER}"]
            if config.login
            else []
        ),
        *(pool_options(config.pool) if config.pool else []),
    ]


def kernel_pools(size: int) -> dict[str, dict[str, int]]:
    """Voilà's pool size by notebook (``VoilaKernelManager.kernel_pools_config``, given in the template's config
    file: the command line cannot give a dict of dicts) for ``--pool size``: ``size`` preheated kernels for every
    dashboard, one more for :data:`BUSIEST_NOTEBOOKS`; nothing without a pool (Voilà's default then stands)."""
    if size <= 0:
        return {}
    return {"default": {"pool_size": size}, **{name: {"pool_size": size + 1} for name in BUSIEST_NOTEBOOKS}}


def pool_options(size: int) -> list[str]:
    """Voilà's options for a pool of ``size`` preheated kernels per dashboard. The binding header reaches a
    kernel only through ``http_header_envs`` (the identity provider writes it; see hazardlib.login)."""
    return [
        "--VoilaConfiguration.preheat_kernel=True",
        f"--VoilaConfiguration.default_pool_size={size}",
        f"--VoilaConfiguration.http_header_envs={[BINDING_HEADER]!r}",
        f"--VoilaKernelManager.fill_delay={POOL_FILL_DELAY_SECONDS}",
    ]


def voila_env(
    config: ServeConfig, base: Mapping[str, str] | None = None, zygote: Path | None = None
) -> dict[str, str]:
    """The environment Voilà (and so every kernel) runs with: the session, and the template's folder.

    With login on, the person and county are left out (each kernel gets its account's from the login) and
    ``HAZARD_LOGIN=1`` tells a kernel to open no session unless the login bound it. With ``zygote`` (the folder of
    the zygote's socket, see :func:`run`), the kernel spec whose provisioner forks kernels from it comes first.
    """
    env = dict(os.environ if base is None else base)
    env.update(config.session.environ(config.log_file or default_log_file()))
    if config.login:
        for var in (ENV_USER, ENV_COUNTY):
            env.pop(var, None)
        env[ENV_LOGIN] = "1"
        env[ENV_TRUSTED_PROXIES] = ",".join(config.proxies)
    else:
        env.pop(ENV_LOGIN, None)
        env.pop(ENV_TRUSTED_PROXIES, None)
    # The template lives in the package's Jupyter data folder; its config folder holds voila.py, which
    # gives the tornado settings (tornado_settings: a dict the command line cannot give). With login on,
    # the login folder's voila.py adds the prelaunch hook and the store's cookie secret.
    config_folders = [template_root() / "config", *([template_root() / "login"] if config.login else [])]
    data_folders = [*([template_root() / FORKED_KERNELS] if zygote else []), template_root()]
    for var, folders in (("JUPYTER_PATH", data_folders), ("JUPYTER_CONFIG_PATH", config_folders)):
        env[var] = os.pathsep.join([*map(str, folders), *([env[var]] if env.get(var) else [])])
    env[ENV_POOL] = str(config.pool)
    # A preheated kernel asks the server for its request over a websocket to this address (Voilà's default,
    # 127.0.0.1, is not listened on when the server is bound to one address of a network card).
    listening = config.host if config.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    env["VOILA_APP_IP"] = f"[{listening}]" if ":" in listening else listening
    env.setdefault("PYTHONUNBUFFERED", "1")
    if zygote:
        env[ENV_ZYGOTE] = str(socket_path(zygote))
    else:
        env.pop(ENV_ZYGOTE, None)
    return env


def provisioner_installed() -> bool:
    """Whether jupyter_client finds the zygote's provisioner (the package's entry point: installed with it)."""
    return bool(entry_points(group=PROVISIONERS, name=PROVISIONER))


def banner(config: ServeConfig) -> str:
    """What ``hazard serve`` prints before it starts: where to go, and what the session is bound to."""
    s = config.session
    lines = [f"工作台看板地址：{config.url()}"]
    if config.login:
        lines.append(
            "登录：已启用。每人用自己的账号登录，数据范围和操作人都取自登录账号（账号用 hazard users 管理）。"
        )
    else:
        lines += [
            "登录：未启用（仅限本机访问）。",
            f"数据范围：{s.scope_name}（{s.scope_code}）",
            f"操作人：{s.user}",
        ]
    if config.pool:
        lines.append(f"预启动内核：每个看板 {config.pool} 个（页面打开即显示数据）")
    lines.append(
        f"内核上限：同时至多 {kernel_limit(config)} 个（每个打开的页面一个，含预启动内核；默认按 "
        f"{MEMORY_BUDGET_MB // 1024} GB 内存预算和本机可用内存计算，可用 --max-kernels 指定）"
    )
    lines += [
        f"统计日期（看板中的“今天”）：{s.as_of.isoformat()}",
        f"数据库：{shown_url(s.url)}",
        f"日志：{config.log_file or default_log_file()}",
    ]
    if config.login and config.proxies:
        lines.append(f"可信反向代理：{'、'.join(config.proxies)}（只采信它们转来的 X-Forwarded-For）")
    if config.login and not is_loopback(config.host):
        lines.append("注意：登录密码经网络明文传输；对外提供服务时请在前面加一层 HTTPS 反向代理。")
    lines.append("按 Ctrl+C 停止。")
    return "\n".join(lines)


def shown_url(url: str) -> str:
    """The store URL as it may be printed: any password masked."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def run(config: ServeConfig, *, replace_process: bool = True) -> int:
    """Start Voilà for ``config``; by default the current process becomes Voilà (signals reach it directly).

    With ``config.fork_kernels``, the zygote (:mod:`hazardlib.zygote`) starts first, as this process's child: it
    imports the workbook while Voilà starts, and ends when Voilà (this process, after exec) has ended."""
    cmd = voila_command(config)
    zygote = None
    if config.fork_kernels:
        if provisioner_installed():
            zygote = Path(tempfile.mkdtemp(prefix="hazard-zygote-"))  # only this user may enter it
        else:
            print(NO_PROVISIONER, file=sys.stderr)
    env = voila_env(config, zygote=zygote)
    log_file = config.log_file or default_log_file()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    if zygote:
        start_zygote(zygote, env)
    if replace_process:
        os.execvpe(cmd[0], cmd, env)  # pragma: no cover - replaces the process
    return subprocess.call(cmd, env=env)
