// faqbot's chat page: plain JavaScript, no build step.
//
// Everything that comes from the knowledge base or the reader is put on the page
// as text (textContent, text nodes), never as HTML: an answer holding
// "<img src=x onerror=...>" shows those characters and runs nothing.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var THUMB = "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 " +
    "7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z";
  var LABELS = { unknown: "Not stated in the article", passage: "From the article" };

  var log = document.getElementById("log");
  var form = document.getElementById("ask-form");
  var input = document.getElementById("question");
  var send = document.getElementById("send");
  var busy = document.getElementById("busy");
  var app = document.getElementById("app");
  var article = document.getElementById("article");
  var articleTitle = document.getElementById("article-title");
  var articleBody = document.getElementById("article-body");

  var conversation = null;   // the token of the last reply
  var offered = [];          // the questions the last reply numbered (a click sends the number)
  var sources = {};          // id -> {title, provenance, ...}
  var texts = {};            // id -> Promise of the source with its text
  var opener = null;         // the citation button that opened the article
  var waiting = false;

  function url(path) { return new URL(path, document.baseURI).href; }

  // el("p", {className: "x"}, "text", child, ...): children are strings (text) or nodes
  function el(tag, props) {
    var node = document.createElement(tag);
    var key;
    for (key in props || {}) {
      if (key === "attrs") {
        for (var a in props.attrs) node.setAttribute(a, props.attrs[a]);
      } else if (key === "onclick") {
        node.addEventListener("click", props.onclick);
      } else {
        node[key] = props[key];
      }
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function icon(path, flip) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    if (flip) svg.setAttribute("transform", "scale(1,-1)");
    var p = document.createElementNS(SVG, "path");
    p.setAttribute("d", path);
    svg.appendChild(p);
    return svg;
  }

  function request(method, path, body) {
    var options = { method: method, headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(url(path), options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var error = new Error((data.error && data.error.message) || ("HTTP " + response.status));
          error.code = data.error && data.error.code;
          error.status = response.status;
          throw error;
        }
        return data;
      });
    });
  }

  // ------------------------------------------------------------------ the log

  function add(item) {
    log.appendChild(item);
    return item;
  }

  function scrollTo(item) {
    if (item.offsetHeight > log.clientHeight * 0.8) {
      log.scrollTop = item.offsetTop - log.offsetTop - 12;
    } else {
      log.scrollTop = log.scrollHeight;
    }
  }

  function location(c) {
    var parts = [];
    var several = Object.keys(sources).length > 1;
    if (several && sources[c.source]) parts.push(sources[c.source].title);
    if (c.section) parts.push(c.section);
    parts.push("paragraph " + c.paragraph);
    return parts.join(", ");
  }

  function choiceList(heading, items, numbered) {
    var list = el("ol");
    items.forEach(function (s, i) {
      list.appendChild(el("li", null, el("button", {
        type: "button", className: "choice",
        onclick: function () { pick(s.question); }
      }, numbered ? el("span", { className: "n" }, (i + 1) + ".") : null, el("span", null, s.question))));
    });
    return el("div", { className: "choices" }, el("p", { className: "choices-heading" }, heading), list);
  }

  function missingLines(missing) {
    var out = [];
    (Array.isArray(missing) ? missing : [missing]).forEach(function (m) {
      if (typeof m === "string" && m) out.push(m);
      else if (m && typeof m === "object") {
        var text = m.text || m.what || m.question || m.description;
        if (typeof text === "string" && text) out.push(text);
      }
    });
    return out;
  }

  function botReply(reply) {
    var status = typeof reply.status === "string" ? reply.status : "answered";
    var card = el("li", { className: "msg msg-bot status-" + status.replace(/[^a-z]/g, "") });
    if (LABELS[status]) card.appendChild(el("p", { className: "label" }, LABELS[status]));
    card.appendChild(el("p", { className: "answer" }, String(reply.answer || "")));

    var missing = reply.missing ? missingLines(reply.missing) : [];
    if (missing.length) {
      card.appendChild(el("p", { className: "notes" }, "The article does not say: " + missing.join("; ")));
    }

    var citations = Array.isArray(reply.citations) ? reply.citations : [];
    if (citations.length) {
      var list = el("ul", { className: "citations", attrs: { "aria-label": "Passages cited" } });
      citations.forEach(function (c) {
        var where = location(c);
        list.appendChild(el("li", { className: "citation" },
          el("blockquote", null, "“" + c.quote + "”"),
          el("button", {
            type: "button", className: "cite-link",
            attrs: { "aria-label": "Show in the article: " + where },
            onclick: function (event) { openArticle(c, event.currentTarget); }
          }, where)));
      });
      card.appendChild(list);
    }

    var suggestions = Array.isArray(reply.suggestions) ? reply.suggestions : [];
    var followUps = Array.isArray(reply.follow_ups) ? reply.follow_ups : [];
    var shown = suggestions.length ? suggestions : followUps;
    if (shown.length) {
      var heading = suggestions.length ? (status === "clarify" ? "Did you mean:" : "You could ask:") : "Related questions:";
      card.appendChild(choiceList(heading, shown, true));
      offered = shown.map(function (s) { return s.question; });
    }

    if (Array.isArray(reply.notes) && reply.notes.length) {
      var notes = el("ul", { className: "notes" });
      reply.notes.forEach(function (n) { notes.appendChild(el("li", null, String(n))); });
      card.appendChild(notes);
    }

    if (status !== "smalltalk") card.appendChild(feedback(reply.conversation));
    return card;
  }

  function feedback(token) {
    var box = el("div", { className: "feedback" }, el("span", null, "Was this helpful?"));
    function rate(helpful) {
      return function () {
        up.disabled = down.disabled = true;
        (helpful ? up : down).setAttribute("aria-pressed", "true");
        request("POST", "v1/feedback", { helpful: helpful, conversation: token || null })
          .then(function () { box.appendChild(el("span", { className: "thanks", attrs: { role: "status" } }, "Thanks for the feedback.")); })
          .catch(function (e) { box.appendChild(el("span", { className: "thanks", attrs: { role: "status" } }, "Feedback not sent: " + e.message)); });
      };
    }
    var up = el("button", { type: "button", className: "thumb", attrs: { "aria-label": "Helpful", "aria-pressed": "false" }, onclick: rate(true) }, icon(THUMB, false));
    var down = el("button", { type: "button", className: "thumb", attrs: { "aria-label": "Not helpful", "aria-pressed": "false" }, onclick: rate(false) }, icon(THUMB, true));
    box.appendChild(up);
    box.appendChild(down);
    return box;
  }

  function botText(text, className) {
    return el("li", { className: "msg msg-bot " + (className || "") }, el("p", { className: "answer" }, text));
  }

  // ------------------------------------------------------------------ asking

  function setWaiting(on) {
    waiting = on;
    send.disabled = on;
    busy.textContent = on ? "Looking in the article…" : "";
  }

  function ask(shown, sent) {
    if (waiting) return;
    var text = String(shown).trim();
    if (!text) return;
    var mine = add(el("li", { className: "msg msg-user" }, text));
    var typing = add(el("li", { className: "msg msg-bot typing", attrs: { "aria-hidden": "true" } }, "…"));
    scrollTo(mine);
    setWaiting(true);
    var question = sent === undefined ? text : sent;

    function done(card) {
      typing.remove();
      add(card);
      setWaiting(false);
      scrollTo(card.offsetHeight > log.clientHeight * 0.8 ? mine : card);
    }

    request("POST", "v1/ask", { question: question, conversation: conversation })
      .catch(function (e) {
        if (conversation && (e.code === "conversation_expired" || e.code === "conversation_invalid")) {
          conversation = null;  // start again, and say so
          offered = [];
          return request("POST", "v1/ask", { question: text, conversation: null }).then(function (reply) {
            reply.notes = (reply.notes || []).concat(["The earlier conversation had expired, so this was asked afresh."]);
            return reply;
          });
        }
        throw e;
      })
      .then(function (reply) {
        conversation = typeof reply.conversation === "string" ? reply.conversation : null;
        offered = [];
        done(botReply(reply));
      })
      .catch(function (e) {
        var message = e.status === 503 ? "The service is starting up; please try again in a moment." :
          e.status ? "Sorry, that did not work: " + e.message : "Could not reach the service. Check the connection and try again.";
        done(botText(message, "msg-error"));
      });
  }

  // A choice from the last reply is sent as its number, so the conversation picks
  // exactly what was offered; an older one is asked as a question.
  function pick(question) {
    var n = offered.indexOf(question);
    ask(question, n >= 0 ? String(n + 1) : undefined);
    input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim() || waiting) return;
    input.value = "";
    ask(text);
  });

  // ------------------------------------------------------------------ the article

  function sourceText(id) {
    if (!texts[id]) {
      texts[id] = request("GET", "v1/sources/" + encodeURIComponent(id)).then(function (s) {
        s.chars = Array.from(s.text);  // offsets count code points, as in Python
        return s;
      });
      texts[id].catch(function () { delete texts[id]; });
    }
    return texts[id];
  }

  function slice(s, a, b) { return s.chars.slice(a, b).join(""); }

  function openArticle(c, button) {
    opener = button;
    sourceText(c.source).then(function (s) {
      articleTitle.textContent = s.title;
      articleBody.textContent = "";
      var known = [];
      ["author", "publisher", "published", "url"].forEach(function (k) {
        var v = s.provenance && s.provenance[k];
        if (v && String(v).toLowerCase() !== "unknown") known.push(String(v));
      });
      if (known.length) articleBody.appendChild(el("p", { className: "provenance" }, known.join(" · ")));
      var marked = null;
      s.blocks.forEach(function (b) {
        var node;
        if (b.heading) {
          node = el("h3", null, slice(s, b.start, b.end).trim());
        } else {
          node = el("p", null, el("span", { className: "pn", attrs: { "aria-hidden": "true" } }, "¶" + b.paragraph));
          var from = Math.max(b.start, c.start), to = Math.min(b.end, c.end);
          if (from < to) {
            node.appendChild(document.createTextNode(slice(s, b.start, from)));
            var mark = el("mark", { tabIndex: -1 }, slice(s, from, to));
            node.appendChild(mark);
            node.appendChild(document.createTextNode(slice(s, to, b.end)));
            marked = marked || mark;
          } else {
            node.appendChild(document.createTextNode(slice(s, b.start, b.end)));
          }
        }
        articleBody.appendChild(node);
      });
      article.hidden = false;
      app.classList.add("with-article");
      button.scrollIntoView({ block: "nearest" });  // the chat column narrowed: keep the reply in view
      var target = marked || article;
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
    }).catch(function (e) {
      add(botText("Could not open the article: " + e.message, "msg-error"));
    });
  }

  function closeArticle() {
    if (article.hidden) return;
    article.hidden = true;
    app.classList.remove("with-article");
    if (opener && document.body.contains(opener)) opener.focus();
  }

  document.getElementById("article-close").addEventListener("click", closeArticle);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closeArticle();
  });

  // ------------------------------------------------------------------ start, topics, new chat

  function welcome() {
    var titles = Object.keys(sources).map(function (id) { return sources[id].title; });
    var about = titles.length === 1 ? "“" + titles[0] + "”" : "the article";
    var card = el("li", { className: "msg msg-bot" },
      el("p", { className: "answer" }, "Hello! Ask me anything about " + about + ". I answer only from the article, " +
        "and quote the passages each answer rests on."));
    request("GET", "v1/topics").then(function (t) {
      var starters = t.topics.slice(0, 3).map(function (topic) { return topic.questions[0]; });
      if (starters.length) card.appendChild(choiceList("You could ask:", starters, false));
    }).catch(function () {});
    add(card);
  }

  function showTopics() {
    request("GET", "v1/topics").then(function (t) {
      var card = el("li", { className: "msg msg-bot" }, el("p", { className: "answer" }, "What I can answer, by part of the article:"));
      t.topics.forEach(function (topic) {
        card.appendChild(el("p", { className: "topic-name" }, topic.name));
        var inner = el("ol");
        topic.questions.forEach(function (q) {
          inner.appendChild(el("li", null, el("button", { type: "button", className: "choice", onclick: function () { pick(q.question); } }, q.question)));
        });
        card.appendChild(el("div", { className: "choices" }, inner));
      });
      if (t.not_in_article.length) {
        card.appendChild(el("p", { className: "topic-note" }, "Asked about, but not in the article: " + t.not_in_article.join("; ") + "."));
      }
      scrollTo(add(card));
    }).catch(function (e) { add(botText("Could not list the topics: " + e.message, "msg-error")); });
  }

  document.getElementById("topics-button").addEventListener("click", showTopics);
  document.getElementById("new-button").addEventListener("click", function () {
    conversation = null;
    offered = [];
    log.textContent = "";
    closeArticle();
    welcome();
    input.focus();
  });

  var embedded = window.self !== window.top;
  if (embedded) {
    document.body.classList.add("embedded");
    var close = document.getElementById("close-embed");
    close.hidden = false;
    close.addEventListener("click", function () { window.parent.postMessage({ faqbot: "close" }, "*"); });
  }

  request("GET", "v1/sources").then(function (data) {
    data.sources.forEach(function (s) { sources[s.id] = s; });
    if (data.sources.length === 1) {
      document.getElementById("subtitle").textContent = data.sources[0].title;
    }
  }).catch(function () {}).then(function () {
    welcome();
    if (!embedded) input.focus();
  });
})();
