/* The member map: shipped country outlines, an optional tile layer, clustered member points.
 *
 * The page hands over its addresses (already carrying the filters) in data- attributes of
 * #member-map. Points come in the compact format of portal/map/service.py; a click (or Enter)
 * on a point asks the server who is there. When every point is clustered and drawn, the map
 * element gets data-drawn-ms (milliseconds since navigation start) for the benchmark.
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

  var map = L.map(element, {
    keyboard: true,
    minZoom: 4,
    maxZoom: data.tileUrl ? 18 : 13,
    maxBounds: [[25, -30], [73, 50]], // the extent of the shipped outlines
    zoomControl: true,
  });
  map.fitBounds([[35, -10], [70, 32]]);

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
            color: "#7d8b99",
            weight: eu ? 1 : 0.6,
            fillColor: eu ? "#ffffff" : "#eceff2",
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
  var icon = new L.Icon.Default();

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
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
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
        className: "marker-cluster marker-cluster-" + size,
        iconSize: L.point(40, 40),
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
      var scale = points.scale;
      var markers = new Array(points.count);
      var lat = 0;
      var lon = 0;
      for (var i = 0; i < points.count; i++) {
        lat += points.lat[i];
        lon += points.lon[i];
        markers[i] = L.marker([lat / scale, lon / scale], {
          icon: icon,
          alt: memberText,
          title: memberText,
        });
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
    })
    .catch(function () {
      say(data.textFailed);
    });
})();
