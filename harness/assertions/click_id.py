"""``expect_click_id_persisted``: after a landing, the click id is kept first-party (a cookie,
localStorage or sessionStorage), where the context's click id storage mode says it must be."""

from __future__ import annotations

from typing import TYPE_CHECKING

from harness.errors import AssertionFailed, UsageError

if TYPE_CHECKING:
    from harness.context import PixelContext

# where the click id may count → how PixelContext.click_id_locations names that place
PLACES = {"cookie": "cookie ", "local": "localStorage ", "session": "sessionStorage "}


def expect_click_id_persisted(
    ctx: PixelContext, click_id: str | None, *, storage: tuple[str, ...] | None
) -> list[str]:
    """Where ``ctx`` keeps ``click_id`` (default: its last landing's) among ``storage`` (default:
    the context's mode: "live" needs sessionStorage, "guide" a first-party cookie); else fail
    with where it is instead and what is stored."""
    if click_id is None:
        if not ctx.landings or ctx.landings[-1].click_id is None:
            raise AssertionFailed("expect_click_id_persisted: no landing with a click id yet")
        click_id = ctx.landings[-1].click_id
    assert click_id is not None
    wanted = storage or (("cookie",) if ctx.click_id_storage == "guide" else ("session",))
    unknown = set(wanted) - set(PLACES)
    if unknown:
        raise UsageError(
            f"expect_click_id_persisted: storage {sorted(unknown)}: expected cookie, local "
            "or session"
        )
    prefixes = tuple(PLACES[w] for w in wanted)
    found = ctx.click_id_locations(click_id)
    places = [p for p in found if p.startswith(prefixes)]
    if not places:
        names = sorted(c["name"] for c in ctx.cookies())
        kept = ctx.storage()
        where = " or ".join(p.strip() for p in prefixes)
        elsewhere = f" (it is in {', '.join(found)})" if found else ""
        raise AssertionFailed(
            f"expected click id {click_id!r} in {where} on {ctx.page.url}"
            f" (click id storage {ctx.click_id_storage!r}){elsewhere}; cookies: "
            f"{names or 'none'}; sessionStorage keys: {sorted(kept['session']) or 'none'}; "
            f"localStorage keys: {sorted(kept['local']) or 'none'}"
        )
    return places
