"""``metrics:``: figures computed from other figures by a small expression, e.g.
``answered_share: care.answered_1h / care.answered``, shown as ``metrics.answered_share``.

Expressions are read and evaluated by simpleeval (a maintained, sandboxed evaluator), never by
``eval``: only numbers, the metric streams they name (``source.stream``), + - * / // % **, and
min, max, abs and round. A layout whose expression cannot be read, or names what is no metric,
is refused by ``kiosk check``; a division by zero at run time is a "no data" state on screen.
"""

from __future__ import annotations

import ast
import math
import types
from collections.abc import Mapping
from typing import Annotated

import simpleeval
from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema, field_validator

from kiosk.config.types import LAYOUT_MODEL

METRICS = "metrics"
"""The name metrics are published under: ``metrics.<name>``."""
MAX_EXPRESSION = 500  # characters
_OPERATORS = {
    ast.Add: simpleeval.safe_add,
    ast.Sub: simpleeval.op.sub,
    ast.Mult: simpleeval.safe_mult,
    ast.Div: simpleeval.op.truediv,
    ast.FloorDiv: simpleeval.op.floordiv,
    ast.Mod: simpleeval.op.mod,
    ast.Pow: simpleeval.safe_power,
    ast.USub: simpleeval.op.neg,
    ast.UAdd: simpleeval.op.pos,
}
_FUNCTIONS = {"min": min, "max": max, "abs": abs, "round": round}


class FormulaError(ValueError):
    """An expression that cannot be a formula, said so a person can fix it."""


class Formula:
    """One parsed expression: the streams it reads and how to evaluate it.

    Raises:
        FormulaError: the text is no expression, or uses what formulas do not allow.
    """

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        if not self.text:
            raise FormulaError("empty expression")
        try:
            tree = ast.parse(self.text, mode="eval")
        except SyntaxError as error:
            where = f" at column {error.offset}" if error.offset else ""
            raise FormulaError(f"cannot read {self.text!r}{where}: {error.msg}") from None
        self.streams = _streams_in(tree)
        self._evaluator = simpleeval.SimpleEval(
            operators=dict(_OPERATORS), functions=dict(_FUNCTIONS), names={}
        )
        self._parsed = tree.body
        # A dry run on ones: simpleeval refuses what it does not allow (strings, comparisons,
        # comprehensions…) with its own message; a division by zero here says nothing.
        try:
            self.evaluate(dict.fromkeys(self.streams, 1.0))
        except ZeroDivisionError:
            pass
        except FormulaError:
            raise
        except Exception as error:
            raise FormulaError(f"{self.text!r}: {error}") from None

    def evaluate(self, values: Mapping[str, float]) -> float:
        """The expression's value for ``values`` (every stream of :attr:`streams`, by its full
        name). Raises ZeroDivisionError, OverflowError or :class:`FormulaError`."""
        sources: dict[str, dict[str, float]] = {}
        for name, value in values.items():
            source, _, stream = name.partition(".")
            sources.setdefault(source, {})[stream] = value
        self._evaluator.names = {
            source: types.SimpleNamespace(**streams) for source, streams in sources.items()
        }
        try:
            result = self._evaluator.eval(self.text, previously_parsed=self._parsed)
        except simpleeval.InvalidExpression as error:
            raise FormulaError(f"{self.text!r}: {error}") from None
        if isinstance(result, bool) or not isinstance(result, int | float):
            raise FormulaError(f"{self.text!r} gives {type(result).__name__}, not a number")
        if isinstance(result, float) and not math.isfinite(result):
            raise OverflowError(f"{self.text!r} is not a finite number")
        return float(result)


def _streams_in(tree: ast.Expression) -> tuple[str, ...]:
    """The ``source.stream`` names the expression reads, in order; a bare name is refused."""
    found: list[str] = []
    called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    for node in ast.walk(tree):
        operator = getattr(node, "op", None)
        if isinstance(node, ast.BinOp | ast.UnaryOp) and type(operator) not in _OPERATORS:
            raise FormulaError(f"{ast.unparse(node)!r}: formulas use + - * / // % ** only")
        if isinstance(node, ast.Compare | ast.BoolOp):
            raise FormulaError(f"{ast.unparse(node)!r}: formulas compute, they do not compare")
        if isinstance(node, ast.Call) and not isinstance(node.func, ast.Name):
            raise FormulaError(f"{ast.unparse(node)!r}: only min, max, abs and round are called")
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            found.append(f"{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Attribute):
            raise FormulaError(f"write a stream as source.stream, not {ast.unparse(node)!r}")
        elif isinstance(node, ast.Name) and id(node) in called and node.id not in _FUNCTIONS:
            known = ", ".join(_FUNCTIONS)
            raise FormulaError(f"no function {node.id!r} (formulas know {known})")
    attributes = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in called and id(node) not in attributes:
            raise FormulaError(
                f"{node.id!r} is no stream: write source.stream (e.g. care.answered); "
                "a source whose name has a '-' cannot be read by a formula"
            )
    return tuple(dict.fromkeys(found))


class MetricFormula(BaseModel):
    """One computed figure, published as ``metrics.<name>``, shown like any metric."""

    model_config = LAYOUT_MODEL

    value: str = Field(
        min_length=1,
        max_length=MAX_EXPRESSION,
        description="The expression, e.g. care.answered_1h / care.answered: metric streams "
        "as source.stream, numbers, + - * / // % **, min, max, abs, round.",
    )
    unit: str = Field(default="", max_length=20, description="e.g. % or /min.")
    label: str = Field(default="", max_length=200, description="What it is, in words.")

    @field_validator("value")
    @classmethod
    def _readable(cls, value: str) -> str:
        Formula(value)  # raises FormulaError, a ValueError: reported at the expression
        return value

    @property
    def formula(self) -> Formula:
        return Formula(self.value)


def _formula_text(value: object) -> object:
    """``name: a / b`` is ``name: {value: a / b}``."""
    return {"value": value} if isinstance(value, str) else value


Metrics = Annotated[
    dict[
        Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", max_length=100)],
        Annotated[
            MetricFormula,
            BeforeValidator(_formula_text),
            WithJsonSchema(
                {
                    "anyOf": [
                        {"type": "string", "minLength": 1, "maxLength": MAX_EXPRESSION},
                        MetricFormula.model_json_schema(),
                    ]
                }
            ),
        ],
    ],
    Field(
        default_factory=dict,
        description="Figures computed from metric streams, e.g. {answered_share: "
        "care.answered_1h / care.answered}; shown as metrics.answered_share.",
    ),
]
