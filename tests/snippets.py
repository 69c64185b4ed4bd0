"""Base-code snippets the tests put on their pages: one module, so a test's page and the
auditor's expectations agree on what a correct install looks like."""

from __future__ import annotations

# A correct base code with the loader appended to <head>, conf and a view (the audit tests' page).
BASE_CODE_KEY = "0123456789abcdef0123456789abcdef"
BASE_CODE = f"""<script>
(function (w, d) {{
  w.spdt = w.spdt || function () {{ (w.spdt.q = w.spdt.q || []).push(arguments); }};
  if (!d.getElementById('spdt-capture')) {{
    var s = d.createElement('script'); s.id = 'spdt-capture'; s.async = true;
    s.src = 'https://pixel.byspotify.com/ping.min.js'; d.head.appendChild(s);
  }}
}})(window, document);
spdt('conf', {{key: '{BASE_CODE_KEY}'}});
spdt('view');
</script>"""

# The loader of Spotify's official base code, without the conf and event calls.
OFFICIAL_STUB = """
(function(w, d){
  var id='spdt-capture', n='script';
  if (!d.getElementById(id)) {
    w.spdt = w.spdt || function() { (w.spdt.q = w.spdt.q || []).push(arguments); };
    var e = d.createElement(n); e.id = id; e.async=1;
    e.src = 'https://pixel.byspotify.com/ping.min.js';
    var s = d.getElementsByTagName(n)[0];
    s.parentNode.insertBefore(e, s);
  }
})(window, document);
"""

# The setup guide's loader (SpotifyAdsTag with on/off/emit).
GUIDE_STUB = """
(function(w, d, t, s, n) {
  w.SpotifyAdsTag = n; w[n] = w[n] || {
    _q: [],
    on: function() { this._q.push(["on"].concat([].slice.call(arguments))) },
    off: function() { this._q.push(["off"].concat([].slice.call(arguments))) },
    emit: function() { this._q.push(["emit"].concat([].slice.call(arguments))) }
  };
  var e = d.createElement(t); e.async = 1; e.src = s;
  var x = d.getElementsByTagName(t)[0]; x.parentNode.insertBefore(e, x);
})(window, document, 'script', 'https://pixel.byspotify.com/ping.min.js', 'spdt');
"""
