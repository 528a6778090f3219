// Comfort only: every page works without this file.
"use strict";

// The queue refreshes itself every 30 seconds, unless the person is typing in its filters.
function refreshQueue(box) {
  var seconds = parseInt(box.getAttribute("data-refresh"), 10) || 30;
  window.setInterval(function () {
    var active = document.activeElement;
    if (document.hidden || (active && active.form && active.form.classList.contains("filters"))) {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (text) {
        if (!text) { return; }
        var fresh = new DOMParser().parseFromString(text, "text/html");
        var newBox = fresh.getElementById("queue");
        var tabs = fresh.querySelector("nav.tabs");
        if (newBox) { box.replaceChildren.apply(box, Array.from(newBox.childNodes)); }
        var oldTabs = document.querySelector("nav.tabs");
        if (tabs && oldTabs) { oldTabs.replaceChildren.apply(oldTabs, Array.from(tabs.childNodes)); }
      })
      .catch(function () { /* the next round tries again */ });
  }, seconds * 1000);
}

// On the call form: the known callers offered are those of the member typed.
function callersOfMember(form) {
  var member = form.querySelector("#member_id");
  var list = document.getElementById("caller-list");
  if (!member || !list) { return; }
  var all = Array.from(list.querySelectorAll("option"));
  var codes = {};
  Array.from(document.querySelectorAll("#member-list option")).forEach(function (o) {
    codes[o.value.toLowerCase()] = o.getAttribute("data-id");
  });
  function update() {
    var id = codes[member.value.trim().toLowerCase()] || member.value.trim();
    list.replaceChildren.apply(list, all.filter(function (o) {
      return !id || o.getAttribute("data-member") === id;
    }));
  }
  member.addEventListener("change", update);
  member.addEventListener("input", update);
  update();
}

// Shortcuts: "n" opens a new call, "/" goes to the queue's text filter.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable);
  if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
  if (event.key === "n") {
    window.location.href = "/console/tickets/new";
  } else if (event.key === "/") {
    var search = document.getElementById("f-q");
    if (search) { event.preventDefault(); search.focus(); }
  }
});

document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("queue");
  if (box && box.hasAttribute("data-refresh")) { refreshQueue(box); }
  var call = document.getElementById("call-form");
  if (call) { callersOfMember(call); }
});
