"""The composed-answer cache: a popular question is answered from memory, and never wrongly.

Why: issue 19 caches the extractive answer of a question by (question as typed, resolved
question), so a repeated question skips retrieval and composition. These tests pin what must
still hold: a cached answer is the answer an uncached advisor gives, follow-ups in a conversation
are keyed by what they resolve to, «explícame más» is never served from memory, and a caller
changing its copy (the conversation id) leaves the cached one alone.
"""

from __future__ import annotations

import sys
import threading
import time

import pytest

from bot import advisor as advisor_module
from bot.advisor import Advisor
from bot.answer.compose import answer_turn
from bot.answer.memo import AnswerMemo, LruCache, SingleFlight
from bot.schemas import Answer

POPULAR = "que es una iniciativa cluster"


@pytest.fixture
def compositions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The questions the advisor composed an answer for (the real composer, counted)."""
    composed: list[str] = []

    def counted(question, *args, **kwargs):
        composed.append(question)
        return answer_turn(question, *args, **kwargs)

    monkeypatch.setattr(advisor_module, "answer_turn", counted)
    return composed


def test_a_repeated_question_is_served_from_memory_with_its_own_conversation(
    advisor: Advisor, services, compositions: list[str]
) -> None:
    seen: list[dict[str, float]] = []
    services.hooks.add(lambda steps, _answer: seen.append(steps))
    first = advisor.ask(POPULAR, converse=True)
    again = advisor.ask(POPULAR, converse=True)
    assert compositions == [POPULAR]  # composed once
    assert "embed" in seen[0] and set(seen[1]) == {"cache", "answer"}  # and retrieved once
    assert again.model_dump(exclude={"conversation_id"}) == first.model_dump(exclude={"conversation_id"})
    assert first.conversation_id and again.conversation_id and first.conversation_id != again.conversation_id
    third = advisor.ask(POPULAR)
    assert third.conversation_id is None  # the cached answer kept no caller's conversation id


def test_cached_answers_equal_fresh_ones_for_follow_ups_in_any_order(advisor: Advisor) -> None:
    """The same follow-up text means different things in different conversations."""
    follow_up = "y cuales son sus fases"
    plain = advisor.ask(follow_up)
    asked = advisor.ask("que es la gobernanza de una iniciativa", converse=True)
    in_conversation = advisor.ask(follow_up, conversation_id=asked.conversation_id, converse=True)
    cached_plain = advisor.ask(follow_up)
    advisor.clear_cache()
    fresh_plain = advisor.ask(follow_up)
    assert cached_plain.answer == plain.answer == fresh_plain.answer
    other = advisor.ask("que es la gobernanza de una iniciativa", converse=True)
    fresh_follow = advisor.ask(follow_up, conversation_id=other.conversation_id, converse=True)
    assert fresh_follow.answer == in_conversation.answer


def test_explain_more_is_never_served_from_memory(advisor: Advisor, compositions: list[str]) -> None:
    asked = advisor.ask(POPULAR, converse=True)
    more = advisor.ask("explicame mas", conversation_id=asked.conversation_id, converse=True)
    again = advisor.ask("explicame mas", conversation_id=asked.conversation_id, converse=True)
    assert compositions == [POPULAR, "explicame mas", "explicame mas"]
    assert more.answer != asked.answer and again.answer != more.answer  # each time, what was not yet shown


def test_the_memo_hands_out_copies_and_forgets_the_least_recently_used() -> None:
    memo = AnswerMemo(2)
    calls: list[str] = []

    def compose() -> tuple[Answer, float]:
        calls.append("q")
        return Answer(question="q", answer="a", in_scope=True), 0.9

    hit = memo.answer("q", "q", compose)
    assert hit.score == 0.9
    hit.answer.conversation_id = "someone"
    again = memo.answer("q", "q", compose)
    assert again.answer.conversation_id is None and calls == ["q"]
    cache: LruCache[str, int] = LruCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recent
    cache.put("c", 3)
    assert "b" not in cache and "a" in cache and "c" in cache and len(cache) == 2


def test_identical_questions_at_the_same_time_are_composed_once(advisor: Advisor, compositions: list[str]) -> None:
    """A broadcast: many users send the same new question to a cold process in the same second."""
    question = "¿quién coordina la red cluster colombia?"
    answers: list[Answer] = []
    threads = [threading.Thread(target=lambda: answers.append(advisor.ask(question, converse=True))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 8 and len({a.answer for a in answers}) == 1
    assert len({a.conversation_id for a in answers}) == 8  # each user still has a conversation of their own
    assert compositions == [question]


def _wait_until_waiting_for_a_result(thread: threading.Thread) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        frame = sys._current_frames().get(thread.ident or 0)
        while frame is not None:
            if frame.f_code.co_name == "result":
                return
            frame = frame.f_back
        time.sleep(0.005)
    raise AssertionError("the follower never waited")


def test_a_single_flight_shares_one_computation_and_its_failure() -> None:
    flight: SingleFlight[str, int] = SingleFlight()
    started, release = threading.Event(), threading.Event()
    results: list[tuple[int, bool]] = []

    def slow() -> int:
        started.set()
        release.wait(10)
        return 42

    leader = threading.Thread(target=lambda: results.append(flight.run("k", slow)))
    leader.start()
    started.wait(10)
    assert "k" in flight
    follower = threading.Thread(target=lambda: results.append(flight.run("k", lambda: 0)))
    follower.start()
    _wait_until_waiting_for_a_result(follower)  # the follower is blocked on the leader's value
    release.set()
    leader.join(10)
    follower.join(10)
    assert sorted(results) == [(42, False), (42, True)] and "k" not in flight

    def broken() -> int:
        raise RuntimeError("sin modelo")

    with pytest.raises(RuntimeError, match="sin modelo"):
        flight.run("k", broken)
    assert "k" not in flight  # a failure is not remembered: the next caller tries again
