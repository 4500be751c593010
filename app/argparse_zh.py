"""The command line's own messages in Chinese: argparse looks its texts up through gettext,
so a small catalogue is all it takes. Texts not listed stay as argparse wrote them."""

from __future__ import annotations

import argparse

CATALOGUE = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示这段帮助并退出",
    "the following arguments are required: %s": "缺少参数：%s",
    "unrecognized arguments: %s": "不认识的参数：%s",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": (
        "没有 %(value)r 这一项（可选：%(choices)s）"
    ),
    "invalid %(type)s value: %(value)r": "%(value)r 不是有效的值",
    "expected one argument": "后面要跟一个值",
    "expected at most one argument": "后面最多跟一个值",
    "expected at least one argument": "后面至少要跟一个值",
    "ambiguous option: %(option)s could match %(matches)s": (
        "选项 %(option)s 不明确，可能是 %(matches)s"
    ),
    "not allowed with argument %s": "不能和参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 至少要有一个",
    "unknown parser %(parser_name)r (choices: %(choices)s)": (
        "没有子命令 %(parser_name)r（可选：%(choices)s）"
    ),
}


def _chinese(text: str) -> str:
    return CATALOGUE.get(text, text)


def install() -> None:
    """Route argparse's message lookups through the catalogue (argparse calls ``_`` late)."""
    argparse._ = _chinese  # type: ignore[attr-defined]
