// Live "N left" badges on the public event page (/e/{slug}).
//
// The server sends ONE socket.io message per availability change of an event to every open page of
// that event (eventflow/pages/components/live_counts.py):
//   {"event": "<id>", "tiers": [{"id", "available", "text", "classes"}, ...]}
// This writes each tier's text and colour into its badge ([data-testid=available-<tier>]) and dims
// a sold-out card ([data-testid=tier-<tier>]). The server keeps the same text and classes on its
// side of the badge, so whatever NiceGUI renders later agrees with what is shown here.
// Served from our own origin: the pages' Content-Security-Policy allows it (app/headers.py).
(function () {
  "use strict";
  var MESSAGE = "eventflow_counts";

  function setText(element, text) {
    // Change the text node Vue rendered rather than replacing it, so Vue's own later patches
    // (if the server ever re-sends the badge) still land on the node that is shown.
    var node = element.firstChild;
    if (node && node.nodeType === Node.TEXT_NODE && !node.nextSibling) {
      if (node.nodeValue !== text) node.nodeValue = text;
    } else if (element.textContent !== text) {
      element.textContent = text;
    }
  }

  // Screen readers hear when a tier turns "Only N left" or "Sold out" (the badge's colour band
  // changes), not every sale: one polite live region for the page, made before any message comes.
  var announcer = null;
  function announce(text) {
    if (!announcer && document.body) {
      announcer = document.createElement("div");
      announcer.setAttribute("aria-live", "polite");
      announcer.setAttribute("data-testid", "live-announcer");
      announcer.style.cssText = "position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap";
      document.body.appendChild(announcer);
    }
    if (announcer) announcer.textContent = text;
  }
  document.addEventListener("DOMContentLoaded", function () { announce(""); });
  function band(classes) { var m = /\bbg-[a-z]+-\d+/.exec(classes || ""); return m ? m[0] : ""; }

  function show(message) {
    if (!message || !Array.isArray(message.tiers)) return;
    message.tiers.forEach(function (tier) {
      var badge = document.querySelector('[data-testid="available-' + tier.id + '"]');
      // The badge's words in the page's language (<html lang>) when the message has them.
      var text = (tier.texts && tier.texts[document.documentElement.lang]) || tier.text;
      if (badge) {
        if (typeof tier.classes === "string" && band(badge.className) !== band(tier.classes)) {
          var card = document.querySelector('[data-testid="tier-' + tier.id + '"] .text-lg');
          announce((card ? card.textContent + ": " : "") + text);
        }
        setText(badge, String(text));
        if (typeof tier.classes === "string" && badge.className !== tier.classes) badge.className = tier.classes;
      }
      var card = document.querySelector('[data-testid="tier-' + tier.id + '"]');
      if (card) card.classList.toggle("grayscale", tier.available === 0);
      // "N people waiting" under a sold-out tier (issue 13: pages/components/waitlist_join.py).
      var waiting = document.querySelector('[data-testid="waiting-' + tier.id + '"]');
      if (waiting && tier.waiting_texts) {
        setText(waiting, String(tier.waiting_texts[document.documentElement.lang] || tier.waiting_texts["en-GB"] || ""));
      }
    });
  }

  function listen(socket) {
    if (socket && socket.on) socket.on(MESSAGE, show); // the handler survives reconnects
  }

  // NiceGUI assigns window.socket when its Vue app mounts: listen from that very moment, so no
  // message can arrive before the handler is there.
  if (window.socket) {
    listen(window.socket);
  } else {
    var current;
    Object.defineProperty(window, "socket", {
      configurable: true,
      get: function () { return current; },
      set: function (socket) { current = socket; listen(socket); },
    });
  }

  window.eventflowShowCounts = show; // for tests and the console
})();
