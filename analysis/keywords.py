"""Watch-keyword plans: a small boolean language compiled to one Aho-Corasick automaton.

A monitoring plan (监测方案) is an expression such as::

    (司法局 OR 司法所 OR "法律 援助") AND (投诉 OR 不作为) NOT 招聘
    NEAR/20(律师, 收费) OR 乱收费

Syntax (operators in UPPER CASE; lower-case ``and``/``or``/``not`` are ordinary words):

* ``a AND b`` — both; whitespace between two operands is an implicit AND (``a b`` = ``a AND b``).
* ``a OR b`` — either.  ``NOT a`` — ``a`` absent; ``a NOT b`` reads ``a AND NOT b``.
* Precedence: NOT binds tightest, then AND (explicit or implicit), then OR; use ``( )`` to group.
* ``"..."`` — a phrase, may contain spaces and operator words (``"NOT FOUND"``).
* Bare term — any run of characters other than whitespace, ``( ) " ,``.
* ``NEAR/N(a, b)`` — ``a`` and ``b`` (terms or phrases) both occur with at most ``N`` characters
  between the end of one and the start of the other, in either order.
* Full-width brackets, quotes and letters are accepted (the expression is width-folded first).

Matching is case-insensitive and traditional/simplified-insensitive: terms and text are folded
with :func:`analysis.text.fold`, which keeps string length, so hit offsets point into the
original text. A plan must be able to match on a positive term (``NOT x`` alone is rejected).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import ahocorasick

from analysis.text import fold

logger = logging.getLogger(__name__)

__all__ = [
    "KeywordSyntaxError",
    "PlanHit",
    "PlanMatcher",
    "TermHit",
    "compile_plans",
    "parse_expression",
]


class KeywordSyntaxError(ValueError):
    """An expression that cannot be parsed; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int, expression: str = "", plan: str | None = None):
        self.message = message
        self.position = position
        self.expression = expression
        self.plan = plan
        where = f"方案「{plan}」" if plan else "表达式"
        text = f"{where}第 {position + 1} 列：{message}"
        if expression:
            text += f"\n  {expression}\n  {' ' * _display_width(expression[:position])}^"
        super().__init__(text)


def _display_width(s: str) -> int:
    # CJK characters take two columns in a terminal, so the caret lines up under them.
    return sum(2 if ord(c) > 0x2E7F else 1 for c in s)


# ---------------------------------------------------------------- AST


@dataclass(frozen=True)
class Term:
    text: str  # as written (for display)
    key: str  # folded, as matched
    position: int


@dataclass(frozen=True)
class Not:
    child: Node
    position: int


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Near:
    left: Term
    right: Term
    distance: int
    position: int


Node = Term | Not | And | Or | Near


@dataclass(frozen=True)
class TermHit:
    term: str
    start: int
    end: int


@dataclass(frozen=True)
class PlanHit:
    plan: str
    terms: list[TermHit] = field(default_factory=list)


# ---------------------------------------------------------------- lexer

_OPERATORS = {"AND", "OR", "NOT"}
_NEAR_RE = re.compile(r"NEAR/(\d+)")
_BARE_STOP = set('()",') | {" ", "\t", "\n", "\r"}


@dataclass(frozen=True)
class _Tok:
    kind: str  # TERM PHRASE AND OR NOT NEAR LPAREN RPAREN COMMA END
    value: str
    position: int


