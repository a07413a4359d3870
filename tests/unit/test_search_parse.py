"""The search language parser (workstation.core.search), see docs/search.md."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from workstation.core.search import (
    HAS_VALUES,
    IS_VALUES,
    KIND_ALIASES,
    OPERATORS,
    Query,
    SearchSyntaxError,
    Term,
    day_start,
    parse,
    resolve_day,
)


def terms(text: str) -> list[Term]:
    return list(parse(text).terms)


# --- words, phrases, prefixes ---------------------------------------------------


def test_empty_and_blank_queries_are_empty() -> None:
    for text in ("", "   ", "\t\n", '""', "-", '-""', '"   "'):
        q = parse(text)
        assert q.is_empty, text
        assert q == Query()


def test_words_are_free_text_terms() -> None:
    assert terms("budget  review") == [Term("budget"), Term("review")]
    q = parse("budget from:jonas")
    assert q.text_terms == (Term("budget"),)


def test_quoted_phrase_is_one_term() -> None:
    assert terms('"road map" budget') == [Term("road map", phrase=True), Term("budget")]


def test_phrase_keeps_inner_spacing_but_trims_ends() -> None:
    assert terms('"  road map  "') == [Term("road map", phrase=True)]


def test_unterminated_quote_runs_to_the_end() -> None:
    assert terms('budget "road map') == [Term("budget"), Term("road map", phrase=True)]


def test_stray_quote_is_skipped_not_an_error() -> None:
    assert terms('budget "') == [Term("budget")]


def test_prefix_word() -> None:
    assert terms("budg*") == [Term("budg", prefix=True)]
    # A lone star is a word, not an empty prefix.
    assert terms("*") == [Term("*")]
    # In a phrase the star is text.
    assert terms('"budg*"') == [Term("budg*", phrase=True)]


def test_accented_words_are_kept_as_typed() -> None:
    assert terms("réunion été") == [Term("réunion"), Term("été")]


# --- negation --------------------------------------------------------------------


def test_negated_word_phrase_and_operator() -> None:
    assert terms('-budget -"road map" -is:read -from:jonas') == [
        Term("budget", negated=True),
        Term("road map", negated=True, phrase=True),
        Term("read", field="is", negated=True),
        Term("jonas", field="from", negated=True),
    ]


def test_hyphen_inside_a_word_is_not_negation() -> None:
    assert terms("e-mail co-op") == [Term("e-mail"), Term("co-op")]


def test_lone_dash_is_ignored() -> None:
    assert terms("budget - review") == [Term("budget"), Term("review")]


# --- operators ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("from:jonas", Term("jonas", "from")),
    ("FROM:Jonas", Term("Jonas", "from")),
    ("to:camille@example.org", Term("camille@example.org", "to")),
    ('source:"Work mail"', Term("Work mail", "source", phrase=True)),
    ("in:Inbox", Term("Inbox", "in")),
    ("tag:atlas", Term("atlas", "tag")),
    ("from:jon*", Term("jon", "from", prefix=True)),
    ('from:"Jonas Berg"', Term("Jonas Berg", "from", phrase=True)),
])
def test_value_operators(text: str, expected: Term) -> None:
    assert terms(text) == [expected]


@pytest.mark.parametrize("value", IS_VALUES)
def test_every_is_value(value: str) -> None:
    assert terms(f"is:{value}") == [Term(value, "is")]
    assert terms(f"IS:{value.upper()}") == [Term(value, "is")]


def test_is_mentions_is_an_alias_of_mention() -> None:
    assert terms("is:mentions") == [Term("mention", "is")]


@pytest.mark.parametrize("value", ["attachment", "attachments", "file", "files", "Attachment"])
def test_has_attachment_spellings(value: str) -> None:
    assert terms(f"has:{value}") == [Term("attachment", "has")]
    assert HAS_VALUES == ("attachment",)


@pytest.mark.parametrize(("alias", "kind"), sorted(KIND_ALIASES.items()))
def test_kind_aliases(alias: str, kind: str) -> None:
    assert terms(f"kind:{alias}") == [Term(kind, "kind")]
    assert terms(f"kind:{alias.upper()}") == [Term(kind, "kind")]


def test_kind_values_are_the_stored_item_kinds() -> None:
    from workstation.api.model import ItemKind

    assert set(KIND_ALIASES.values()) == {k.value for k in ItemKind}


def test_dates_are_validated_but_kept_relative() -> None:
    # "today" must move with the clock: the term keeps the word, not the date.
    assert terms("before:Today after:2026-01-31") == [
        Term("today", "before"), Term("2026-01-31", "after")]


# --- unknown operators are text -------------------------------------------------------


@pytest.mark.parametrize("text", ["10:30", "re:hello", "Re:Hello", "https://example.org/x",
                                  "note:", "a:b:c", "x:y*"])
def test_unknown_operator_is_searched_as_text(text: str) -> None:
    (term,) = terms(text)
    assert term.field is None
    assert str(parse(text)) == text


def test_unknown_operator_with_quoted_value_is_one_phrase() -> None:
    assert terms('re:"hello world"') == [Term("re:hello world", phrase=True)]


def test_negated_unknown_operator() -> None:
    assert terms("-re:hello") == [Term("re:hello", negated=True)]


# --- errors say what is allowed ---------------------------------------------------------


def test_bad_is_value_lists_every_allowed_value() -> None:
    with pytest.raises(SearchSyntaxError) as err:
        parse("is:bogus")
    msg = str(err.value)
    assert "is:bogus" in msg
    for value in IS_VALUES:
        assert f"is:{value}" in msg


def test_bad_has_value_names_has_attachment() -> None:
    with pytest.raises(SearchSyntaxError, match="has:attachment") as err:
        parse("has:pictures")
    assert "has:pictures" in str(err.value)


def test_bad_kind_value_lists_every_alias() -> None:
    with pytest.raises(SearchSyntaxError) as err:
        parse("kind:fax")
    msg = str(err.value)
    assert "kind:fax" in msg
    for alias in KIND_ALIASES:
        assert f"kind:{alias}" in msg


@pytest.mark.parametrize("op", ["before", "after"])
@pytest.mark.parametrize("value", ["tomorrow", "31/01/2026", "2026-13-01", "2026-02-30", "soon"])
def test_bad_date_says_which_forms_work(op: str, value: str) -> None:
    with pytest.raises(SearchSyntaxError) as err:
        parse(f"{op}:{value}")
    msg = str(err.value)
    assert value in msg
    assert "YYYY-MM-DD" in msg
    assert "today" in msg
    assert "yesterday" in msg


@pytest.mark.parametrize("op", OPERATORS)
def test_empty_quoted_value_needs_a_value_with_an_example(op: str) -> None:
    with pytest.raises(SearchSyntaxError) as err:
        parse(f'{op}:""')
    msg = str(err.value)
    assert f"'{op}:' needs a value" in msg
    assert "for example" in msg


def test_search_syntax_error_is_a_value_error() -> None:
    # Callers that only know ValueError still catch it.
    assert issubclass(SearchSyntaxError, ValueError)


def test_error_in_one_term_fails_the_whole_query() -> None:
    with pytest.raises(SearchSyntaxError):
        parse("budget from:jonas is:later")


# --- today / yesterday --------------------------------------------------------------------


def test_resolve_day() -> None:
    ref = date(2026, 3, 1)
    assert resolve_day("today", ref) == ref
    assert resolve_day("TODAY", ref) == ref
    assert resolve_day("yesterday", ref) == date(2026, 2, 28)
    assert resolve_day("Yesterday", date(2024, 3, 1)) == date(2024, 2, 29)
    assert resolve_day("yesterday", date(2026, 1, 1)) == date(2025, 12, 31)
    assert resolve_day("2026-01-31", ref) == date(2026, 1, 31)


def test_resolve_day_defaults_to_the_real_today() -> None:
    before = date.today()
    got = resolve_day("today")
    assert got in (before, date.today())  # the test may straddle midnight
    assert resolve_day("yesterday") in (before - timedelta(days=1),
                                        date.today() - timedelta(days=1))


def test_resolve_day_rejects_other_words() -> None:
    with pytest.raises(SearchSyntaxError):
        resolve_day("tomorrow", date(2026, 1, 1))


def test_day_start_is_local_midnight() -> None:
    start = day_start(date(2026, 1, 31))
    assert start.tzinfo is not None
    local = start.astimezone()
    assert (local.year, local.month, local.day, local.hour, local.minute) == (2026, 1, 31, 0, 0)
    assert start == datetime(2026, 1, 31).astimezone()


# --- printing -------------------------------------------------------------------------------


def test_str_of_a_query() -> None:
    q = parse('budget from:jonas -is:read "road map" budg* source:"Work mail"')
    assert str(q) == 'budget from:jonas -is:read "road map" budg* source:"Work mail"'


def test_str_normalises_operator_values() -> None:
    assert str(parse("IS:Unread kind:mail has:files before:TODAY")) == (
        "is:unread kind:email has:attachment before:today")


# --- properties ------------------------------------------------------------------------------

_PIECES = st.sampled_from([
    "a", "b", "é", "10", " ", "  ", "\t", "\n", "-", "--", ":", '"', "*", "'", "(", ")",
    "from:", "to:", "is:", "has:", "kind:", "tag:", "source:", "in:", "before:", "after:",
    "re:", "http://", "unread", "read", "attachment", "mail", "feed", "today", "yesterday",
    "2026-01-31", "2026-02-30", "jonas", "OR", "NOT", "NEAR", "\u00a0", "\u2003", "\x00",
])
_QUERY_TEXT = st.one_of(st.lists(_PIECES, max_size=14).map("".join), st.text(max_size=40))


@given(_QUERY_TEXT)
@example('from:"')
@example("is:")
@example("before:2026-13-45")
@example('-"')
@example("\u00a0-\u00a0")
def test_any_text_parses_or_raises_search_syntax_error(text: str) -> None:
    try:
        q = parse(text)
    except SearchSyntaxError as exc:
        message = str(exc)
    else:
        message = None
    if message is not None:
        assert message, "an error must say why"
        return
    assert isinstance(q, Query)
    for t in q.terms:
        assert t.value, "no empty terms"
        assert t.field is None or t.field in OPERATORS


@given(_QUERY_TEXT)
def test_printed_query_parses_back_to_itself_for_any_input(text: str) -> None:
    try:
        q = parse(text)
    except SearchSyntaxError:
        return
    assert parse(str(q)) == q


_WORD = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp"),
                           exclude_characters='"*:-'),
    min_size=1, max_size=8)
_PHRASE = st.lists(_WORD, min_size=1, max_size=3).map(" ".join)


@st.composite
def _terms(draw: st.DrawFn) -> str:
    neg = draw(st.booleans())
    shape = draw(st.sampled_from(["word", "prefix", "phrase", "value-op", "is", "has",
                                  "kind", "date"]))
    head = "-" if neg else ""
    if shape == "word":
        return head + draw(_WORD)
    if shape == "prefix":
        return head + draw(_WORD) + "*"
    if shape == "phrase":
        return f'{head}"{draw(_PHRASE)}"'
    if shape == "value-op":
        op = draw(st.sampled_from(["from", "to", "source", "tag", "in"]))
        value = draw(st.one_of(_WORD, _PHRASE.map(lambda p: f'"{p}"'),
                               _WORD.map(lambda w: w + "*")))
        return f"{head}{op}:{value}"
    if shape == "is":
        return f"{head}is:{draw(st.sampled_from([*IS_VALUES, 'mentions', 'UNREAD']))}"
    if shape == "has":
        return f"{head}has:{draw(st.sampled_from(['attachment', 'files']))}"
    if shape == "kind":
        return f"{head}kind:{draw(st.sampled_from(sorted(KIND_ALIASES)))}"
    day = draw(st.one_of(st.dates().map(date.isoformat), st.sampled_from(["today", "yesterday"])))
    return f"{head}{draw(st.sampled_from(['before', 'after']))}:{day}"


@given(st.lists(_terms(), min_size=1, max_size=6))
def test_well_formed_queries_round_trip(parts: list[str]) -> None:
    text = " ".join(parts)
    q = parse(text)
    assert len(q.terms) == len(parts)
    assert parse(str(q)) == q
    # Printing is stable: a second round changes nothing.
    assert str(parse(str(q))) == str(q)
