"""The base of every dashboard app: built from a store and an as-of date, it guards every widget callback,
shows messages in plain Chinese, marks long work as in progress, and scopes choices to the session's county.

A callback that raises never reaches the page: a :class:`~hazardlib.errors.HazardError` shows its own
Chinese message (a refused input shows each finding, beside its field where the app has one), and any
other exception shows a short apology with an incident number while its traceback goes to the log.
"""

from __future__ import annotations

import abc
import datetime as dt
import functools
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import ipywidgets as widgets
import sqlalchemy as sa

from .. import schema
from ..campaign import Campaign, load_campaign
from ..catalogue import Catalogue, catalogue_of, load_catalogue, load_catalogue_with_county_products
from ..errors import Finding, HazardError, UnknownProduct, ValidationFailed
from ..figures import is_open, ledger_at
from ..regions import Regions, load_regions
from ..store import PREFECTURE_CODE, SYSTEM_USER, Store
from .session import (
    Session,
    configure_logging,
    login_required,
    preheating,
    session_day,
    store_url,
)
from .ui import (
    FONT_STACK,
    STYLE,
    Busy,
    FormField,
    esc,
    fmt_date,
    hold_until_asked,
    html_table,
    in_voila_page,
    message_html,
    unannounced,
)

log = logging.getLogger("hazardlib.apps")

INTERNAL_ERROR = "操作未完成：系统出现内部错误（记录号 {incident}），详细情况已记入日志。请稍后重试；如仍出现，请把记录号告诉管理员。"
REFUSED = "未保存：有 {n} 处需要修改，请按提示修改后重新提交。"
UNAVAILABLE = "本页面暂时无法打开：{reason}"
# Under the reason on the "unavailable" page. The page template (hazard/index.html.j2) reloads such a page a few
# times, waiting longer each time, and puts the count-down in this note's place.
RETRYING = "本页面稍后会自动重新打开，无需操作；如多次仍无法打开，请联系管理员。"
NO_DATABASE = "暂时无法连接数据库（记录号 {incident}），请稍后再试"
LANDING = "index.ipynb"
# The output metadata that marks a cell's HTML as the page's first paint (the page template writes it into the page).
FIRST_PAINT_KEY = "hazard-first-paint"
CONNECTING = "正在连接，稍候即可操作…"
# The first paint's own look: the apps' fonts and width (STYLE's rules for .hz-app), and inert until it goes.
FIRST_PAINT_STYLE = (
    f"<style>.hz-first-paint {{ font-family: {FONT_STACK}; max-width: 1180px; padding: 4px 16px;"
    " pointer-events: none; user-select: none; }"
    " .hz-first-paint .hz-first-title { font-size: 26px; margin: 12px 0 20px 0; }"
    " .hz-first-paint .hz-first-note { color: #607d8b; font-size: 13px; margin: 6px 0; }"
    " .hz-first-paint svg { max-width: 100%; height: auto; }"
    " .hz-first-paint .hz-timeline-scroll { max-width: 100%; overflow-x: auto; }"
    " .hz-first-paint svg.hz-timeline { max-width: none; }</style>"
)
# The county a preheated kernel builds its page for while it waits (any county: only the statements count).
WARM_UP_COUNTY = "522701"
# Brings a message that has just been shown into view if it is not (a message under a button at the bottom
# of the window). An HTML widget sets its value as the element's HTML, where a <script> does not run but an
# image's error handler does; the empty data URL always fails to load, once per value shown.
SCROLL = (
    '<img class="hz-scroll" alt="" data-n="{n}" src="data:," style="display:none" '
    "onerror=\"this.closest('.hz-messages').scrollIntoView({{block: 'nearest'}})\">"
)


