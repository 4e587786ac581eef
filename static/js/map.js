/* The member map: shipped country outlines, an optional tile layer, clustered member points.
 *
 * The page hands over its addresses (already carrying the filters) in data- attributes of
 * #member-map. Points come in the compact format of portal/map/service.py; a click (or Enter)
 * on a point asks the server who is there and shows the member's card. The first view fits
 * every member (or the EU, Cyprus included, when there is none). Zoomed in (or with few points
 * in view) the points are labelled with the members' names, asked from the server for the view.
 * When every point is clustered and drawn, the map element gets data-drawn-ms (milliseconds
 * since navigation start) for the benchmark.
 */
(function () {
  "use strict";

  var element = document.getElementById("member-map");
  if (!element || !window.L || !L.markerClusterGroup) {
    return;
  }
  element.classList.add("is-live"); // gives the map its height (none without the script)
  var data = element.dataset;
  var status = document.getElementById("map-status");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined);
  function fill(template, num) {
    return template.replace("{num}", numbers.format(num));
  }

  // The extent of the shipped outlines: Europe with the Azores, Madeira, the Canaries and Cyprus.
  var FRAME = L.latLngBounds([[25, -30], [73, 50]]);
  // The EU, Cyprus and the Canaries included: the first view when no member is on the map.
  var EU = L.latLngBounds([[27.5, -18.5], [70.2, 34.8]]);
  var LABEL_ZOOM = 9; // from here the points are labelled with the members' names
  var LABEL_FEW = 25; // ... and at any zoom when no more points than this are in view
  var FIT_PADDING = [24, 24];

  var map = L.map(element, {
    keyboard: true,
    minZoom: 3,
    maxZoom: data.tileUrl ? 18 : 13,
    // Quarter steps when fitting, so the first view is as close as every member allows; the
    // controls and keys still zoom by whole steps.
    zoomSnap: 0.25,
    zoomDelta: 1,
    maxBounds: FRAME.pad(0.05),
    zoomControl: true,
  });
  map.fitBounds(EU, { padding: FIT_PADDING });

  // The country outlines, below any tile layer: if the tiles cannot load, the outlines show.
  map.createPane("outlines").style.zIndex = 150;
  var outlineRenderer = L.canvas({ pane: "outlines" });
  fetch(data.outlinesUrl)
    .then(function (response) {
      return response.json();
    })
    .then(function (outlines) {
      L.geoJSON(outlines, {
        pane: "outlines",
        renderer: outlineRenderer,
        interactive: false,
        style: function (feature) {
          var eu = feature.properties.eu;
          return {
            color: eu ? "#8a9bb8" : "#a9b3c1",
            weight: eu ? 1 : 0.6,
            fillColor: eu ? "#fbfaf5" : "#e4e8ee",
            fillOpacity: 1,
          };
        },
      }).addTo(map);
    });
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 18 }).addTo(map);
  }

  var memberText = data.textMember;
  var clusterText = data.textCluster;
  // A member: a dot in the portal's blue with a white ring (an image, so the point is an <img>
  // button with its alt text, as Leaflet's default marker was).
  var icon = L.icon({
    iconUrl:
      "data:image/svg+xml," +
      encodeURIComponent(
        '<svg xmlns="http://www.w3.org/2000/svg" width="22" height="22" viewBox="0 0 22 22">' +
          '<circle cx="11" cy="11" r="9.5" fill="#003399" fill-opacity="0.18"/>' +
          '<circle cx="11" cy="11" r="6.5" fill="#003399" stroke="#ffffff" stroke-width="2.5"/>' +
          "</svg>"
      ),
    iconSize: [22, 22],
    iconAnchor: [11, 11],
    popupAnchor: [0, -9],
    tooltipAnchor: [9, 0],
    className: "member-marker",
  });

  var clusters = L.markerClusterGroup({
    chunkedLoading: true,
    chunkInterval: 250,
    chunkDelay: 1,
    // Clustering works out a grid per zoom level for every point: fewer levels, less work.
    // From level 10 (a city and its surroundings, some 100 km across) the points are shown
    // one by one: a few hundred at most where they are densest.
    disableClusteringAtZoom: 10,
    showCoverageOnHover: false,
    spiderfyOnMaxZoom: true,
    removeOutsideVisibleBounds: true,
    iconCreateFunction: function (cluster) {
      var count = cluster.getChildCount();
      var size = count < 10 ? "small" : count < 100 ? "medium" : count < 1000 ? "large" : "huge";
      var pixels = { small: 34, medium: 40, large: 48, huge: 56 }[size];
      var label = fill(clusterText, count);
      var html = document.createElement("div");
      var number = document.createElement("span");
      number.textContent = count >= 10000 ? Math.round(count / 1000) + "k" : String(count);
      number.setAttribute("aria-hidden", "true");
      var hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = label;
      html.appendChild(number);
      html.appendChild(hidden);
      return L.divIcon({
        html: html.outerHTML,
        className: "marker-cluster map-cluster map-cluster-" + size,
        iconSize: L.point(pixels, pixels),
      });
    },
  });

  // One popup for all points, filled from the server when a point is chosen.
  var popup = L.popup({ maxWidth: 320, autoPanPadding: [24, 24] });
  var lastMarker = null;

  function showMembersAt(marker, fromKeyboard) {
    var position = marker.getLatLng();
    var box = document.createElement("div");
    box.className = "map-popup";
    box.textContent = data.textLoading;
    lastMarker = marker;
    popup.setLatLng(position).setContent(box).openOn(map);
    var url = new URL(data.atUrl, window.location.href);
    url.searchParams.set("lat", position.lat.toFixed(3));
    url.searchParams.set("lon", position.lng.toFixed(3));
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (answer) {
        box.textContent = "";
        if (answer.total === 1 && answer.items.length === 1) {
          box.appendChild(memberCard(answer.items[0]));
          popup.update();
          if (fromKeyboard) {
            box.querySelector("a").focus();
          }
          return;
        }
        var heading = document.createElement("p");
        heading.className = "map-popup-heading";
        heading.textContent = fill(data.textHere, answer.total);
        box.appendChild(heading);
        var list = document.createElement("ul");
        answer.items.forEach(function (item) {
          var entry = document.createElement("li");
          var link = document.createElement("a");
          link.href = item.url;
          link.textContent = item.name;
          entry.appendChild(link);
          entry.appendChild(document.createTextNode(", " + item.country_name));
          if (item.region) {
            var region = document.createElement("span");
            region.className = "muted";
            region.textContent = " (" + item.region + ")";
            entry.appendChild(region);
          }
          list.appendChild(entry);
        });
        box.appendChild(list);
        if (answer.total > answer.items.length) {
          var more = document.createElement("p");
          var link = document.createElement("a");
          link.href = element.closest("main").querySelector(".map-alternative a").href;
          link.textContent = fill(data.textMore, answer.total - answer.items.length);
          more.appendChild(link);
          box.appendChild(more);
        }
        popup.update();
        if (fromKeyboard) {
          var first = box.querySelector("a");
          if (first) {
            first.focus();
          }
        }
      })
      .catch(function () {
        box.textContent = data.textFailed;
      });
  }

  // One member's card: its name as a link to its page, where it is, and its public figures.
  function memberCard(item) {
    var card = document.createElement("div");
    card.className = "map-card";
    var title = document.createElement("p");
    title.className = "map-card-title";
    var link = document.createElement("a");
    link.href = item.url;
    link.textContent = item.name;
    title.appendChild(link);
    card.appendChild(title);
    var place = document.createElement("p");
    place.className = "map-card-place";
    place.textContent = item.country_name + (item.region ? " · " + item.region : "");
    card.appendChild(place);
    if (item.status !== "approved") {
      var badge = document.createElement("span");
      badge.className = "badge badge-" + item.status;
      badge.textContent = item.status_label;
      card.appendChild(badge);
    }
    var facts = document.createElement("p");
    facts.className = "map-card-facts";
    [item.population_text, item.joined_text].forEach(function (text) {
      if (text) {
        var line = document.createElement("span");
        line.textContent = text;
        facts.appendChild(line);
      }
    });
    if (facts.childNodes.length) {
      card.appendChild(facts);
    }
    var actions = document.createElement("p");
    actions.className = "map-card-actions";
    actions.textContent = item.actions_text;
    card.appendChild(actions);
    return card;
  }

  clusters.on("click", function (event) {
    var fromKeyboard = event.originalEvent && event.originalEvent.detail === 0;
    showMembersAt(event.layer, fromKeyboard);
  });

  // Back to the point when its popup closes while holding the focus (Escape, the close button).
  map.on("popupclose", function (event) {
    var active = document.activeElement;
    var popupElement = event.popup.getElement();
    var lost = !active || active === document.body || (popupElement && popupElement.contains(active));
    if (lost && lastMarker && lastMarker._icon) {
      lastMarker._icon.focus();
    }
  });

  element.addEventListener("keydown", function (event) {
    var target = event.target;
    // Escape closes the popup from wherever the focus is in the map (Leaflet listens for it only
    // while the map itself has the focus).
    if (event.key === "Escape" && popup.isOpen()) {
      event.preventDefault();
      map.closePopup(popup);
      return;
    }
    // Enter or Space on a focused point or group acts as a click (zoom in, or open the popup).
    if ((event.key === "Enter" || event.key === " ") && target.classList.contains("leaflet-marker-icon")) {
      event.preventDefault();
      event.stopPropagation();
      target.click();
    }
  });

  // ---- Labels: the members' names beside their points, zoomed in or with few points in view.
  var byPoint = {}; // "lat,lon" in SCALE units -> the marker drawn there
  var labelled = [];
  var shownNames = "";
  var labelRequest = 0;
  var pointLats = [];
  var pointLons = [];

  function pointsInView() {
    var view = map.getBounds();
    var n = 0;
    for (var i = 0; i < pointLats.length; i++) {
      if (view.contains([pointLats[i], pointLons[i]])) {
        n += 1;
        if (n > LABEL_FEW) {
          break;
        }
      }
    }
    return n;
  }

  function clearLabels() {
    labelled.forEach(function (marker) {
      marker.unbindTooltip();
    });
    labelled = [];
    shownNames = "";
  }

  function updateLabels() {
    var wanted = map.getZoom() >= LABEL_ZOOM || pointsInView() <= LABEL_FEW;
    var request = ++labelRequest;
    if (!wanted || !data.namesUrl || !pointLats.length) {
      clearLabels();
      return;
    }
    var view = map.getBounds();
    var url = new URL(data.namesUrl, window.location.href);
    url.searchParams.set("south", view.getSouth().toFixed(3));
    url.searchParams.set("west", view.getWest().toFixed(3));
    url.searchParams.set("north", view.getNorth().toFixed(3));
    url.searchParams.set("east", view.getEast().toFixed(3));
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (answer) {
        if (request !== labelRequest) {
          return; // the view moved on in the meantime
        }
        var names = {};
        answer.items.forEach(function (item) {
          var key = Math.round(item.lat * scale) + "," + Math.round(item.lon * scale);
          (names[key] = names[key] || []).push(item.name);
        });
        // The same names as those shown (the first view asks twice: once drawn, once moved
        // there): keep them rather than take them down and put them up again.
        var shown = JSON.stringify(names);
        if (shown === shownNames && labelled.length) {
          return;
        }
        clearLabels();
        shownNames = shown;
        Object.keys(names).forEach(function (key) {
          var marker = byPoint[key];
          if (!marker) {
            return;
          }
          var here = names[key];
          var text = here.length === 1 ? here[0] : fill(data.textAndOthers, here.length - 1).replace("{name}", here[0]);
          marker.bindTooltip(text, {
            permanent: true,
            direction: "right",
            className: "member-label",
            interactive: false,
          });
          labelled.push(marker);
        });
        element.dataset.labels = String(labelled.length);
      })
      .catch(function () {
        clearLabels();
      });
  }

  var labelTimer = null;
  map.on("moveend", function () {
    window.clearTimeout(labelTimer);
    labelTimer = window.setTimeout(updateLabels, 150);
  });

  // ---- The first view: every member, however far (the outermost regions too).
  var scale = 1000;
  function fitMembers(bounds) {
    if (!bounds) {
      return;
    }
    // A lone member is shown with its surroundings, not at the closest zoom.
    var options = { padding: FIT_PADDING, maxZoom: 8, animate: false };
    map.setMinZoom(1); // (getBoundsZoom answers within the current limits)
    var zoom = map.getBoundsZoom(bounds, false, L.point(48, 48));
    // A whole minimum zoom: Leaflet.markercluster builds its levels from it, and leaves out
    // points (Helsinki at 320 px) when it is fractional.
    map.setMinZoom(Math.max(1, Math.min(3, Math.floor(zoom))));
    // Fitted first, then kept within the outlines and that view: on a narrow screen the view
    // may be wider than the outlines, and members beyond them (the Caribbean, French Guiana, the
    // Indian Ocean) stay reachable, the map zooming out as far as it takes to show them too.
    map.setMaxBounds(null);
    map.fitBounds(bounds, options);
    map.setMaxBounds(FRAME.pad(0.05).extend(bounds.pad(0.1)).extend(map.getBounds()));
  }

  function markDrawn(count) {
    window.requestAnimationFrame(function () {
      element.dataset.drawnMs = String(Math.round(performance.now()));
      element.dataset.points = String(count);
      say(fill(data.textDrawn, count));
    });
  }

  say(data.textLoading);
  fetch(data.pointsUrl)
    .then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    })
    .then(function (points) {
      scale = points.scale;
      var markers = new Array(points.count);
      var lat = 0;
      var lon = 0;
      var south = 90;
      var west = 180;
      var north = -90;
      var east = -180;
      pointLats = new Array(points.count);
      pointLons = new Array(points.count);
      for (var i = 0; i < points.count; i++) {
        lat += points.lat[i];
        lon += points.lon[i];
        var latDeg = lat / scale;
        var lonDeg = lon / scale;
        pointLats[i] = latDeg;
        pointLons[i] = lonDeg;
        south = Math.min(south, latDeg);
        north = Math.max(north, latDeg);
        west = Math.min(west, lonDeg);
        east = Math.max(east, lonDeg);
        markers[i] = L.marker([latDeg, lonDeg], {
          icon: icon,
          alt: memberText,
          title: memberText,
        });
        byPoint[lat + "," + lon] = markers[i];
      }
      if (points.count) {
        fitMembers(L.latLngBounds([south, west], [north, east]));
      }
      clusters.options.chunkProgress = function (processed, total) {
        if (total === markers.length && processed === total) {
          markDrawn(total);
        }
      };
      map.addLayer(clusters);
      clusters.addLayers(markers);
      if (!points.count) {
        markDrawn(0);
      }
      updateLabels();
    })
    .catch(function () {
      say(data.textFailed);
    });
})();
