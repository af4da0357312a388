"""Indented JSON text, exactly as ``json.dumps(value, indent=n, ensure_ascii=...)`` writes it,
several times faster.

``json.dumps`` with an indent runs the pure-Python encoder. Here only the nesting is walked in
Python: an object or array whose members are all numbers, strings, booleans, null or empty
containers (the cues, words, phonemes and frame entries that make up most of a sheet) is written
by the C encoder in one call, its item separator carrying the newline and indent of its level.
Anything unusual (keys that are not strings, values json would reject or convert) goes to
``json.dumps`` itself, so the text is always the same.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any

_SCALARS = (str, int, float, bool, type(None))


class _Unusual(Exception):
    """A value the fast path leaves to ``json.dumps``."""


def _is_leaf(value: Any) -> bool:
    for item in (value.values() if type(value) is dict else value):
        kind = type(item)
        if kind in _SCALARS:
            continue
        if kind in (dict, list, tuple) and not item:
            continue
        return False
    return True


def dumps(value: Any, indent: int, ensure_ascii: bool = True) -> str:
    """``json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)``."""
    encoders: dict[int, json.JSONEncoder] = {}
    key_text = encode_basestring_ascii if ensure_ascii else encode_basestring

    def leaf_encoder(depth: int) -> json.JSONEncoder:
        """A C encoder whose item separator ends the line and indents for ``depth + 1``."""
        encoder = encoders.get(depth)
        if encoder is None:
            encoder = encoders[depth] = json.JSONEncoder(
                ensure_ascii=ensure_ascii, separators=(",\n" + " " * (indent * (depth + 1)), ": "))
        return encoder

    def leaf(item: Any, depth: int) -> str:
        text = leaf_encoder(depth).encode(item)
        if len(text) == 2:  # {} or []
            return text
        return text[0] + "\n" + " " * (indent * (depth + 1)) + text[1:-1] + "\n" + " " * (indent * depth) + text[-1]

    def records(items: Any, depth: int) -> str:
        """An array of non-empty flat objects in one C call: the objects' members are separated
        by a newline and their indent, and since a newline never occurs inside JSON strings and an
        object's member never starts with ``{``, each ``},<newline><indent>{`` is a boundary
        between two objects, rewritten to the indent of the array's level."""
        text = leaf_encoder(depth + 1).encode(list(items))
        outer, middle, inner = (" " * (indent * level) for level in (depth, depth + 1, depth + 2))
        text = text[2:-2].replace("},\n" + inner + "{", "\n" + middle + "},\n" + middle + "{\n" + inner)
        return "[\n" + middle + "{\n" + inner + text + "\n" + middle + "}\n" + outer + "]"

    def encode(item: Any, depth: int) -> str:
        kind = type(item)
        if kind is str:
            return key_text(item)
        if kind is int:
            return int.__repr__(item)
        if kind in _SCALARS:
            return leaf([item], depth)[2 + indent * (depth + 1):-2 - indent * depth]
        if kind not in (dict, list, tuple):
            raise _Unusual
        if not item:
            return "{}" if kind is dict else "[]"
        if _is_leaf(item):
            if kind is dict and not all(type(key) is str for key in item):
                raise _Unusual
            return leaf(item, depth)
        inner = "\n" + " " * (indent * (depth + 1))
        if kind is not dict and all(type(member) is dict and member and _is_leaf(member)
                                    and all(type(key) is str for key in member) for member in item):
            return records(item, depth)
        if kind is dict:
            parts = []
            for key, member in item.items():
                if type(key) is not str:
                    raise _Unusual
                parts.append(key_text(key) + ": " + encode(member, depth + 1))
            return "{" + inner + ("," + inner).join(parts) + "\n" + " " * (indent * depth) + "}"
        return "[" + inner + ("," + inner).join(encode(member, depth + 1) for member in item) \
            + "\n" + " " * (indent * depth) + "]"

    try:
        return encode(value, 0)
    except (_Unusual, TypeError, ValueError, RecursionError):
        return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
