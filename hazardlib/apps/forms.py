"""Forms built from the record models: one labelled control per field, titles taken from the model (so the
inline messages of :func:`hazardlib.models.check` land beside the right field)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import ipywidgets as widgets
import traitlets
from pydantic import BaseModel

from .. import models, vocab
from ..intake.normalise import BadCell
from ..intake.normalise import date as read_date
from .ui import FormField, button, choose, dropdown, options_from

if TYPE_CHECKING:
    from .base import App

M = TypeVar("M", bound=BaseModel)
TODAY = "today"
WIDE = "28em"


def text_box(
    model: type[BaseModel],
    key: str,
    *,
    area: bool = False,
    width: str = WIDE,
    height: str = "4em",
    placeholder: str = "",
) -> widgets.Text | widgets.Textarea:
    """A box for ``model``'s text field ``key`` (a Textarea with ``area``) whose placeholder shows the most
    characters the model takes; a longer text is refused by the model, its message put beside the box."""
    limit = models.max_chars(model, key)
    shown = "；".join(x for x in (placeholder, f"最多{limit}个字" if limit else "") if x)
    if area:
        return widgets.Textarea(placeholder=shown, layout=widgets.Layout(width=width, height=height))
    return widgets.Text(placeholder=shown, layout=widgets.Layout(width=width))


DATE_HINT = "年-月-日，如 2024-09-15"


def _date_to_text(value: Any, _widget: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value)


def _text_to_date(text: Any, _widget: Any) -> Any:
    """What the clerk typed as a date (None when blank); text that is not a date stays text, for the model's
    check to refuse beside its field."""
    try:
        return read_date(text)
    except BadCell:
        return text


class DateText(widgets.Text):
    """A date field that shows and takes dates as 2024-09-15 in every browser.

    A browser's own date input writes the date in the browser's language (09/15/2024 in an English one,
    whatever the page's language); this one is a text box. ``value`` is a ``datetime.date`` (None when
    blank); what the clerk types is read as the spreadsheets' dates are (2024-9-15, 2024/9/15, 2024年9月15日,
    20240915) and shown back as 2024-09-15 once the box is left; text that is no date stays the ``value``
    as typed (a str), which a model refuses with its message.
    """

    value = traitlets.Any(None, allow_none=True).tag(
        sync=True, to_json=_date_to_text, from_json=_text_to_date
    )

    def __init__(self, value: dt.date | None = None, **kwargs: Any):
        kwargs.setdefault("placeholder", DATE_HINT)
        kwargs.setdefault("continuous_update", False)  # read when the box is left, not at every keystroke
        kwargs.setdefault("layout", widgets.Layout(width="14em"))  # its hint whole (DATE_HINT)
        super().__init__(value=value, **kwargs)
        self.add_class("hz-date")
        self.observe(self._show_as_read, names="value")

    def _show_as_read(self, change: dict[str, Any]) -> None:
        # a date typed as 2024/9/15 is shown back as 2024-09-15 (a change from the page is not echoed by itself)
        if isinstance(change["new"], dt.date):
            self.send_state("value")

    @property
    def day(self) -> dt.date | None:
        """The date, or None when blank or not a date."""
        return self.value if isinstance(self.value, dt.date) else None


@dataclass(frozen=True)
class Spec:
    """One field of a form: the model field, the kind of control, its choices and default.

    ``kind``: text, textarea, date, choice, vocab, bool, int, product, county. ``vocabulary`` gives the
    choices of a ``vocab`` field; a date's ``default`` may be ``"today"`` (the session's as-of date).
    """

    key: str
    kind: str = "text"
    required: bool = False
    hint: str = ""
    default: Any = None
    vocabulary: vocab.Vocabulary | None = None
    choices: tuple[tuple[str, Any], ...] = ()
    blank: str = "（请选择）"
    held: Callable[[Any], str] | None = None
    """The label of a ``choice`` value recorded but not among ``choices`` (a record opened from its row)."""


HELD = "（原记录）"
"""Said after a recorded value that a dropdown offers only because the record opened holds it."""


class ModelForm:
    """Controls for some fields of ``model``; :meth:`check` validates and puts findings beside fields."""

    def __init__(self, app: App, model: type[M], specs: Sequence[Spec], *, label_width: str = "11em"):
        self.app, self.model, self.specs = app, model, {s.key: s for s in specs}
        self.fields: dict[str, FormField] = {}
        self.held: dict[str, tuple[str, Any]] = {}  # the option added for a recorded value, by field
        for spec in specs:
            info = model.model_fields.get(spec.key)
            title = (info.title if info is not None else None) or spec.key
            self.fields[spec.key] = FormField(
                spec.key,
                title,
                self._control(spec),
                required=spec.required,
                hint=spec.hint,
                label_width=label_width,
            )
        self.widget = widgets.VBox([f.widget for f in self.fields.values()])

    def _control(self, spec: Spec) -> widgets.Widget:
        wide = widgets.Layout(width=WIDE)
        default = spec.default
        if spec.kind in ("text", "textarea"):
            box = text_box(self.model, spec.key, area=spec.kind == "textarea")
            box.value = default or ""
            return box
        if spec.kind == "date":
            return DateText(self.app.as_of if default == TODAY else default)
        if spec.kind == "bool":
            return widgets.Checkbox(value=bool(default), indent=False)
        if spec.kind == "int":
            return widgets.BoundedIntText(
                value=default or 0, min=0, max=1_000_000, layout=widgets.Layout(width="8em")
            )
        if spec.kind in ("choice", "vocab", "product", "county"):
            if spec.kind == "vocab":
                assert spec.vocabulary is not None
                options: list[tuple[str, Any]] = options_from(spec.vocabulary.labels, blank=spec.blank)
            elif spec.kind == "product":
                options = [(spec.blank, None), *self.app.product_options]
            elif spec.kind == "county":
                counties = self.app.county_options()
                options = counties if len(counties) == 1 else [(spec.blank, None), *counties]
                if len(counties) == 1:
                    default = default or counties[0][1]
            else:
                options = [(spec.blank, None), *spec.choices]
            return dropdown(options, default, layout=wide)
        raise ValueError(f"unknown kind of control: {spec.kind}")

    def control(self, key: str) -> Any:
        return self.fields[key].control

    def values(self) -> dict[str, Any]:
        """The filled-in values (blank ones left out, so the model's defaults apply)."""
        out = {}
        for key, f in self.fields.items():
            value = f.control.value
            if isinstance(value, str):
                value = value.strip()
            if value in ("", None):
                continue
            if self.specs[key].kind == "bool" and value is False:
                continue
            out[key] = value
        return out

    def fill(self, values: dict[str, Any]) -> None:
        for key, value in values.items():
            if key in self.fields and value is not None:
                self.fields[key].control.value = value

    def reset(self) -> None:
        for key, option in self.held.items():  # a record's own value is offered only while it is open
            control = self.control(key)
            control.options = [o for o in control.options if tuple(o) != option]
        self.held.clear()
        for key, f in self.fields.items():
            spec = self.specs[key]
            if spec.kind == "date":
                f.control.value = self.app.as_of if spec.default == TODAY else spec.default
            elif spec.kind == "bool":
                f.control.value = bool(spec.default)
            elif spec.kind == "int":
                f.control.value = spec.default or 0
            elif spec.kind in ("choice", "vocab", "product"):
                choose(f.control, spec.default)
            elif spec.kind == "county":
                if len(f.control.options) > 1:
                    choose(f.control, spec.default)
            else:
                f.control.value = spec.default or ""
            f.clear()

    def show(self, record: dict[str, Any]) -> None:
        """The form showing a recorded row's values of its fields (blank where a value is missing).

        A value its dropdown does not offer (a product the year's catalogue no longer lists, an original batch
        older than those listed, a batch sampled by another county) is offered too while the record is open,
        marked 原记录, so that saving the record again keeps it rather than blanking or replacing it."""
        self.reset()
        for key, f in self.fields.items():
            value = record.get(key)
            if value is None:
                continue
            if isinstance(f.control, widgets.Dropdown) and value not in [v for _, v in f.control.options]:
                option = (f"{self._label(self.specs[key], value)}{HELD}", value)
                f.control.options = [*f.control.options, option]
                self.held[key] = option
            f.control.value = value

    def _label(self, spec: Spec, value: Any) -> str:
        """How a recorded value of ``spec``'s dropdown is named when the dropdown does not offer it."""
        if spec.kind == "product":
            return self.app.product_label(value)
        if spec.kind == "county":
            return self.app.county_name(value)
        if spec.kind == "vocab" and spec.vocabulary is not None:
            return spec.vocabulary.label(value)
        return spec.held(value) if spec.held is not None else str(value)

    def clear(self) -> None:
        for f in self.fields.values():
            f.clear()

    def check(self, extra: dict[str, Any] | None = None) -> Any:
        """The record these values make (with ``extra`` fields added), or None after showing why not."""
        self.clear()
        record, findings = models.check(self.model, {**self.values(), **(extra or {})}, today=self.app.as_of)
        if record is None:
            self.app.show_findings(findings, self.fields)
        return record


def section_form(
    app: App,
    model: type[M],
    specs: Sequence[Spec],
    key: str,
    title: str,
    save: Callable[[], Any],
    *,
    button_key: str = "",
) -> tuple[ModelForm, widgets.Button]:
    """A form of ``model``'s ``specs`` (``hz-form-<key>`` in the page) and its green ``title`` button
    (``hz-btn-<button_key or key>``) that runs ``save`` when clicked."""
    form = ModelForm(app, model, specs)
    form.widget.add_class(f"hz-form-{key}")
    save_btn = button(title, style="success", key=button_key or key)
    app.on_click(save_btn, save)
    return form, save_btn