class App(abc.ABC):
    """A dashboard app: ``App(store, as_of).widget`` is what the dashboard shows."""

    title: ClassVar[str] = ""
    context: ClassVar[str] = "看板"
    home_link: ClassVar[bool] = True  # the header links back to the landing page (not on the landing page)

    def __init__(
        self,
        store: Store,
        as_of: dt.date | None = None,
        first: FirstView | None = None,
        *,
        warming_up: bool = False,
    ):
        self.store = store
        self.as_of = as_of or dt.date.today()
        # What the page's first paint showed (read for this session once): :meth:`build` starts from it.
        self.first = first
        # Built by a preheated kernel before any request (:meth:`warm_up`): no page will fetch these widgets, so
        # :meth:`build` fills at once what it would otherwise fill once the page has fetched them.
        self.warming_up = warming_up
        self.regions: Regions = load_regions()
        self.status = widgets.HTML()
        self.status.add_class("hz-status")
        self.busy = Busy()
        self._buttons: list[widgets.Button] = []
        self._errored: list[FormField] = []
        self._said = 0
        # Messages and the busy line live in one box at a time: at the top until a control is used, then
        # right under that control's row (see :meth:`near`), where the clerk's eye is.
        self.messages = widgets.VBox([self.busy.widget, self.status])
        self.messages.add_class("hz-messages")
        self._home = widgets.VBox([self.messages])
        self._slots: dict[int, widgets.VBox] = {}
        self.header = widgets.HTML(self._header_html())
        body = self.build()
        self.widget = widgets.VBox([widgets.HTML(STYLE), self.header, self._home, body])
        self.widget.add_class("hz-app")
        self.widget.add_class(f"hz-app-{type(self).__name__.lower()}")

    # -- building ----------------------------------------------------------------------------------
    @classmethod
    def from_session(cls, session: Session | None = None) -> App:
        """The app for the session ``hazard serve`` set up (store, county, as-of date and person).

        If the session cannot be opened the returned object's widget says so in Chinese.
        """
        return cls.opening(session).app

    @classmethod
    def opening(cls, session: Session | None = None) -> Opening:
        """The page being opened for the session ``hazard serve`` set up: in a preheated kernel this warms
        up, then waits for the page request and binds the kernel to whoever made it; then it reads the
        first view (:meth:`first_view`) for that session. The notebook shows it (the page's first paint,
        drawn by the browser from the page's HTML before any script) and then ``.app.widget``."""
        configure_logging()
        hold_until_asked()  # the page asks for every widget's state once it connects: no message before that
        try:
            shared = cls.warm_up() if session is None and preheating() else None
            session = session or Session.from_env(shared=shared)
            store = session.store(shared)
        except Exception as exc:  # the app's cell says why (Opening.app); the first paint shows nothing
            return Opening(cls, None, None, exc)
        first = None
        try:
            started = time.perf_counter()
            first = cls.first_view(store, session.as_of)
            if first is not None:
                log.info(
                    "%s first view for %s in %.2f s",
                    cls.__name__,
                    session.scope_code,
                    time.perf_counter() - started,
                )
        except Exception:  # the first paint is an early look: the app, built next, says what went wrong
            log.exception("%s could not read its first view", cls.__name__)
        return Opening(cls, session, store, None, first)

    @classmethod
    def first_view(cls, store: Store, as_of: dt.date) -> FirstView | None:
        """What the page shows first for this session, read from the store: the HTML of the app's first
        read-only widgets, which :meth:`build` then starts from (``self.first``); None: no first paint."""
        return None

    @classmethod
    def warm_up(cls) -> Store | None:
        """In a preheated kernel, before it knows whom it serves: open the store read-only, read the first view
        for a county and for the prefecture and build this app once for the county, then close every widget
        made, so that the page built after the request finds its modules imported, its connection open and
        its statements compiled (the engine's statement cache), and has only the county's data to read. The
        store it returns is the one the session then acts on; None (nothing shared) if warming up failed.

        The app is not built for the prefecture too: every page a clerk opens takes a pool kernel that warms
        up, so a second build cost every page its CPU (the landing page's to-do rules, about a sixth of its
        kernel's CPU) for the few prefecture sessions, whose first paint is warm all the same (its first view
        is read) and whose live app then compiles the prefecture's own statements (docs/benchmarks.md,
        "Capacity, eighth round")."""
        started = time.perf_counter()
        try:
            store = Store(store_url(), user=SYSTEM_USER).reading_only()
            as_of = session_day()
            with unannounced():  # no page will fetch these widgets: nothing about them goes to the server
                for county in (WARM_UP_COUNTY, None):
                    scoped = store.acting(user=SYSTEM_USER, county=county).reading_only()
                    first = cls.first_view(scoped, as_of)
                    if county is not None:
                        cls(scoped, as_of, first, warming_up=True)
            log.info(
                "%s warmed up in %.2f s, waiting for its request", cls.__name__, time.perf_counter() - started
            )
        except Exception:  # warming up is an optimisation: the page is then built the ordinary way
            log.exception("%s could not warm up", cls.__name__)
            return None
        finally:
            # The preheated kernel has shown nothing yet: every widget alive now belongs to the warm-up.
            widgets.Widget.close_all()
        return store

    @abc.abstractmethod
    def build(self) -> widgets.Widget:
        """The app's own widgets (below the header and the message line)."""

    def _header_html(self) -> str:
        return header_html(self.store, self.as_of, home_link=self.home_link, campaign=self.campaign)

    # -- scope ----------------------------------------------------------------------------------
    @property
    def county(self) -> str | None:
        """The session's county code; None for the prefecture."""
        return self.store.county

    @property
    def scope_name(self) -> str:
        return scope_name(self.store)

    def county_options(self, *, whole: str | None = None) -> list[tuple[str, str | None]]:
        """County choices this session may use: its own county only, or every county for the prefecture
        (led by ``whole`` meaning all of them, when given)."""
        if self.county is not None:
            return [(self.regions.name_of(self.county), self.county)]
        opts: list[tuple[str, str | None]] = [(whole, None)] if whole else []
        return opts + [(c.name, c.code) for c in self.regions.counties]

    def county_name(self, code: str | None) -> str:
        if not code:
            return ""
        try:
            return self.regions.name_of(code)
        except HazardError:
            return code

    @functools.cached_property
    def campaign(self) -> Campaign | None:
        """The campaign of the as-of date's year (None if there is no calendar for that year)."""
        return campaign_of(self.year)

    @property
    def year(self) -> int:
        return self.as_of.year

    @functools.cached_property
    def catalogue(self) -> Catalogue:
        """The key products of the session's campaign year (its ``[catalogue]`` and county additions),
        or every category of products.csv in a year without a campaign file."""
        return catalogue_for(self.year)

    @functools.cached_property
    def product_options(self) -> list[tuple[str, str]]:
        """(label, code) of every key product sub-product, e.g. ("18 燃气用具·燃气灶具", "18-01")."""
        return product_options(self.catalogue)

    def product_label(self, code: str | None) -> str:
        """A product as the dropdowns name it (:func:`product_label`)."""
        return product_label(self.product_options, code)

    # -- counting -------------------------------------------------------------------------------
    def count(self, table: sa.Table, *where: Any) -> int:
        """How many of ``table``'s records this session sees that meet ``where``."""
        return count(self.store, table, *where)

    def overview(self) -> dict[str, int]:
        """A few counts of the session's county (or the prefecture) as they stood on the as-of date."""
        return overview(self.store, self.as_of)

    def overview_html(self) -> str:
        return overview_html(self.store, self.as_of)

    # -- messages -------------------------------------------------------------------------------
    def say(self, text: str, kind: str = "ok", details: Sequence[str] = ()) -> None:
        """Show a message where the clerk's eye is (``kind``: ok, error, info, warn): under the control
        last used (see :meth:`near`), scrolled into view. A success clears the errors left beside fields."""
        if kind == "ok":
            self.clear_field_errors()
        self._said += 1
        self.status.value = message_html(kind, text, details) + SCROLL.format(n=self._said)

    def clear_message(self) -> None:
        self.status.value = ""

    def clear_field_errors(self) -> None:
        """Take away the errors :meth:`show_findings` put beside fields."""
        for f in self._errored:
            f.clear()
        self._errored = []

    def near(self, control: widgets.Widget) -> None:
        """Show the messages and the busy line from now on right under ``control``'s row (the row of
        boxes laid out side by side that holds it), clearing the message shown elsewhere.

        The row is found in the app's widget tree as it is now (pages rebuild parts of it); a control not
        in the tree leaves the messages where they are."""
        path = _path_to(self.widget, control)
        if path is None:
            return
        row_at = len(path) - 1
        while row_at > 1 and isinstance(path[row_at - 1], widgets.HBox):
            row_at -= 1
        row, parent = path[row_at], path[row_at - 1]
        slot = self._slots.get(id(row))
        if slot is None or _path_to(self.widget, slot) is None:
            slot = widgets.VBox()
            slot.add_class("hz-message-slot")
            self._slots[id(row)] = slot
            children = list(parent.children)
            at = children.index(row)
            if isinstance(parent, widgets.HBox | widgets.Tab | widgets.Accordion | widgets.Stack):
                # a row inside a row or a tab: the row and its slot become one box in its place
                children[at] = widgets.VBox([row, slot])
            else:
                children.insert(at + 1, slot)
            parent.children = children
        if self.messages not in slot.children:
            for box in (self._home, *self._slots.values()):
                if box is not slot and self.messages in box.children:
                    box.children = ()
            self.status.value = ""
            slot.children = (self.messages,)

    def report(self, exc: BaseException, fields: Mapping[str, FormField] | None = None) -> None:
        """Show an exception as a plain Chinese message; log the traceback of anything unexpected."""
        if isinstance(exc, ValidationFailed):
            self.show_findings(exc.findings, fields)
        elif isinstance(exc, HazardError):
            log.info("%s refused: %s", type(self).__name__, exc)
            self.say(str(exc), "error")
        else:
            incident = uuid.uuid4().hex[:8]
            log.exception("%s callback failed (incident %s)", type(self).__name__, incident)
            self.say(INTERNAL_ERROR.format(incident=incident), "error")

    def show_findings(
        self, findings: Sequence[Finding], fields: Mapping[str, FormField] | None = None
    ) -> None:
        """Put each finding beside its field (matched by the field's Chinese title or key); list the rest."""
        fields = fields or {}
        for f in fields.values():
            f.clear()
        by_name: dict[str, FormField] = {}
        for f in fields.values():
            by_name[f.title] = f
            by_name[f.key] = f
        rest = []
        for finding in findings:
            target = by_name.get(finding.field or "") or by_name.get((finding.field or "").split("·")[0])
            if target is not None and not target.has_error:
                target.set_error(finding.message)
                self._errored.append(target)
            elif target is None:
                rest.append(str(finding))
        self.say(REFUSED.format(n=len(findings)), "error", rest)

    # -- callbacks ------------------------------------------------------------------------------
    def guard(self, fn: Callable[..., Any]) -> Callable[..., None]:
        """``fn`` wrapped so that no exception escapes to the page (see :meth:`report`)."""

        @functools.wraps(fn)
        def guarded(*args: Any, **kwargs: Any) -> None:
            try:
                fn(*args, **kwargs)
            except Exception as exc:
                self.report(exc)
            finally:
                if self.busy.active:
                    self._done()

        return guarded

    def on_click(self, btn: widgets.Button, fn: Callable[[], Any]) -> None:
        """Run ``fn`` when ``btn`` is clicked, guarded."""
        self._buttons.append(btn)
        guarded = self.guard(lambda _b: fn())

        def clicked(b: widgets.Button) -> None:
            try:
                self.near(b)
            except Exception:  # placing the message must never stop the action itself
                log.exception("%s: could not place the message under a button", type(self).__name__)
            guarded(b)

        btn.on_click(clicked)

    def on_change(self, widget: widgets.Widget, fn: Callable[[Any], Any], names: str = "value") -> None:
        """Run ``fn(new_value)`` when ``widget``'s value changes, guarded."""
        widget.observe(self.guard(lambda change: fn(change["new"])), names=names)

    @contextmanager
    def working(self, text: str) -> Iterator[Busy]:
        """Show that long work is under way (and keep buttons from being clicked twice) while it runs."""
        self.busy.show(text)
        self._was_disabled = {id(b): b.disabled for b in self._buttons}
        for b in self._buttons:
            b.disabled = True
        try:
            yield self.busy
        finally:
            self._done()

    def _done(self) -> None:
        self.busy.hide()
        before = getattr(self, "_was_disabled", {})
        for b in self._buttons:
            b.disabled = before.get(id(b), False)
        self._was_disabled = {}

    # -- writing --------------------------------------------------------------------------------
    def transaction_context(self, what: str) -> str:
        """The audit context of a write made from this app."""
        return f"{self.context}：{what}"