def _lex(expr: str, original: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c.isspace():
            i += 1
        elif c == "(":
            toks.append(_Tok("LPAREN", c, i))
            i += 1
        elif c == ")":
            toks.append(_Tok("RPAREN", c, i))
            i += 1
        elif c == ",":
            toks.append(_Tok("COMMA", c, i))
            i += 1
        elif c in "\"“”":
            close = _find_quote_end(expr, i + 1)
            if close < 0:
                raise KeywordSyntaxError("引号未闭合 (unterminated quote)", i, original)
            phrase = expr[i + 1 : close]
            if not phrase.strip():
                raise KeywordSyntaxError("引号内为空 (empty phrase)", i, original)
            toks.append(_Tok("PHRASE", original[i + 1 : close], i))
            i = close + 1
        else:
            j = i
            while j < n and expr[j] not in _BARE_STOP and expr[j] not in "“”":
                j += 1
            # Operators are matched case-sensitively on the user's text (fold lower-cases),
            # width-folded so that a full-width ＯＲ still reads as OR.
            raw = original[i:j]
            word = unicodedata.normalize("NFKC", raw)
            near = _NEAR_RE.fullmatch(word)
            if word in _OPERATORS:
                toks.append(_Tok(word, word, i))
            elif near:
                toks.append(_Tok("NEAR", near.group(1), i))
            elif word.startswith("NEAR/") or word == "NEAR":
                raise KeywordSyntaxError(
                    "NEAR 需要写成 NEAR/数字(词1, 词2) (NEAR must be NEAR/N(a, b))", i, original
                )
            else:
                toks.append(_Tok("TERM", raw, i))
            i = j
    toks.append(_Tok("END", "", n))
    return toks


def _find_quote_end(expr: str, start: int) -> int:
    for j in range(start, len(expr)):
        if expr[j] in "\"“”":
            return j
    return -1


# ---------------------------------------------------------------- parser


class _Parser:
    """Recursive descent: or := and (OR and)*; and := not ([AND] not)*; not := NOT not | atom."""

    def __init__(self, expression: str):
        self.original = expression
        # fold keeps length, so token positions are positions in the user's own text.
        self.toks = _lex(fold(expression), expression)
        self.i = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: _Tok | None = None) -> KeywordSyntaxError:
        tok = tok or self.peek()
        return KeywordSyntaxError(message, tok.position, self.original)

    def parse(self) -> Node:
        if self.peek().kind == "END":
            raise self.error("表达式为空 (empty expression)")
        node = self.parse_or()
        tok = self.peek()
        if tok.kind == "RPAREN":
            raise self.error("多余的右括号 ')' (unmatched ')')")
        if tok.kind != "END":
            raise self.error(f"无法理解「{tok.value}」 (unexpected '{tok.value}')")
        return node

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.peek().kind == "OR":
            self.take()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_not()]
        while True:
            kind = self.peek().kind
            if kind == "AND":
                self.take()
            elif kind not in ("TERM", "PHRASE", "NOT", "NEAR", "LPAREN"):
                break
            children.append(self.parse_not())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_not(self) -> Node:
        if self.peek().kind == "NOT":
            tok = self.take()
            return Not(self.parse_not(), tok.position)
        return self.parse_atom()

    def parse_atom(self) -> Node:
        tok = self.peek()
        if tok.kind in ("TERM", "PHRASE"):
            return self.parse_term()
        if tok.kind == "LPAREN":
            self.take()
            if self.peek().kind == "RPAREN":
                raise self.error("括号内为空 (empty parentheses)")
            node = self.parse_or()
            if self.peek().kind != "RPAREN":
                raise self.error("缺少右括号 ')' (missing ')')", tok if self.peek().kind == "END" else None)
            self.take()
            return node
        if tok.kind == "NEAR":
            return self.parse_near()
        if tok.kind == "END":
            raise self.error("表达式不完整，缺少关键词 (expression ends where a term is expected)")
        if tok.kind == "RPAREN":
            raise self.error("此处缺少关键词 (a term is expected before ')')")
        raise self.error(f"「{tok.value}」前缺少关键词 (a term is expected before '{tok.value}')")

    def parse_term(self) -> Term:
        tok = self.take()
        if tok.kind not in ("TERM", "PHRASE"):
            raise self.error("此处需要关键词 (a term is expected)", tok)
        return Term(tok.value, fold(tok.value).strip(), tok.position)

    def parse_near(self) -> Near:
        tok = self.take()
        if self.peek().kind != "LPAREN":
            raise self.error("NEAR/N 后需要 '(' (NEAR/N must be followed by '(')")
        self.take()
        left = self.parse_term()
        if self.peek().kind != "COMMA":
            raise self.error("NEAR 的两个词之间需要逗号 (',' expected between NEAR terms)")
        self.take()
        right = self.parse_term()
        if self.peek().kind != "RPAREN":
            raise self.error("NEAR 缺少右括号 ')' (missing ')' after NEAR terms)")
        self.take()
        return Near(left, right, int(tok.value), tok.position)


def _needs_positive(node: Node) -> bool:
    """True when the node can only be satisfied by some term being present."""
    if isinstance(node, (Term, Near)):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, And):
        return any(_needs_positive(c) for c in node.children)
    return all(_needs_positive(c) for c in node.children)


def parse_expression(expression: str) -> Node:
    """Parse and validate a plan expression; raises :class:`KeywordSyntaxError`."""
    node = _Parser(expression).parse()
    if not _needs_positive(node):
        raise KeywordSyntaxError(
            "表达式不能只由 NOT 构成，需要至少一个必须出现的关键词 "
            "(a plan needs a term that must be present, not only NOT)",
            0,
            expression,
        )
    return node


