/*
 * newsbot chat widget: one <script> tag embeds it.
 *
 *   <script src="https://newsbot.example.org/widget.js" defer></script>
 *
 * The app's base URL is where this script came from (or the tag's data-newsbot-api attribute);
 * the widget loads widget.css from there and talks to POST {base}/api/chat.
 * Everything the server or the user sends is rendered as text (textContent), never as HTML.
 * The longest message the app takes comes from the tag's data-newsbot-max-chars (default 1000).
 * A tag's data-newsbot-article (an article's file name in knowledge/, without its suffix) makes
 * the widget beside a story answer from that story only; without it, from every article.
 * The session id and the transcript (as data) are kept in localStorage, so a reload keeps
 * the conversation (one per article).
 */
(function () {
  "use strict";

  if (window.NewsbotWidget) {
    return; // embedded twice: the first copy runs the widget
  }

  var VERSION = "1";
  var MAX_STORED = 200; // transcript entries kept in localStorage
  var TIMEOUT_MS = 60000;
  var FOLD_WORDS = 40; // a passage with more words than this around its answer is folded to the answer

  var script = document.currentScript || findScript();
  var base = baseUrl(script);
  var MAX_MESSAGE = maxMessage(script);
  var ARTICLE = (script && script.getAttribute("data-newsbot-article")) || null;
  var storageKey = "newsbot-widget:" + base + (ARTICLE ? "#" + ARTICLE : "");

  var state = load();
  var busy = false;
  var ui = null;
  var followed = null; // the citation link last followed out of the panel, and where the log was scrolled
  var quoteCount = 0; // ids for the passages' quotes (a fold toggle controls its quote)

  window.NewsbotWidget = {
    version: VERSION,
    base: base,
    article: ARTICLE,
    open: function () { whenReady(function () { openPanel(true); }); },
    close: function () { whenReady(function () { closePanel(false); }); },
  };

  whenReady(init);

  // --- where the app is ---------------------------------------------------------------------

  function findScript() {
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      if (/\/widget\.js(\?|#|$)/.test(scripts[i].src)) {
        return scripts[i];
      }
    }
    return null;
  }

  function baseUrl(tag) {
    var configured = tag && tag.getAttribute("data-newsbot-api");
    var url;
    try {
      if (configured) {
        url = new URL(configured, document.baseURI);
      } else if (tag && tag.src) {
        url = new URL(".", tag.src);
      } else {
        url = new URL("/", document.baseURI);
      }
    } catch (error) {
      url = new URL("/", window.location.href);
    }
    return url.origin + url.pathname.replace(/\/+$/, "");
  }

  function maxMessage(tag) {
    var configured = parseInt((tag && tag.getAttribute("data-newsbot-max-chars")) || "", 10);
    return configured > 0 ? configured : 1000;
  }

  /** An http(s) URL for `href` resolved against the app's base, or null (javascript: and the like). */
  function safeUrl(href) {
    if (typeof href !== "string" || !href) {
      return null;
    }
    var url;
    try {
      url = new URL(href, base + "/");
    } catch (error) {
      return null;
    }
    return url.protocol === "http:" || url.protocol === "https:" ? url : null;
  }

  function samePage(url) {
    var here = window.location;
    return url.origin === here.origin && url.pathname === here.pathname && url.search === here.search;
  }

  // --- stored conversation --------------------------------------------------------------------

  function newSessionId() {
    var bytes = new Uint8Array(16);
    var id = "w";
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < bytes.length; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    for (var j = 0; j < bytes.length; j++) {
      id += (bytes[j] + 256).toString(16).slice(1);
    }
    return id; // 33 characters of [0-9a-fw]
  }

  function load() {
    var fresh = { sessionId: newSessionId(), open: false, entries: [] };
    var raw;
    try {
      raw = window.localStorage.getItem(storageKey);
    } catch (error) {
      return fresh; // storage disabled: the conversation lasts as long as the page
    }
    if (!raw) {
      return fresh;
    }
    try {
      var saved = JSON.parse(raw);
      if (!saved || typeof saved.sessionId !== "string" || !/^[A-Za-z0-9_-]{8,64}$/.test(saved.sessionId)) {
        return fresh;
      }
      var entries = Array.isArray(saved.entries) ? saved.entries.map(cleanEntry).filter(Boolean) : [];
      return { sessionId: saved.sessionId, open: saved.open === true, entries: entries };
    } catch (error) {
      return fresh;
    }
  }

  function save() {
    try {
      state.entries = state.entries.slice(-MAX_STORED);
      window.localStorage.setItem(storageKey, JSON.stringify(state));
    } catch (error) {
      // full or disabled: keep going without persistence
    }
  }

  function str(value) {
    return typeof value === "string" ? value : value == null ? "" : String(value);
  }

  /** A transcript entry with only the fields the widget renders, each of the expected type. */
  function cleanEntry(entry) {
    if (!entry || typeof entry !== "object") {
      return null;
    }
    var from = entry.from === "user" || entry.from === "notice" ? entry.from : "bot";
    var clean = { from: from, text: str(entry.text) };
    if (from === "bot") {
      clean.buttons = (Array.isArray(entry.buttons) ? entry.buttons : [])
        .filter(function (b) { return b && typeof b === "object"; })
        .map(function (b) { return { title: str(b.title), payload: str(b.payload != null ? b.payload : b.title) }; })
        .filter(function (b) { return b.title && b.payload; });
      clean.sources = (Array.isArray(entry.sources) ? entry.sources : [])
        .filter(function (s) { return s && typeof s === "object"; })
        .map(function (s) {
          return {
            article: str(s.article),
            title: str(s.title),
            paragraph: typeof s.paragraph === "number" ? s.paragraph : parseInt(str(s.paragraph), 10) || null,
            speaker: str(s.speaker),
            speaker_kind: str(s.speaker_kind),
            text: str(s.text),
            url: str(s.url),
            highlight: cleanHighlight(s.highlight, str(s.text)),
            reports: (Array.isArray(s.reports) ? s.reports : []).map(str).filter(Boolean),
          };
        });
      clean.sides = (Array.isArray(entry.sides) ? entry.sides : [])
        .filter(function (side) { return side && typeof side === "object"; })
        .map(function (side) {
          return { name: str(side.name), speakers: (Array.isArray(side.speakers) ? side.speakers : []).map(str) };
        })
        .filter(function (side) { return side.name; });
      clean.contested = entry.contested === true;
      clean.answerable = entry.answerable === true ? true : entry.answerable === false ? false : null;
      // The reply's parts (newsbot.domain.Reply): its kind and lead line; older entries have neither.
      clean.kind = str(entry.kind) || "text";
      clean.lead = entry.lead == null ? null : str(entry.lead);
      cleanFeedback(entry, clean);
    }
    return clean.text || (clean.sources && clean.sources.length) || (clean.buttons && clean.buttons.length)
      ? clean
      : null;
  }

  /** {start, end} as code point offsets inside `text`, or null (none given, or out of range). */
  function cleanHighlight(highlight, text) {
    if (!highlight || typeof highlight !== "object") {
      return null;
    }
    var start = highlight.start;
    var end = highlight.end;
    var length = Array.from(text).length;
    if (typeof start !== "number" || typeof end !== "number" || start % 1 || end % 1) {
      return null;
    }
    return start >= 0 && start < end && end <= length ? { start: start, end: end } : null;
  }

  // --- building the widget --------------------------------------------------------------------

  function whenReady(callback) {
    if (document.body) {
      callback();
    } else {
      document.addEventListener("DOMContentLoaded", callback);
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text != null) {
      node.textContent = text;
    }
    return node;
  }

  function loadStyles(root) {
    var href = base + "/widget.css";
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    for (var i = 0; i < links.length; i++) {
      if (links[i].href === href) {
        return; // already on the page (the page links it itself)
      }
    }
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    // Unstyled, the widget would flash across the page: show it once the styles are in.
    root.hidden = true;
    link.onload = link.onerror = function () {
      root.hidden = false;
      scrollToLatest();
    };
    document.head.appendChild(link);
  }

  function init() {
    if (ui) {
      return;
    }
    var root = el("div", "newsbot-root");
    root.setAttribute("data-newsbot-widget", VERSION);
    loadStyles(root);

    var launcher = el("button", "newsbot-launcher");
    launcher.type = "button";
    launcher.setAttribute("aria-label", "Chat about the article");
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "newsbot-panel");
    var icon = el("span", "newsbot-launcher-icon");
    icon.setAttribute("aria-hidden", "true");
    launcher.appendChild(icon);
    launcher.appendChild(el("span", "newsbot-launcher-text", "Ask the article"));

    var panel = el("div", "newsbot-panel");
    panel.id = "newsbot-panel";
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "true");
    panel.setAttribute("aria-labelledby", "newsbot-title"); // named by its visible heading
    panel.hidden = true;

    var header = el("div", "newsbot-header");
    var title = el("h2", "newsbot-title", "Ask the article");
    title.id = "newsbot-title";
    var reset = el("button", "newsbot-reset", "New chat");
    reset.type = "button";
    reset.setAttribute("aria-label", "Start a new conversation");
    var close = el("button", "newsbot-close");
    close.type = "button";
    close.setAttribute("aria-label", "Close the chat");
    var cross = el("span", null, "\u00d7");
    cross.setAttribute("aria-hidden", "true");
    close.appendChild(cross);
    header.appendChild(title);
    header.appendChild(reset);
    header.appendChild(close);

    var log = el("div", "newsbot-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-label", "Conversation");
    log.tabIndex = -1;

    var form = el("form", "newsbot-form");
    form.setAttribute("novalidate", "");
    var input = el("input", "newsbot-input");
    input.type = "text";
    input.name = "message";
    input.autocomplete = "off";
    input.maxLength = MAX_MESSAGE;
    input.placeholder = "Ask about the article…";
    input.setAttribute("aria-label", "Your question");
    input.setAttribute("enterkeyhint", "send");
    input.setAttribute("aria-describedby", "newsbot-count");
    var send = el("button", "newsbot-send", "Send");
    send.type = "submit";
    // Under the input: how long the message is against the cap, and (politely announced) when the
    // cap is reached or a paste was cut to fit.
    var count = el("span", "newsbot-count");
    count.id = "newsbot-count";
    var limit = el("span", "newsbot-limit");
    limit.setAttribute("role", "status");
    var meta = el("div", "newsbot-meta");
    meta.appendChild(limit);
    meta.appendChild(count);
    form.appendChild(input);
    form.appendChild(send);
    form.appendChild(meta);

    panel.appendChild(header);
    panel.appendChild(log);
    panel.appendChild(form);
    root.appendChild(panel);
    root.appendChild(launcher);
    // First in the body: the launcher is among the page's first Tab stops, and on a phone it is a
    // bar above the page's content rather than a button floating over its text.
    document.body.insertBefore(root, document.body.firstChild);

    ui = {
      root: root, launcher: launcher, panel: panel, log: log, form: form, input: input, send: send,
      count: count, limit: limit,
    };
    showCount();

    launcher.addEventListener("click", function () {
      if (panel.hidden) {
        openPanel(true);
      } else {
        closePanel(true);
      }
    });
    close.addEventListener("click", function () { closePanel(true); });
    reset.addEventListener("click", newConversation);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit(input.value);
    });
    input.addEventListener("input", showCount);
    input.addEventListener("paste", pasteToFit);
    panel.addEventListener("keydown", keepTabInPanel);
    log.addEventListener("click", followCitation);
    // Escape closes the panel from inside the widget, and from nowhere in particular (after a
    // citation link moved the page to its paragraph); not from the host page's own controls.
    document.addEventListener("keydown", function (event) {
      if (panel.hidden || event.defaultPrevented || (event.key !== "Escape" && event.key !== "Esc")) {
        return;
      }
      var active = document.activeElement;
      if (!active || active === document.body || active === document.documentElement || root.contains(active)) {
        event.preventDefault();
        closePanel(true);
      }
    });

    renderAll();
    if (state.open) {
      openPanel(false); // restored after a reload: show it, but leave the page's focus alone
    }
  }

  // --- opening and closing --------------------------------------------------------------------

  function openPanel(focusInput) {
    if (!ui) {
      return;
    }
    ui.panel.hidden = false;
    ui.root.classList.add("newsbot-open");
    ui.launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    var back = followed;
    followed = null;
    if (back && focusInput && ui.log.contains(back.link)) {
      // Back from the paragraph a citation led to: to that link, the conversation scrolled as it was.
      ui.log.scrollTop = back.scrollTop;
      back.link.focus({ preventScroll: true });
      return;
    }
    scrollToLatest();
    if (focusInput) {
      ui.input.focus();
    }
  }

  function closePanel(focusLauncher) {
    if (!ui) {
      return;
    }
    ui.panel.hidden = true;
    ui.root.classList.remove("newsbot-open");
    ui.launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    if (focusLauncher) {
      ui.launcher.focus();
    }
  }

  /** The panel is a modal dialog: Tab and Shift+Tab go round its controls and never leave it. */
  function keepTabInPanel(event) {
    if (event.key !== "Tab" || event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) {
      return;
    }
    var stops = tabStops();
    if (!stops.length) {
      return;
    }
    var first = stops[0];
    var last = stops[stops.length - 1];
    var active = document.activeElement;
    if (event.shiftKey && active === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && active === last) {
      event.preventDefault();
      first.focus();
    }
  }

  /** The panel's controls that Tab reaches, in order (no positive tabindex in the widget: DOM order). */
  function tabStops() {
    var nodes = ui.panel.querySelectorAll("a[href], button, input, [tabindex]");
    return Array.prototype.filter.call(nodes, function (node) {
      return !node.disabled && node.tabIndex >= 0 && node.getClientRects().length > 0;
    });
  }

  /**
   * A citation link to a paragraph of this page: the page goes there (the link's own work), the
   * modal panel closes, and the paragraph takes the focus; reopening the panel comes back to the
   * link. A modifier-click (another tab or window) leaves the panel as it is.
   */
  function followCitation(event) {
    var link = event.target && event.target.closest ? event.target.closest("a.newsbot-cite") : null;
    if (!link || event.defaultPrevented || event.button !== 0
        || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
      return;
    }
    var url = safeUrl(link.getAttribute("href"));
    var target = url && samePage(url) ? elementOfHash(url.hash) : null;
    if (!target) {
      return;
    }
    followed = { link: link, scrollTop: ui.log.scrollTop };
    closePanel(false);
    if (!target.hasAttribute("tabindex")) {
      target.setAttribute("tabindex", "-1"); // focusable from code, not a Tab stop
    }
    setTimeout(function () { target.focus(); }, 0); // after the browser has gone to the fragment
  }

  function elementOfHash(hash) {
    if (!hash || hash.length < 2) {
      return null;
    }
    try {
      return document.getElementById(decodeURIComponent(hash.slice(1)));
    } catch (error) {
      return null; // a malformed escape
    }
  }

  // --- the message's length -------------------------------------------------------------------

  // Counted as the input's maxlength counts (UTF-16 units): never fewer than the code points the
  // server counts, so what fits here fits there.
  function showCount() {
    var length = ui.input.value.length;
    ui.count.textContent = length + " / " + MAX_MESSAGE;
    ui.count.appendChild(el("span", "newsbot-sr", " characters"));
    ui.count.classList.toggle("newsbot-count-full", length >= MAX_MESSAGE);
    if (length < MAX_MESSAGE) {
      say("");
    } else if (!ui.limit.textContent) {
      say("That is the limit: " + MAX_MESSAGE + " characters.");
    }
  }

  function say(text) {
    if (ui.limit.textContent !== text) {
      ui.limit.textContent = text;
    }
  }

  /** A paste longer than the room left is cut to fit, and the reader told so (maxlength cuts silently). */
  function pasteToFit(event) {
    var input = ui.input;
    var data = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    var start = input.selectionStart;
    var end = input.selectionEnd;
    if (!data || start == null || end == null) {
      return;
    }
    var pasted = data.replace(/\r\n|\r|\n/g, " "); // one line, as the input would make it
    var room = Math.max(0, MAX_MESSAGE - (input.value.length - (end - start)));
    if (pasted.length <= room) {
      return;
    }
    event.preventDefault();
    var fit = pasted.slice(0, room);
    if (/[\uD800-\uDBFF]$/.test(fit)) {
      fit = fit.slice(0, -1); // not half an emoji
    }
    // execCommand keeps the browser's undo; setRangeText where it is gone.
    if (!fit || !document.execCommand || !document.execCommand("insertText", false, fit)) {
      input.setRangeText(fit, start, end, "end");
      showCount();
    }
    say(fit
      ? "Your paste of " + pasted.length + " characters was cut to the first " + fit.length
        + " to fit the limit of " + MAX_MESSAGE + " characters."
      : "Your paste of " + pasted.length + " characters was cut: the message is at its limit of "
        + MAX_MESSAGE + " characters.");
  }

  function newConversation() {
    if (busy) {
      return;
    }
    state = { sessionId: newSessionId(), open: true, entries: [] };
    save();
    renderAll();
    ui.input.focus();
  }

  // --- rendering ------------------------------------------------------------------------------

  function renderAll() {
    while (ui.log.firstChild) {
      ui.log.removeChild(ui.log.firstChild);
    }
    var welcome = el("div", "newsbot-msg newsbot-welcome");
    welcome.appendChild(el("p", "newsbot-text",
      "Ask me about the article. I answer in its own words: each passage with who said it and a link to its paragraph."));
    ui.log.appendChild(welcome);
    state.entries.forEach(function (entry) { ui.log.appendChild(renderEntry(entry)); });
    scrollToLatest();
  }

  function append(entry) {
    state.entries.push(entry);
    save();
    ui.log.appendChild(renderEntry(entry));
    scrollToLatest();
  }

  /** Scroll the log to the last question, so its answer reads from the top (the browser clamps at the end). */
  function scrollToLatest() {
    if (!ui) {
      return;
    }
    var questions = ui.log.querySelectorAll(".newsbot-user");
    var last = questions.length ? questions[questions.length - 1] : null;
    ui.log.scrollTop = last ? last.offsetTop - 8 : ui.log.scrollHeight;
  }

  function who(from) {
    return el("span", "newsbot-sr", from === "user" ? "You: " : "Newsbot: ");
  }

  function renderEntry(entry) {
    if (entry.from === "bot") {
      return renderBotMessage(entry);
    }
    var node = el("div", "newsbot-msg newsbot-" + entry.from);
    node.appendChild(who(entry.from));
    node.appendChild(el("p", "newsbot-text", entry.text));
    if (entry.from === "notice") {
      node.setAttribute("role", "status");
    }
    return node;
  }

  /** One bot message: its lead line, its passages (or its sources listed), its suggested questions. */
  function renderBotMessage(entry) {
    var node = el("div", "newsbot-msg newsbot-bot");
    node.appendChild(who("bot"));
    var sources = entry.sources || [];
    var quotes = entry.kind === "answer" || entry.kind === "more";
    var lead = entry.lead != null ? entry.lead : entry.text;
    if (lead) {
      node.appendChild(el("p", "newsbot-text", lead));
    }
    if (quotes) {
      sources.forEach(function (source, i) {
        // The article's title only where it changes: one article's passages read better without it.
        var withTitle = i === 0 || sources[i - 1].title !== source.title;
        node.appendChild(renderPassage(source, withTitle, entry.contested ? sideOf(source, entry.sides) : null));
      });
    } else if (sources.length) {
      node.appendChild(renderCitations(sources));
    }
    if (entry.buttons && entry.buttons.length) {
      var group = el("div", "newsbot-suggestions");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Suggested questions");
      entry.buttons.forEach(function (button) {
        var b = el("button", "newsbot-suggestion", button.title);
        b.type = "button";
        b.addEventListener("click", function () { submit(button.payload, button.title); });
        group.appendChild(b);
      });
      node.appendChild(group);
    }
    node.appendChild(feedbackControls(entry));
    return node;
  }

  /** The name of the side whose voices include the passage's speaker, or null. */
  function sideOf(source, sides) {
    for (var i = 0; i < (sides || []).length; i++) {
      if (sides[i].speakers.indexOf(source.speaker) >= 0) {
        return sides[i].name;
      }
    }
    return null;
  }

  function speakerName(source) {
    if (source.speaker === "the article") {
      // The article itself, and the named voices it reports in the answering sentences.
      var reports = source.reports || [];
      return reports.length ? "the article itself, reporting " + reports.join(" and ") : "the article itself";
    }
    return source.speaker || "the article";
  }

  /** "paragraph N" as a link to the paragraph, or as text when the URL is not a safe one. */
  function paragraphLink(source) {
    var label = source.paragraph ? "paragraph " + source.paragraph : "the source";
    var url = safeUrl(source.url);
    if (!url) {
      return el("span", "newsbot-cite", label);
    }
    if (!samePage(url) && elementOfHash(url.hash)) {
      url = new URL(url.hash, window.location.href); // the paragraph is on this page too (a story's own page)
    }
    var link = el("a", "newsbot-cite", label);
    link.href = url.href;
    if (!samePage(url)) { // a link to this page's paragraph is followed by followCitation
      link.target = "_blank";
      link.rel = "noopener noreferrer";
    }
    if (source.title) {
      link.title = source.title;
    }
    return link;
  }

  function renderPassage(source, withTitle, side) {
    var figure = el("figure", "newsbot-passage");
    if (side) {
      var label = el("p", "newsbot-side");
      label.appendChild(el("span", "newsbot-sr", "Side: "));
      label.appendChild(document.createTextNode(side));
      figure.appendChild(label);
    }
    var quote = el("blockquote", "newsbot-quote");
    quote.id = "newsbot-quote-" + ++quoteCount;
    var toggle = renderQuote(quote, source.text, source.highlight);
    var caption = el("figcaption", "newsbot-source");
    caption.appendChild(document.createTextNode("\u2014 "));
    caption.appendChild(el("span", "newsbot-speaker", speakerName(source)));
    caption.appendChild(document.createTextNode(", "));
    caption.appendChild(paragraphLink(source));
    if (withTitle && source.title) {
      caption.appendChild(document.createTextNode(" of \u201c"));
      caption.appendChild(el("cite", "newsbot-article", source.title));
      caption.appendChild(document.createTextNode("\u201d"));
    }
    figure.appendChild(quote);
    if (toggle) {
      figure.appendChild(toggle);
    }
    figure.appendChild(caption);
    return figure;
  }

  /**
   * The passage's text into `quote`, its answering sentences (code point offsets, as the server
   * counts) in a <mark>, the rest quieter. A long rest is folded away from the eye only: screen
   * readers read the whole paragraph in order, and the "…" standing for it is aria-hidden. Returns
   * the fold's toggle button, or null when nothing is folded.
   */
  function renderQuote(quote, text, highlight) {
    if (!highlight) {
      quote.textContent = text;
      return null;
    }
    var points = Array.from(text);
    var before = points.slice(0, highlight.start).join("");
    var after = points.slice(highlight.end).join("");
    var folds = words(before) + words(after) > FOLD_WORDS;
    quote.classList.add("newsbot-highlighted");
    if (before) {
      quote.appendChild(el("span", "newsbot-context", before));
      if (folds && before.trim()) {
        quote.appendChild(ellipsis("\u2026 "));
      }
    }
    quote.appendChild(el("mark", "newsbot-mark", points.slice(highlight.start, highlight.end).join("")));
    if (after) {
      if (folds && after.trim()) {
        quote.appendChild(ellipsis(" \u2026"));
      }
      quote.appendChild(el("span", "newsbot-context", after));
    }
    if (!folds) {
      return null;
    }
    var toggle = el("button", "newsbot-fold");
    toggle.type = "button";
    toggle.setAttribute("aria-controls", quote.id);
    function show(whole) {
      quote.classList.toggle("newsbot-folded", !whole);
      toggle.setAttribute("aria-expanded", whole ? "true" : "false");
      toggle.textContent = whole ? "Show only the answer" : "Show the whole paragraph";
    }
    toggle.addEventListener("click", function () {
      show(quote.classList.contains("newsbot-folded"));
    });
    show(false);
    return toggle;
  }

  function words(text) {
    var trimmed = text.trim();
    return trimmed ? trimmed.split(/\s+/).length : 0;
  }

  function ellipsis(text) {
    var node = el("span", "newsbot-ellipsis", text);
    node.setAttribute("aria-hidden", "true");
    return node;
  }

  function renderCitations(sources) {
    var list = el("ul", "newsbot-citations");
    list.setAttribute("aria-label", "Sources");
    sources.forEach(function (source) {
      var item = el("li", "newsbot-source");
      item.appendChild(el("span", "newsbot-speaker", speakerName(source)));
      item.appendChild(document.createTextNode(", "));
      item.appendChild(paragraphLink(source));
      list.appendChild(item);
    });
    return list;
  }

  function showTyping(on) {
    var existing = ui.log.querySelector(".newsbot-typing");
    if (on && !existing) {
      var typing = el("div", "newsbot-msg newsbot-bot newsbot-typing");
      typing.appendChild(el("span", "newsbot-sr", "Newsbot is typing…"));
      var dots = el("span", "newsbot-dots");
      dots.setAttribute("aria-hidden", "true");
      dots.appendChild(el("span"));
      dots.appendChild(el("span"));
      dots.appendChild(el("span"));
      typing.appendChild(dots);
      ui.log.appendChild(typing);
      scrollToLatest();
    } else if (!on && existing) {
      ui.log.removeChild(existing);
    }
  }

  function setBusy(on) {
    busy = on;
    ui.input.readOnly = on; // readOnly, not disabled: the input keeps the keyboard focus
    ui.input.setAttribute("aria-busy", on ? "true" : "false");
    ui.send.disabled = on;
    var buttons = ui.log.querySelectorAll(".newsbot-suggestion");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-disabled", on ? "true" : "false");
    }
    showTyping(on);
  }

  // --- talking to the app ---------------------------------------------------------------------

  function submit(message, shown) {
    var text = str(message).trim();
    if (busy || !text) {
      return;
    }
    if (text.length > MAX_MESSAGE) {
      append({ from: "notice", text: "That message is too long: at most " + MAX_MESSAGE + " characters, please." });
      return;
    }
    var fromInput = shown === undefined;
    if (fromInput) {
      ui.input.value = "";
      showCount();
    }
    append({ from: "user", text: shown || text });
    var hadFocus = ui.panel.contains(document.activeElement);
    setBusy(true);
    post(text)
      .then(function (messages) {
        messages.forEach(function (m) {
          if (!m || typeof m !== "object") {
            return;
          }
          var entry = cleanEntry({
            from: "bot", text: m.text, kind: m.kind, lead: m.lead, buttons: m.buttons, sources: m.sources,
            sides: m.sides, contested: m.contested, answerable: m.answerable, id: m.id,
          });
          if (entry) {
            append(entry);
          }
        });
      })
      .catch(function (error) {
        append({ from: "notice", text: error && error.message ? error.message : "Something went wrong." });
        if (fromInput && !ui.input.value) {
          ui.input.value = text; // to send again
          showCount();
        }
      })
      .then(function () {
        setBusy(false);
        var active = document.activeElement;
        if (hadFocus && (!active || active === document.body || !ui.panel.contains(active))) {
          ui.input.focus();
        }
      });
  }

  // --- feedback on the bot's messages (POST /api/feedback) -------------------------------------

  // Function declarations, not variables: the widget may render a stored transcript before the
  // script has run this far.
  function ratedKind(kind) {
    return ["answer", "more", "who_said", "where", "decline"].indexOf(kind) >= 0;
  }

  function maxComment() {
    return 500; // the API's limit
  }

  /** Keeps a bot entry's message id and the reader's judgement of it (stored with the transcript). */
  function cleanFeedback(entry, clean) {
    if (typeof entry.id === "string" && /^[A-Za-z0-9-]{1,64}$/.test(entry.id)) {
      clean.id = entry.id;
    }
    var given = entry.feedback;
    if (given && (given.rating === "up" || given.rating === "down")) {
      clean.feedback = { rating: given.rating, comment: str(given.comment).slice(0, maxComment()) };
    }
  }

  /** Thumbs up and down under a bot message that answers or declines; after a thumbs-down, an
   * optional comment. An empty fragment for any other message. */
  function feedbackControls(entry) {
    if (!entry.id || !ratedKind(entry.kind)) {
      return document.createDocumentFragment();
    }
    var box = el("div", "newsbot-feedback");
    var group = el("div", "newsbot-rating");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Was this helpful?");
    var status = el("p", "newsbot-feedback-status");
    status.setAttribute("role", "status");
    var up = ratingButton("up", "Helpful");
    var down = ratingButton("down", "Not helpful");
    group.appendChild(up);
    group.appendChild(down);
    box.appendChild(group);
    box.appendChild(status);

    function show() {
      var rating = entry.feedback ? entry.feedback.rating : null;
      up.setAttribute("aria-pressed", rating === "up" ? "true" : "false");
      down.setAttribute("aria-pressed", rating === "down" ? "true" : "false");
    }

    function rate(rating, comment, then) {
      var before = entry.feedback || null;
      entry.feedback = { rating: rating, comment: comment || "" };
      show();
      status.textContent = "";
      sendFeedback(entry.id, rating, comment)
        .then(function () {
          save();
          status.textContent = comment ? "Thanks, your comment was sent." : "Thanks for your feedback.";
          if (then) {
            then();
          }
        })
        .catch(function (error) {
          entry.feedback = before;
          show();
          status.textContent = error.message;
        });
    }

    up.addEventListener("click", function () {
      closeComment(box);
      rate("up");
    });
    down.addEventListener("click", function () {
      function askWhy() {
        var kept = entry.feedback && entry.feedback.comment;
        openComment(box, down, kept || "", function (comment) { rate("down", comment); });
      }
      // Already a thumbs-down: only the comment opens again (with what was sent), so nothing is lost.
      if (entry.feedback && entry.feedback.rating === "down") {
        askWhy();
      } else {
        rate("down", null, askWhy);
      }
    });
    show();
    return box;
  }

  function ratingButton(rating, label) {
    var button = el("button", "newsbot-rate newsbot-rate-" + rating);
    button.type = "button";
    button.appendChild(thumb(rating === "down"));
    button.appendChild(el("span", "newsbot-rate-label", label));
    return button;
  }

  /** A thumb drawn as SVG (an emoji needs a font the reader may not have); down is up turned over. */
  function thumb(down) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "14");
    svg.setAttribute("height", "14");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("fill", "currentColor");
    path.setAttribute("d", "M2 21h4V9H2v12zm20-11c0-1.1-.9-2-2-2h-6.3l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L13.17 1 " +
      "6.59 7.59C6.22 7.95 6 8.45 6 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z");
    if (down) {
      path.setAttribute("transform", "rotate(180 12 12)");
    }
    svg.appendChild(path);
    return svg;
  }

  /** The optional comment after a thumbs-down (`kept`: the one already sent): Enter sends, Escape or
   * Skip leaves; either way the focus goes back to the thumbs-down button. */
  function openComment(box, returnTo, kept, send) {
    closeComment(box);
    var form = el("form", "newsbot-comment");
    var id = "newsbot-comment-" + Math.random().toString(36).slice(2);
    var label = el("label", null, "What was wrong? (optional)");
    label.htmlFor = id;
    var input = el("input");
    input.id = id;
    input.type = "text";
    input.maxLength = maxComment();
    input.autocomplete = "off";
    input.value = kept;
    var sendButton = el("button", "newsbot-comment-send", "Send");
    sendButton.type = "submit";
    var skip = el("button", "newsbot-comment-skip", "Skip");
    skip.type = "button";
    form.appendChild(label);
    form.appendChild(input);
    form.appendChild(sendButton);
    form.appendChild(skip);
    function leave() {
      closeComment(box);
      returnTo.focus();
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var comment = input.value.trim();
      leave();
      if (comment) {
        send(comment);
      }
    });
    skip.addEventListener("click", leave);
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation(); // Escape here leaves the comment, not the chat
        leave();
      }
    });
    box.appendChild(form);
    input.focus();
  }

  function closeComment(box) {
    var open = box.querySelector(".newsbot-comment");
    if (open) {
      box.removeChild(open);
    }
  }

  function sendFeedback(messageId, rating, comment) {
    var body = { session_id: state.sessionId, message_id: messageId, rating: rating };
    if (comment) {
      body.comment = comment;
    }
    return fetch(base + "/api/feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "omit",
    })
      .catch(function () {
        throw new Error("Your feedback could not be sent. Check your connection and try again.");
      })
      .then(function (response) {
        if (!response.ok) {
          return response.json().catch(function () { return null; }).then(function (answer) {
            var detail = answer && answer.error && typeof answer.error.message === "string" ? answer.error.message : "";
            throw new Error(detail || "Your feedback could not be kept (HTTP " + response.status + ").");
          });
        }
        return null;
      });
  }

  function post(message) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT_MS) : null;
    return fetch(base + "/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(ARTICLE
        ? { session_id: state.sessionId, message: message, article: ARTICLE }
        : { session_id: state.sessionId, message: message }),
      credentials: "omit",
      signal: controller ? controller.signal : undefined,
    })
      .catch(function (error) {
        var aborted = error && error.name === "AbortError";
        throw new Error(aborted
          ? "The chat service did not answer in time. Please try again."
          : "Cannot reach the chat service. Check your connection and try again.");
      })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (!response.ok) {
            var detail = body && body.error && typeof body.error.message === "string" ? body.error.message : "";
            throw new Error(detail || "The chat service answered with an error (HTTP " + response.status + ").");
          }
          if (!body || !Array.isArray(body.messages)) {
            throw new Error("The chat service sent a reply the widget does not understand.");
          }
          return body.messages;
        });
      })
      .finally(function () {
        if (timer) {
          clearTimeout(timer);
        }
      });
  }
})();
