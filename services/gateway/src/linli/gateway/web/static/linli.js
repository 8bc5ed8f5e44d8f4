/* Linli web pages: small progressive enhancements (the pages work without them).
   - live inbox and deadline board over Server-Sent Events (/inbox/stream)
   - likely duplicates shown while a resident types a request
   - an optional map pin when the operator configured a tile URL (off by default) */
(function () {
  "use strict";

  function $(selector, root) { return (root || document).querySelector(selector); }

  // ---- live updates ---------------------------------------------------------------------
  var main = $("main");
  var badge = $("#inbox-badge");
  var toast = $("#live");

  function showToast(entry) {
    if (!toast) return;
    toast.textContent = "";
    var text = document.createElement("strong");
    text.textContent = entry.title;
    toast.appendChild(text);
    if (entry.body) {
      var body = document.createElement("div");
      body.textContent = entry.body;
      toast.appendChild(body);
    }
    toast.classList.add("show");
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(function () { toast.classList.remove("show"); }, 8000);
  }

  function replaceFrom(url, ids) {
    return fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        ids.forEach(function (id) {
          var fresh = doc.getElementById(id);
          var old = document.getElementById(id);
          if (fresh && old) old.replaceWith(fresh);
        });
      })
      .catch(function () { /* next event or the periodic refresh tries again */ });
  }

  function refreshPage() {
    if (!main) return;
    var live = main.getAttribute("data-live");
    if (live === "deadlines") {
      replaceFrom(main.getAttribute("data-fragment"), ["deadline-board"]);
    } else if (live === "inbox") {
      replaceFrom(location.href, ["inbox-list", "offer-list", "task-list", "unread-count"]);
    }
  }

  // Only pages that show live data hold a stream open (each holds a server thread).
  var liveKind = main ? main.getAttribute("data-live") : null;
  if (badge && liveKind && window.EventSource) {
    var unread = 0;
    var source = new EventSource("/inbox/stream");
    var state = $("#live-state");
    source.addEventListener("open", function () { if (state) state.textContent = "●"; });
    source.addEventListener("inbox", function (event) {
      var entry;
      try { entry = JSON.parse(event.data); } catch (e) { return; }
      unread += 1;
      badge.textContent = String(unread);
      badge.hidden = false;
      showToast(entry);
      refreshPage();
    });
    source.addEventListener("signin", function () { source.close(); });
    source.addEventListener("error", function () { if (state) state.textContent = "○"; });
    window.addEventListener("pagehide", function () { source.close(); });
  }
  if (liveKind === "deadlines") {
    setInterval(refreshPage, 60000); // deadlines also pass with time alone
  }

  // ---- duplicates while typing ----------------------------------------------------------
  var form = $("#request-form");
  if (form && window.fetch) {
    var panel = $("#duplicates");
    var list = $("#duplicate-list");
    var timer = null;
    var ask = function () {
      var data = new FormData(form);
      var params = new URLSearchParams();
      ["category", "title", "description", "address", "lat", "lng"].forEach(function (name) {
        var value = data.get(name);
        if (value) params.set(name, value);
      });
      if (!params.get("category") || !(params.get("title") || params.get("description"))) return;
      fetch(form.getAttribute("data-suggest-url") + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (found) {
          if (!found.suggestions || !found.suggestions.length) return;
          list.textContent = "";
          found.suggestions.forEach(function (s) {
            var item = document.createElement("li");
            item.className = "card";
            var link = document.createElement("a");
            link.href = s.url;
            link.textContent = s.request_id;
            var meta = document.createElement("span");
            meta.className = "meta";
            meta.textContent = [s.status, s.submitted, s.distance].filter(Boolean).join(" · ");
            item.appendChild(link);
            item.appendChild(meta);
            list.appendChild(item);
          });
          panel.hidden = false;
        })
        .catch(function () {});
    };
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 700); });
  }

  // ---- map pin (only with a configured tile URL) ----------------------------------------
  var map = $("#map");
  if (map) {
    var tiles = map.getAttribute("data-tiles");
    var latInput = $("#lat"), lngInput = $("#lng");
    var zoom = 16;
    var centre = { lat: parseFloat(latInput.value) || 28.6561, lng: parseFloat(lngInput.value) || 121.4208 };
    var toPixel = function (lat, lng) {
      var scale = 256 * Math.pow(2, zoom);
      var s = Math.sin(lat * Math.PI / 180);
      return { x: (lng + 180) / 360 * scale, y: (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale };
    };
    var toLatLng = function (x, y) {
      var scale = 256 * Math.pow(2, zoom);
      var n = Math.PI - 2 * Math.PI * y / scale;
      return { lat: 180 / Math.PI * Math.atan(0.5 * (Math.exp(n) - Math.exp(-n))), lng: x / scale * 360 - 180 };
    };
    var origin = null;
    var pin = document.createElement("span");
    pin.className = "pin";
    pin.hidden = true;
    var draw = function () {
      map.textContent = "";
      var c = toPixel(centre.lat, centre.lng);
      origin = { x: c.x - map.clientWidth / 2, y: c.y - map.clientHeight / 2 };
      for (var tx = Math.floor(origin.x / 256); tx * 256 < origin.x + map.clientWidth; tx++) {
        for (var ty = Math.floor(origin.y / 256); ty * 256 < origin.y + map.clientHeight; ty++) {
          var img = document.createElement("img");
          img.alt = "";
          img.src = tiles.replace("{z}", zoom).replace("{x}", tx).replace("{y}", ty);
          img.style.left = (tx * 256 - origin.x) + "px";
          img.style.top = (ty * 256 - origin.y) + "px";
          map.appendChild(img);
        }
      }
      map.appendChild(pin);
      placePin();
    };
    var placePin = function () {
      var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
      if (isNaN(lat) || isNaN(lng) || !origin) { pin.hidden = true; return; }
      var p = toPixel(lat, lng);
      pin.style.left = (p.x - origin.x) + "px";
      pin.style.top = (p.y - origin.y) + "px";
      pin.hidden = false;
    };
    map.addEventListener("click", function (event) {
      var box = map.getBoundingClientRect();
      var point = toLatLng(origin.x + event.clientX - box.left, origin.y + event.clientY - box.top);
      latInput.value = point.lat.toFixed(6);
      lngInput.value = point.lng.toFixed(6);
      placePin();
    });
    latInput.addEventListener("change", placePin);
    lngInput.addEventListener("change", placePin);
    draw();
  }
})();
