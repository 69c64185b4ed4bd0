"""Journey steps that drive the studio simulation (mock_endpoint.studio):

    - expose: click                  # a CTA click; the next ``land`` carries its click id
    - expose: {kind: click, placement: companion, campaign: spring, click_id: abc}
    - expose: audio                  # a view, matched by this browser's user agent
    - advance: 15d                   # the simulated clock moves; no wall time passes
    - expect_attribution: {event: purchase, as: click}
    - expect_attribution: {event: purchase, as: none, reason: window}

Exposures go to campaign ``journey`` unless named; an undeclared campaign gets the default
windows (click 14 days, view 1 day).
"""

from __future__ import annotations

from typing import Any

from harness.context import PixelContext, new_click_id
from harness.errors import AssertionFailed, UsageError
from harness.flows.step import Step
from mock_endpoint.dedup import normalise_event_name
from mock_endpoint.studio.attribution import REASONS, Attribution
from mock_endpoint.studio.campaigns import EXPOSURE_KINDS, PLACEMENTS, Exposure
from mock_endpoint.studio.clock import parse_duration
from mock_endpoint.studio.state import StudioState, studio_state

DEFAULT_CAMPAIGN = "journey"
VERDICTS = ("click", "view", "none")
STUDIO_VERBS = frozenset({"expose", "advance", "expect_attribution"})


def parse_expose(verb: str, arg: Any, where: str) -> Step:
    if isinstance(arg, str):
        arg = {"kind": arg}
    if not isinstance(arg, dict) or arg.get("kind") not in EXPOSURE_KINDS:
        raise UsageError(f"{where}: expose needs a kind: {', '.join(EXPOSURE_KINDS)}")
    unknown = set(arg) - {"kind", "placement", "campaign", "click_id"}
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise UsageError(f"{where}: expose: unknown field(s) {names}")
    placement = arg.get("placement")
    if placement is not None and (arg["kind"] != "click" or placement not in PLACEMENTS):
        raise UsageError(f"{where}: expose: placement is cta or companion, for a click only")
    fields = {k: str(v) for k, v in arg.items() if k != "kind" and v is not None}
    return Step(verb, target=str(arg["kind"]), fields=fields)


def parse_advance(verb: str, arg: Any, where: str) -> Step:
    try:
        seconds = parse_duration(arg)
    except ValueError as exc:
        raise UsageError(f"{where}: advance: {exc}") from None
    return Step(verb, value=str(arg), timeout=seconds)


def parse_expect_attribution(verb: str, arg: Any, where: str) -> Step:
    if not isinstance(arg, dict) or not isinstance(arg.get("event"), str):
        raise UsageError(f"{where}: expect_attribution needs {{event, as}}")
    unknown = set(arg) - {"event", "as", "reason", "campaign", "timeout"}
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise UsageError(f"{where}: expect_attribution: unknown field(s) {names}")
    verdict = arg.get("as")
    if verdict not in VERDICTS:
        raise UsageError(f"{where}: expect_attribution: as is click, view or none")
    reason = arg.get("reason")
    if reason is not None and (verdict != "none" or reason not in tuple(REASONS)):
        raise UsageError(
            f"{where}: expect_attribution: reason (with as: none) is one of {', '.join(REASONS)}"
        )
    timeout = arg.get("timeout", 5)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 300:
        raise UsageError(f"{where}: timeout must be a number of seconds between 0 and 300")
    fields = {"as": verdict}
    if reason is not None:
        fields["reason"] = str(reason)
    if arg.get("campaign") is not None:
        fields["campaign"] = str(arg["campaign"])
    return Step(verb, name=arg["event"], fields=fields, timeout=float(timeout))


class StudioSteps:
    """The studio side of one journey run: remembers the click id the next ``land`` uses."""

    def __init__(self, ctx: PixelContext) -> None:
        self.ctx = ctx
        self.click_id: str | None = None

    @property
    def state(self) -> StudioState:
        return studio_state(self.ctx.mock.store)

    def perform(self, step: Step) -> None:
        if step.verb == "expose":
            self._expose(step)
        elif step.verb == "advance":
            self.state.advance(step.timeout or 0.0)
        else:
            self._expect(step)

    def _expose(self, step: Step) -> None:

        state = self.state
        campaign = state.ensure_campaign(step.fields.get("campaign", DEFAULT_CAMPAIGN))
        kind = step.target or "click"
        now = state.clock.now()
        if kind == "click":
            self.click_id = step.fields.get("click_id") or new_click_id()
            exposure = Exposure(
                campaign.id,
                kind,
                now,
                click_id=self.click_id,
                placement=step.fields.get("placement", "cta"),
            )
        else:
            agent = str(self.ctx.page.evaluate("navigator.userAgent"))
            exposure = Exposure(campaign.id, kind, now, ip="127.0.0.1", user_agent=agent)
        state.add_exposure(exposure)

    def _expect(self, step: Step) -> None:
        event = normalise_event_name(step.name or "")
        self.ctx.expect_event(step.name or "", timeout=step.timeout or 5.0)
        self.ctx.settle()
        answers = [
            a for a in self.state.attribution(self.ctx.records()) if a.conversion.event == event
        ]
        want = step.fields
        if not answers:
            raise AssertionFailed(f"expected attribution of {event}: no {event} recorded")
        last = answers[-1]
        if _meets(last, want):
            return
        lines = [f"expected {event} attributed {_describe(want)}; got {_show(last)}"]
        lines += [f"  - record {a.conversion.record_id}: {_show(a)}" for a in answers[:-1]]
        raise AssertionFailed("\n".join(lines))


def _meets(a: Attribution, want: dict[str, Any]) -> bool:
    return (
        a.verdict == want["as"]
        and ("reason" not in want or a.reason == want["reason"])
        and ("campaign" not in want or a.campaign == want["campaign"])
    )


def _describe(want: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in want.items())


def _show(a: Attribution) -> str:
    head = f"as={a.verdict}" + (f" reason={a.reason}" if a.reason else "")
    return f"{head} ({a.detail})"