def _path_to(root: widgets.Widget, target: widgets.Widget) -> list[widgets.Widget] | None:
    """The boxes from ``root`` down to ``target`` (both included), or None if ``target`` is not shown in it."""
    if root is target:
        return [root]
    for child in getattr(root, "children", ()) if isinstance(root, widgets.Box) else ():
        below = _path_to(child, target)
        if below is not None:
            return [root, *below]
    return None


def header_html(
    store: Store, as_of: dt.date, *, home_link: bool = True, campaign: Campaign | None = None
) -> str:
    """The line at the top of every page: where back to the landing page, the session's scope, date, stage
    of the campaign (``campaign``, the as-of year's) and person, and the way to log out."""
    parts = [
        f"范围：<b>{esc(scope_name(store))}</b>",
        f"日期：<b>{esc(fmt_date(as_of))}</b>",
    ]
    if campaign is not None:
        parts.append(esc(campaign.stage_of(as_of).label))
    parts.append(f"操作人：<b>{esc(store.user)}</b>")
    if login_required():
        # Voilà tells each kernel the server's base URL; logging out is a page of the server.
        logout = f"{os.environ.get('VOILA_BASE_URL') or '/'}logout"
        parts.append(f'<a class="hz-logout" href="{esc(logout)}" target="_top">退出登录</a>')
    if home_link:
        # every dashboard is served beside the landing page (voila/render/<name>.ipynb)
        parts.insert(0, f'<a class="hz-home" href="{esc(LANDING)}" target="_top">返回工作台首页</a>')
    # each part kept on one line (a phone wraps the line between parts, not inside 日期 or 操作人)
    kept = (f'<span class="hz-head-part">{part}</span>' for part in parts)
    sep = '<span class="hz-head-sep">　｜　</span>'  # hidden on a phone (see .hz-head in ui.STYLE)
    return f'<div class="hz-head">{sep.join(kept)}</div>'