def _terms(node: Node) -> list[Term]:
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Near):
        return [node.left, node.right]
    if isinstance(node, Not):
        return _terms(node.child)
    return [t for c in node.children for t in _terms(c)]


# ---------------------------------------------------------------- evaluation

Spans = dict[str, list[tuple[int, int]]]


def _evaluate(node: Node, spans: Spans) -> tuple[bool, list[TermHit]]:
    """(matched, the term occurrences that made it match)."""
    if isinstance(node, Term):
        occ = spans.get(node.key)
        if not occ:
            return False, []
        return True, [TermHit(node.text, s, e) for s, e in occ]
    if isinstance(node, Not):
        ok, _ = _evaluate(node.child, spans)
        return not ok, []
    if isinstance(node, And):
        hits: list[TermHit] = []
        for child in node.children:
            ok, h = _evaluate(child, spans)
            if not ok:
                return False, []
            hits.extend(h)
        return True, hits
    if isinstance(node, Or):
        any_ok, hits = False, []
        for child in node.children:
            ok, h = _evaluate(child, spans)
            if ok:
                any_ok = True
                hits.extend(h)
        return any_ok, hits
    return _evaluate_near(node, spans)


def _evaluate_near(node: Near, spans: Spans) -> tuple[bool, list[TermHit]]:
    left, right = spans.get(node.left.key), spans.get(node.right.key)
    if not left or not right:
        return False, []
    used: set[TermHit] = set()
    # Occurrence lists are short in practice; a pairwise scan keeps the rule obvious.
    for ls, le in left:
        for rs, re_ in right:
            gap = max(rs - le, ls - re_, 0)
            if gap <= node.distance:
                used.add(TermHit(node.left.text, ls, le))
                used.add(TermHit(node.right.text, rs, re_))
    return bool(used), sorted(used, key=lambda h: (h.start, h.end))


@dataclass
class _Plan:
    name: str
    expression: str
    ast: Node
    keys: frozenset[str]


class PlanMatcher:
    """All plans' terms in one automaton; ``match`` scans each text once."""

    def __init__(self, plans: list[_Plan]):
        self.plans = plans
        self._by_key: dict[str, list[int]] = defaultdict(list)
        self._automaton = ahocorasick.Automaton()
        for idx, plan in enumerate(plans):
            for key in plan.keys:
                self._by_key[key].append(idx)
        for key in self._by_key:
            self._automaton.add_word(key, (key, len(key)))
        if self._by_key:
            self._automaton.make_automaton()
        logger.debug("keywords.compiled", extra={"plans": len(plans), "terms": len(self._by_key)})

    @property
    def term_count(self) -> int:
        return len(self._by_key)

    def find_terms(self, text: str, *, folded: bool = False) -> Spans:
        """Every occurrence of every term, as (start, end) offsets into ``text``.
        ``folded=True`` when ``text`` is already ``fold``-ed (fold keeps offsets)."""
        spans: Spans = defaultdict(list)
        if not text or not self._by_key:
            return spans
        for end, (key, length) in self._automaton.iter(text if folded else fold(text)):
            spans[key].append((end - length + 1, end + 1))
        return spans

    def match(self, text: str, *, folded: bool = False) -> list[PlanHit]:
        """Plans that match ``text``, in plan order, each with the hits that satisfied it.
        ``folded=True`` when the caller passes ``fold(text)`` it already has: offsets are the
        same, as fold keeps length."""
        spans = self.find_terms(text, folded=folded)
        if not spans:
            return []
        # Every plan needs a positive term, so only plans sharing a found term can match.
        candidates = sorted({i for key in spans for i in self._by_key[key]})
        out: list[PlanHit] = []
        for idx in candidates:
            plan = self.plans[idx]
            ok, hits = _evaluate(plan.ast, spans)
            if ok:
                unique = sorted(set(hits), key=lambda h: (h.start, h.end, h.term))
                out.append(PlanHit(plan.name, unique))
        return out


def compile_plans(plans: Mapping[str, str]) -> PlanMatcher:
    """Parse every ``{plan name: expression}`` and build one matcher.

    Raises :class:`KeywordSyntaxError` (with ``plan`` set) on the first invalid expression.
    """
    compiled: list[_Plan] = []
    for name, expression in plans.items():
        try:
            ast = parse_expression(expression)
        except KeywordSyntaxError as exc:
            raise KeywordSyntaxError(exc.message, exc.position, expression, plan=name) from None
        keys = frozenset(t.key for t in _terms(ast) if t.key)
        compiled.append(_Plan(name, expression, ast, keys))
    return PlanMatcher(compiled)
