"""Pure rendering of each kind of turn for Telegram: blocks and inline keyboards, no I/O."""

from __future__ import annotations

from bot.schemas import Answer, Citation
from bot.telegram import render, texts


def _buttons(markup) -> list[tuple[str, str]]:
    return [(b.text, b.callback_data) for row in markup.inline_keyboard for b in row]


def test_small_talk_offers_the_starters_and_no_vote() -> None:
    answer = Answer(question="hola", answer="¡Hola!", in_scope=True, kind="smalltalk", suggestions=["¿Qué es?"])
    assert render.offers_suggestions(answer)
    assert _buttons(render.answer_keyboard(answer, feedback_key="k", offer_keys=["o1"])) == [("¿Qué es?", "ask:o1")]


def test_diagnosis_offer_has_the_start_button_only() -> None:
    answer = Answer(question="quiero hacer el autodiagnóstico", answer="…", in_scope=True, kind="diagnosis_offer")
    keyboard = render.answer_keyboard(answer, feedback_key="k", offer_keys=[])
    assert _buttons(keyboard) == [(texts.BUTTON_DIAGNOSIS_START, render.DIAGNOSIS_START)]


def test_a_shortened_answer_has_ver_mas_and_the_vote() -> None:
    citation = Citation(n=1, section="1. Introducción", text="…", score=1.0, id="abc")
    answer = Answer(question="q", answer="Texto [1]", in_scope=True, citations=[citation], more=True)
    buttons = _buttons(render.answer_keyboard(answer, feedback_key="k", offer_keys=[]))
    assert (texts.BUTTON_MORE, render.MORE) in buttons and ("👍", "fb:up:k") in buttons
    assert not render.offers_suggestions(answer)


def test_a_partial_answer_says_so_first() -> None:
    answer = Answer(question="q", answer="La cartilla no indica cuánto dura.", in_scope=True, kind="partial")
    blocks = render.answer_blocks(answer)
    assert blocks[0].text == texts.PARTIAL_NOTE and "no indica" in blocks[1].text
