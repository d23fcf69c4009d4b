"""The generative answerer's prompt: Spanish text from ``prompts/``, numbered passages between tags.

Why this exists: the wording lives in files a non-programmer can edit (``prompts/llm_*.md``);
this module only assembles it into a LangChain ``ChatPromptTemplate`` (system rules, a one-shot
example as a user/assistant pair, then the real question) and turns passages, the conversation
so far and the question into the tagged blocks the rules describe. Every piece of outside text
(passages, earlier turns, the question) is defanged first: tag brackets and citation brackets
are replaced, so a passage or a question cannot close a ``<pasaje>`` block, open a fake one or
plant a ``[n]`` of its own.
"""

from __future__ import annotations

import re
from pathlib import Path

from langchain_core.prompts import ChatPromptTemplate

from bot.schemas import Passage

__all__ = ["build_prompt", "defang", "format_passages", "format_history", "EXAMPLE_SEPARATOR", "NO_ANSWER"]

EXAMPLE_SEPARATOR = "=== RESPUESTA ==="
NO_ANSWER = "La cartilla no responde esa pregunta."
_HISTORY_WORDS = 60
_MARK = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_DEFANG = str.maketrans({"<": "‹", ">": "›", "[": "(", "]": ")", "{": "(", "}": ")"})


def defang(text: str) -> str:
    """Outside text made inert inside the prompt: no tag, citation or template brackets."""
    return text.translate(_DEFANG).replace(EXAMPLE_SEPARATOR, " ")


def format_passages(passages: list[Passage]) -> str:
    return "\n".join(
        f'<pasaje n="{n}" seccion="{defang(p.section).replace(chr(34), chr(39))}">\n{defang(p.text)}\n</pasaje>'
        for n, p in enumerate(passages, start=1)
    )


def format_history(turns: list[dict], *, last: int = 2) -> str:
    """The condensed conversation: the last turns, each answer shortened and without its citations."""
    lines: list[str] = []
    for turn in turns[-last:]:
        kept = [line for line in turn.get("answer", "").splitlines() if not line.startswith("Nota:")]
        answer = _MARK.sub("", " ".join(kept)).split()
        short = " ".join(answer[:_HISTORY_WORDS]) + (" …" if len(answer) > _HISTORY_WORDS else "")
        lines.append(f"Usuario: {defang(turn.get('question', ''))}")
        if short:
            lines.append(f"Asesor: {defang(short)}")
    return "\n".join(lines) if lines else "(sin turnos anteriores)"


def _literal(text: str) -> str:
    """Fixed prompt text escaped for LangChain's f-string templates."""
    return text.replace("{", "{{").replace("}", "}}")


def build_prompt(prompts_dir: Path) -> ChatPromptTemplate:
    """System rules, the one-shot example and the question template, read from ``prompts_dir``."""
    system = (prompts_dir / "llm_sistema.md").read_text(encoding="utf-8").strip()
    example = (prompts_dir / "llm_ejemplo.md").read_text(encoding="utf-8")
    question = (prompts_dir / "llm_pregunta.md").read_text(encoding="utf-8").strip()
    example_question, example_answer = (part.strip() for part in example.split(EXAMPLE_SEPARATOR, 1))
    return ChatPromptTemplate.from_messages(
        [
            ("system", _literal(system)),
            ("human", _literal(example_question)),
            ("ai", _literal(example_answer)),
            ("human", question),
        ]
    )