def scope_name(store: Store) -> str:
    """The name of the session's county, or the prefecture's."""
    return load_regions().name_of(store.county or PREFECTURE_CODE)


def count(store: Store, table: sa.Table, *where: Any) -> int:
    """How many of ``table``'s records ``store``'s session sees that meet ``where``."""
    stmt = store.scoped(sa.select(sa.func.count()).select_from(table).where(*where), table)
    with store.read() as conn:
        return int(conn.execute(stmt).scalar_one())


def overview(store: Store, as_of: dt.date) -> dict[str, int]:
    """A few counts of the session's county (or the prefecture) as they stood on ``as_of``."""
    e, s, h = schema.enterprises, schema.self_checks, schema.hazards
    year = as_of.year
    led = ledger_at(as_of)
    open_stmt = sa.select(sa.func.count()).select_from(led).where(led.c.campaign_year == year, is_open(led))
    if store.county is not None:
        open_stmt = open_stmt.where(led.c.county_code == store.county)
    with store.read() as conn:
        still_open = int(conn.execute(open_stmt).scalar_one())
    return {
        "登记企业": count(store, e),
        f"{year}年企业自查": count(store, s, s.c.campaign_year == year, s.c.check_date <= as_of),
        f"{year}年发现隐患和风险": count(store, h, h.c.campaign_year == year, h.c.found_date <= as_of),
        "未销号隐患和风险": still_open,
    }


