// faqbot's chat widget. Embed with one tag on any page:
//
//   <script src="https://faq.example/widget.js" async></script>
//
// It adds a round button at the bottom right; the button opens the chat page of
// the same service (/embed) in an iframe, so the host page's styles cannot break
// the chat and the chat cannot touch the host page. Optional attributes on the
// script tag: data-label="Questions about this story" (the button's label),
// data-open="true" (start open). Styles are set through the DOM (no inline
// <style>), so the widget also works on pages with a strict style-src.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__faqbotWidget) return;
  window.__faqbotWidget = true;

  var base = new URL(".", script.src);
  var origin = base.origin;
  var label = script.getAttribute("data-label") || "Questions about this article";
  var SVG = "http://www.w3.org/2000/svg";
  var CHAT = "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zM6 9h12v2H6V9zm8 5H6v-2h8v2zm4-6H6V6h12v2z";
  var CLOSE = "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z";

  function css(node, styles) {
    for (var k in styles) node.style.setProperty(k, styles[k]);
    return node;
  }

  function glyph(path) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    css(svg, { width: "26px", height: "26px", fill: "currentColor" });
    var p = document.createElementNS(SVG, "path");
    p.setAttribute("d", path);
    svg.appendChild(p);
    return svg;
  }

  var host = document.createElement("div");
  host.setAttribute("data-faqbot-widget", "");
  var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;

  var button = css(document.createElement("button"), {
    position: "fixed", right: "20px", bottom: "20px", width: "56px", height: "56px",
    "border-radius": "50%", border: "0", margin: "0", padding: "0", cursor: "pointer",
    background: "#1f5fbf", color: "#fff", "box-shadow": "0 4px 14px rgba(0,0,0,.25)",
    display: "grid", "place-items": "center", "z-index": "2147483646"
  });
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.setAttribute("aria-expanded", "false");
  button.title = label;
  button.appendChild(glyph(CHAT));

  var panel = css(document.createElement("div"), {
    position: "fixed", right: "20px", bottom: "88px", width: "400px", height: "620px",
    "max-width": "calc(100vw - 24px)", "max-height": "calc(100vh - 108px)",
    "border-radius": "16px", overflow: "hidden", "box-shadow": "0 12px 40px rgba(0,0,0,.3)",
    background: "#fff", display: "none", "z-index": "2147483647"
  });
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-label", label);

  var frame = null;

  function narrow() { return window.innerWidth < 520; }

  function place() {
    if (narrow()) {
      css(panel, { right: "0", bottom: "0", width: "100vw", height: "100%", "max-width": "100vw",
                   "max-height": "100%", "border-radius": "0" });
    } else {
      css(panel, { right: "20px", bottom: "88px", width: "400px", height: "620px",
                   "max-width": "calc(100vw - 24px)", "max-height": "calc(100vh - 108px)", "border-radius": "16px" });
    }
  }

  function open() {
    if (!frame) {
      frame = css(document.createElement("iframe"), { width: "100%", height: "100%", border: "0", display: "block" });
      frame.title = label;
      frame.src = new URL("embed", base).href;
      panel.appendChild(frame);
    }
    place();
    panel.style.display = "block";
    button.setAttribute("aria-expanded", "true");
    button.replaceChild(glyph(CLOSE), button.firstChild);
    if (narrow()) button.style.display = "none";
    frame.focus();
  }

  function close() {
    panel.style.display = "none";
    button.style.display = "grid";
    button.setAttribute("aria-expanded", "false");
    button.replaceChild(glyph(CHAT), button.firstChild);
    button.focus();
  }

  button.addEventListener("click", function () {
    if (panel.style.display === "none") open(); else close();
  });
  window.addEventListener("message", function (event) {
    if (event.origin === origin && frame && event.source === frame.contentWindow &&
        event.data && event.data.faqbot === "close") close();
  });
  window.addEventListener("resize", function () { if (panel.style.display !== "none") place(); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && panel.style.display !== "none") close();
  });

  root.appendChild(panel);
  root.appendChild(button);
  (document.body || document.documentElement).appendChild(host);
  if (script.getAttribute("data-open") === "true") open();
})();
