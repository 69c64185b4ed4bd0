{#- A tag-manager container (served as /<scenario>/<page>/container.js, like GTM's gtm.js): it
    adds the base code to the page later, after DOMContentLoaded (+ tag_manager_delay_ms), or - mode
    consent_gated - only after the visitor accepted the consent banner (remembered in the
    fixture_consent cookie; consent_gate `exists`: after any decision, the bug of a gate that
    checks that a choice was made rather than which). Page events held in window.__fixtureQueue (a dataLayer) are replayed
    once the base code is in. Rendered with the page's variables. -#}
{% set mode = loader if loader != "inline" else "tag_manager" %}
{% set base_js %}{% include "partials/base_code_js.html" %}{% endset %}
  // Tag manager container
  (function (w, d) {
    var mode = {{ mode|tojson }}, delay = {{ tag_manager_delay_ms|tojson }};
    var held = w.__fixtureQueue = w.__fixtureQueue || [];
    var done = false;
    function inject() {
      if (done) { return; }
      done = true;
      var tag = d.createElement("script");
      tag.text = {{ base_js|string|tojson }};
      d.head.appendChild(tag);
      d.documentElement.setAttribute("data-tag-manager", "fired");  // flows wait for this
      held.push = function (call) { w.spdt.apply(w, call); return held.length; };
      for (var i = 0; i < held.length; i++) { w.spdt.apply(w, held[i]); }
    }
    function whenReady(fn) {
      if (d.readyState === "loading") { d.addEventListener("DOMContentLoaded", fn); } else { fn(); }
    }
    function later() { if (delay > 0) { setTimeout(inject, delay); } else { inject(); } }
    if (mode === "consent_gated" && {{ consent_gate|tojson }} === "exists") {
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
