/* spdt-harness capture: records every window.spdt(...) call (and window.pdst(...), the legacy
 * Podsights loader's global), CSP violations and errors, and
 * reports them to the harness through the binding __spdtCaptureEmit. It must not change what the
 * page does: `w.spdt = w.spdt || function(){...}` and the `spdt-capture` guard behave exactly as
 * without it, a non-function spdt (the guide's object stub) stays uncallable, and errors thrown by
 * spdt propagate unchanged. */
(function () {
  "use strict";
  var w = window;
  if (w.top !== w.self) { return; }                     // the main frame's pixel is what we audit
  if (Object.getOwnPropertyDescriptor(w, "__spdtCaptureOn")) { return; }
  Object.defineProperty(w, "__spdtCaptureOn", { value: true });
  var binding = w.__spdtCaptureEmit;
  // One id per document, so calls can be told apart by the document that made them.
  var documentId = Math.random().toString(16).slice(2, 10) + Date.now().toString(16);
  var MAX_CALLS = 5000;
  var calls = 0;
  // Who made a call or an assignment: the stack at that moment, bounded (harness/capture/
  // initiator.py describes it). V8 writes "    at fn (url:line:col)", Firefox and WebKit
  // "fn@url:line:col"; an inline script's frames carry the document URL, a script inserted at
  // run time (a tag manager's custom HTML tag) "<anonymous>" or no URL, above its inserter.
  var NativeError = w.Error;
  var SELF = "spdt-harness-capture.js";  // this script's sourceURL (the last line)
  var MAX_FRAMES = 4, MAX_URL = 300, MAX_LINES = 16;
  var V8_FRAME = /^\s*at (?:.*? \()?(.*?):(\d+):(\d+)\)?\s*$/;
  var OTHER_FRAME = /^[^@]*@(.*?):(\d+):(\d+)\s*$/;
  function frames() {
    var out = [];
    try {
      // A page's own Error.prepareStackTrace would run on reading .stack: skip, never call it.
      if (NativeError.prepareStackTrace) { return out; }
      var text = new NativeError().stack;
      if (typeof text !== "string") { return out; }
      var lines = text.slice(0, 4000).split("\n", MAX_LINES);
      for (var i = 0; i < lines.length && out.length < MAX_FRAMES; i++) {
        var m = V8_FRAME.exec(lines[i]) || OTHER_FRAME.exec(lines[i]);
        if (!m || m[1].indexOf(SELF) >= 0) { continue; }
        out.push({ url: m[1].slice(0, MAX_URL), line: +m[2], column: +m[3] });
      }
    } catch (e) { /* no stack: no initiator */ }
    return out;
  }

  function emit(kind, data) {
    try { if (binding) { binding(kind, JSON.stringify(data)); } } catch (e) { /* never break the page */ }
  }
  function clone(value, depth, seen) {
    if (value === null || typeof value === "boolean" || typeof value === "string") { return value; }
    if (typeof value === "number") { return isFinite(value) ? value : { __nonfinite__: String(value) }; }
    if (value === undefined) { return { __undefined__: true }; }
    if (typeof value === "function") { return { __function__: true }; }
    if (typeof value === "bigint" || typeof value === "symbol") { return String(value); }
    if (depth > 6) { return { __truncated__: true }; }
    if (seen.indexOf(value) >= 0) { return { __cycle__: true }; }
    seen = seen.concat([value]);
    try {
      if (Array.isArray(value) || Object.prototype.toString.call(value) === "[object Arguments]") {
        var out = [];
        for (var i = 0; i < value.length && i < 200; i++) { out.push(clone(value[i], depth + 1, seen)); }
        return out;
      }
      if (typeof Node !== "undefined" && value instanceof Node) { return { __node__: value.nodeName }; }
      var obj = {};
      var keys = Object.keys(value).slice(0, 200);
      for (var j = 0; j < keys.length; j++) { obj[keys[j]] = clone(value[keys[j]], depth + 1, seen); }
      return obj;
    } catch (e) { return { __unreadable__: true }; }
  }

  var seq = 0;
  var targets = new WeakMap(); // recording proxy -> target function
  var proxies = new WeakMap(); // target function -> recording proxy (one per function, so that
                               // `pdst === spdt` stays true when both hold the same function)
  var lastRead = "spdt";       // the global read last: the one a call went through

  function shape(v) {
    if (typeof v === "function") { return "function"; }
    if (v && typeof v === "object") { return "object"; }
    return typeof v;
  }
  /* Record every call of window[name]: "spdt", and "pdst" for the legacy Podsights loader (the
   * same script behind another global). Each global counts its own generations. */
  function watch(name) {
    var current;                 // what the page assigned to window[name]
    var generation = 0;          // how many distinct values the global has held
    function wrap(fn) {
      if (typeof fn !== "function") { return fn; }
      var existing = proxies.get(fn);
      if (existing) { return existing; }
      var born = generation;
      var proxy = new Proxy(fn, {
        apply: function (target, self, args) {
          var rec = null;
          if (calls < MAX_CALLS) {
            calls++;
            rec = { seq: ++seq, document: documentId, page_url: w.location.href, command: clone(args[0], 0, []),
                    args: clone(Array.prototype.slice.call(args, 1), 0, []),
                    time: w.performance ? w.performance.now() : 0,
                    stub: born <= 1 ? "function" : "live", threw: false, error: null, global: lastRead,
                    stack: frames() };
          }
          try {
            var result = Reflect.apply(target, self, args);
            if (rec) { emit("call", rec); }
            return result;
          } catch (e) {
            if (rec) { rec.threw = true; rec.error = String(e && e.message || e); emit("call", rec); }
            throw e;
          }
        }
      });
      proxies.set(fn, proxy);
      targets.set(proxy, fn);
      return proxy;
    }
    try {
      Object.defineProperty(w, name, {
        configurable: true,
        enumerable: true,
        get: function () { lastRead = name; return wrap(current); },
        set: function (value) {
          var real = (typeof value === "function" && targets.get(value)) || value;
          if (real === current) { return; }
          current = real;
          generation++;
          var keys = [];
          try { if (real && (typeof real === "object" || typeof real === "function")) { keys = Object.keys(real).slice(0, 20); } } catch (e) { /* ignore */ }
          emit("assign", { page_url: w.location.href, document: documentId, generation: generation,
                           type: shape(real), keys: keys,
                           time: w.performance ? w.performance.now() : 0, global: name,
                           stack: frames() });
        }
      });
    } catch (e) { /* already defined non-configurably: calls are not recorded */ }
    return {
      queue: function () {  // the stub's queue length (what the pixel has not drained yet)
        try {
          var q = current && (current.q || current._q);
          return q && typeof q.length === "number" ? q.length : 0;
        } catch (e) { return 0; }
      },
      generation: function () { return generation; }
    };
  }
  var watched = [watch("spdt"), watch("pdst")];

  // Evidence for settling (harness/capture/settle.py): the document's ready state, and which
  // pixel, tag-manager and consent-tool scripts it holds and has finished loading.
  var PIXEL_SRC = /(^|\/\/)([^\/]*\.)?(byspotify\.com|spotify\.com|pdst\.fm)\/|ping\.min\.js/i;
  var TAG_MANAGER_SRC = /googletagmanager\.com\/(gtm|gtag)|\/gtm\.js|tiqcdn\.com|\/utag(\.sync)?\.js|adobedtm\.com|\/launch-[^\/]*\.js|cdn\.segment\.com|tagcommander|tagcdn|ensighten|\/container\.js(\?|$)/i;
  var CONSENT_SRC = /cookielaw\.org|onetrust|otSDKStub|cookiebot|consensu\.org|usercentrics|didomi|quantcast|trustarc|consentmanager|cookieyes|iubenda|termly|osano|\/cmp[^\/]*\.js/i;
  function role(src) {
    if (!src) { return ""; }
    if (PIXEL_SRC.test(src)) { return "pixel"; }
    if (TAG_MANAGER_SRC.test(src)) { return "tag_manager"; }
    if (CONSENT_SRC.test(src)) { return "consent"; }
    return "";
  }
  function queueLength() { return watched[0].queue() + watched[1].queue(); }
  function generationNow() { return watched[0].generation() + watched[1].generation(); }
  var finished = new WeakSet();  // script elements whose load or error event fired
  function scan(state) {
    var scripts = [];
    try {
      for (var i = 0; i < document.scripts.length && scripts.length < 50; i++) {
        var el = document.scripts[i], r = role(el.src), t = String(el.type || "").toLowerCase();
        if (!r || (t && !/javascript|ecmascript|module/.test(t))) { continue; }  // never runs
        scripts.push({ role: r, src: String(el.src).slice(0, 300), done: finished.has(el) });
      }
    } catch (e) { /* ignore */ }
    var noscript = false;
    try { noscript = document.getElementsByTagName("noscript").length > 0; } catch (e) { /* */ }
    emit("doc", { page_url: w.location.href, document: documentId, state: state, scripts: scripts,
                  noscript: noscript,
                  queue: queueLength(), generation: generationNow() });
  }
  function scriptDone(e) {
    var el = e.target;
    if (!el || el.tagName !== "SCRIPT" || !el.src) { return; }
    finished.add(el);
    var r = role(el.src);
    if (!r) { return; }
    emit("script", { page_url: w.location.href, document: documentId, role: r,
                     src: String(el.src).slice(0, 300), ok: e.type === "load",
                     queue: queueLength(), generation: generationNow() });
  }
  // (load and error events of elements do not reach window: listen on the document)
  document.addEventListener("load", scriptDone, true);
  document.addEventListener("error", scriptDone, true);
  scan("loading");
  document.addEventListener("DOMContentLoaded", function () { scan("interactive"); });
  w.addEventListener("load", function (e) { if (e.target === document || e.target === w) { scan("complete"); } });

  document.addEventListener("securitypolicyviolation", function (e) {
    emit("csp", { page_url: w.location.href, directive: e.effectiveDirective || e.violatedDirective,
                  blocked_uri: e.blockedURI, disposition: e.disposition,
                  original_policy: (e.originalPolicy || "").slice(0, 2000) });
  }, true);
})();
//# sourceURL=spdt-harness-capture.js