def overview_html(store: Store, as_of: dt.date) -> str:
    """:func:`overview` as the pages' table of figures."""
    return html_table({k: [v] for k, v in overview(store, as_of).items()}, css_class="hz-overview")


def product_label(options: Sequence[tuple[str, str]], code: str | None) -> str:
    """A product as the dropdowns of ``options`` (:func:`product_options`) name it; one they do not list (a
    category dropped later, another year's county addition) by the name it was recorded under."""
    label = next((label for label, c in options if c == code), None)
    if label is not None or not code:
        return label or ""
    try:
        sub = load_catalogue_with_county_products().sub_product(code)
    except UnknownProduct:
        return code
    return f"{sub.category_code} {sub.name}"


def catalogue_for(year: int) -> Catalogue:
    """The key products of ``year``'s campaign (its ``[catalogue]`` and county additions), or every category of
    products.csv in a year without a campaign file."""
    return catalogue_of(year) if campaign_of(year) is not None else load_catalogue()


def product_options(catalogue: Catalogue) -> list[tuple[str, str]]:
    """(label, code) of every sub-product of ``catalogue``, e.g. ("18 燃气用具·燃气灶具", "18-01")."""
    out = []
    for cat in catalogue.categories:
        for sp in cat.sub_products:
            name = cat.name if sp.name == cat.name else f"{cat.name}·{sp.name}"
            out.append((f"{cat.code} {name}", sp.code))
    return out


