{#- A tag-manager container (served as /<scenario>/<page>/container.js, like GTM's gtm.js): it
    adds the base code to the page later, after DOMContentLoaded (+ tag_manager_delay_ms), or - mode
    consent_gated - only after the visitor accepted the consent banner (remembered in the
    fixture_consent cookie; consent_gate `exists`: after any decision, the bug of a gate that
    checks that a choice was made rather than which). Page events held in window.__fixtureQueue (a dataLayer) are replayed
    once the base code is in. Rendered with the page's variables. -#}
{#- Modes: tag_manager, consent_gated (see above); after_hydration (Next.js afterInteractive: after
    the load event, once the app hydrated) and app_bundle (Gatsby: after load, when idle) inject
    the same way later; with loader inline the container only adds the copy or the extra tags.
    tag_manager_events: calls a second tag makes (fired once spdt exists). -#}
{% set mode = loader if loader != "inline" else ("tag_manager" if tag_manager_copy else "events_only") %}
{% set base_js %}{% include "partials/base_code_js.html" %}{% endset %}
  // Tag manager container
  (function (w, d) {
    var mode = {{ mode|tojson }}, delay = {{ tag_manager_delay_ms|tojson }};
    var held = w.__fixtureQueue = w.__fixtureQueue || [];
    var done = false;
    var extra = {{ tag_manager_events|tojson }};
    function fireExtra() {
      for (var j = 0; j < extra.length; j++) {
        if (typeof w.spdt === "function") { w.spdt(extra[j].command, extra[j].params); }
      }
    }
    function inject() {
      if (done) { return; }
      done = true;
      if (mode === "events_only") {
        fireExtra();
        d.documentElement.setAttribute("data-tag-manager", "fired");
        return;
      }
      var tag = d.createElement("script");
      tag.text = {{ base_js|string|tojson }};
      d.head.appendChild(tag);
      d.documentElement.setAttribute("data-tag-manager", "fired");  // flows wait for this
      held.push = function (call) { w.spdt.apply(w, call); return held.length; };
      for (var i = 0; i < held.length; i++) { w.spdt.apply(w, held[i]); }
      fireExtra();
    }
    function whenReady(fn) {
      if (d.readyState === "loading") { d.addEventListener("DOMContentLoaded", fn); } else { fn(); }
    }
    function later() { if (delay > 0) { setTimeout(inject, delay); } else { inject(); } }
    function afterLoad(fn) {
      if (d.readyState === "complete") { setTimeout(fn, 0); }
      else { w.addEventListener("load", function () { setTimeout(fn, 0); }); }
    }
    if (mode === "after_hydration" || mode === "app_bundle") {
      afterLoad(later);
    } else if (mode === "consent_gated" && {{ consent_gate|tojson }} === "exists") {
      // a gate that takes any decision (even Reject) for consent: a real, common bug
      if (/(^|; )fixture_consent=/.test(d.cookie)) { whenReady(later); }
      else { w.addEventListener("fixture:decided", function () { whenReady(later); }); }
    } else if (mode === "consent_gated") {
      if (/(^|; )fixture_consent=granted/.test(d.cookie)) { whenReady(later); }
      else { w.addEventListener("fixture:consent", function () { whenReady(later); }); }
    } else {
      whenReady(later);
    }
  })(window, document);