def campaign_of(year: int) -> Campaign | None:
    """The campaign of ``year`` (None if there is no calendar for that year)."""
    try:
        return load_campaign(year)
    except HazardError:
        return None


@dataclass(frozen=True)
class FirstView:
    """What a page shows before its widgets are drawn, read for one session (:meth:`App.first_view`): ``html``,
    the HTML of the app's first read-only widgets as they will show it, and ``data``, what the app's
    :meth:`~App.build` starts from instead of reading it again (each app says what it is)."""

    html: str
    data: Any = None


class Opening:
    """A page being opened for one session (:meth:`App.opening`): shown in the notebook, it is the page's first
    paint; :attr:`app` is the app then built for the same session, on the same store.

    The first paint is a cell's HTML output marked :data:`FIRST_PAINT_KEY`; the page template (hazard/index.html.j2)
    writes it into the page's HTML itself, so the browser draws it as soon as it arrives, before any script, and
    takes it away once the live app is drawn. Until then its controls are inert and it says it is connecting.
    It is read only after the kernel is bound to the page's session: a preheated kernel shows nobody's data
    before its request.
    """

    def __init__(
        self,
        cls: type[App],
        session: Session | None,
        store: Store | None,
        failure: BaseException | None,
        first: FirstView | None = None,
    ):
        self.cls, self.session, self.store, self.failure, self.first = cls, session, store, failure, first

    def first_paint(self) -> str:
        """The first paint's HTML ('' when the page has none for this session)."""
        if self.first is None or self.store is None or self.session is None:
            return ""
        head = header_html(
            self.store,
            self.session.as_of,
            home_link=self.cls.home_link,
            campaign=campaign_of(self.session.as_of.year),
        )
        return (
            f'<div class="hz-first-paint" data-app="{esc(self.cls.__name__.lower())}" aria-busy="true">'
            f'{FIRST_PAINT_STYLE}{STYLE}<div class="hz-first-title">{esc(self.cls.title)}</div>{head}'
            f'<div class="hz-first-note" role="status">{esc(CONNECTING)}</div>{self.first.html}</div>'
        )

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """How the notebook shows this object: in a Voilà page, the first paint, marked for the page template;
        elsewhere (JupyterLab, nbval), where nothing would take it away once the app is drawn, nothing."""
        html = self.first_paint() if in_voila_page() else ""
        return {"text/html": html, "text/plain": ""}, {FIRST_PAINT_KEY: True}

    @functools.cached_property
    def app(self) -> App:
        """The app for the session; if it cannot be built, the "unavailable" page saying why in Chinese."""
        cls = self.cls
        try:
            if self.failure is not None:
                raise self.failure
            assert self.session is not None and self.store is not None
            started = time.perf_counter()
            app = cls(self.store, self.session.as_of, self.first)
            log.info(
                "%s built for %s in %.2f s",
                cls.__name__,
                self.session.scope_code,
                time.perf_counter() - started,
            )
            return app
        except HazardError as exc:
            log.warning("%s: %s", cls.__name__, exc)
            return Unavailable(cls.title, str(exc))
        except sa.exc.DBAPIError:  # the database server restarting, a file being restored…: worth a retry
            incident = uuid.uuid4().hex[:8]
            log.exception("%s could not reach its database (incident %s)", cls.__name__, incident)
            return Unavailable(cls.title, NO_DATABASE.format(incident=incident))
        except Exception:
            incident = uuid.uuid4().hex[:8]
            log.exception("%s could not start (incident %s)", cls.__name__, incident)
            return Unavailable(cls.title, f"系统出现内部错误（记录号 {incident}），请联系管理员")


class Unavailable(App):
    """What a dashboard shows when its app cannot be built for this session: why, in Chinese, and that the page
    will open itself again (the page template reloads it a few times, see ``RETRYING``)."""

    def __init__(self, title: str, reason: str):  # there is no store to build from
        self.title_text = title
        self.status = widgets.HTML(message_html("error", UNAVAILABLE.format(reason=reason)))
        self.retry = widgets.HTML(f'<div class="hz-retry">{esc(RETRYING)}</div>')
        self.widget = widgets.VBox([widgets.HTML(STYLE), self.status, self.retry])
        self.widget.add_class("hz-app")
        self.widget.add_class("hz-unavailable")

    def build(self) -> widgets.Widget:  # pragma: no cover - never built
        return widgets.VBox()
