/*
 * Place chooser for the application form: turns the municipality name field into an ARIA 1.2
 * combobox (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/) listing known EU places from
 * GET /places/search. Choosing one fills in the name, country, region, population, latitude,
 * longitude and the hidden GeoNames id. Without this script the field is a plain text input
 * and everything is typed by hand; the server checks it either way.
 *
 * Keys: Down/Up move through the list (Down opens it), Enter chooses, Escape closes,
 * Tab leaves. The number of places found is announced through a polite live region.
 */
(function () {
  "use strict";

  var MIN_LENGTH = 2;
  var DELAY_MS = 250;

  function PlaceSearch(input) {
    this.input = input;
    this.url = input.getAttribute("data-place-search");
    this.targets = {
      country: byId(input.getAttribute("data-country-field")),
      region: byId(input.getAttribute("data-region-field")),
      population: byId(input.getAttribute("data-population-field")),
      latitude: byId(input.getAttribute("data-latitude-field")),
      longitude: byId(input.getAttribute("data-longitude-field")),
      id: byId(input.getAttribute("data-id-field"))
    };
    this.results = [];
    this.active = -1;
    this.timer = null;
    this.request = null;
    this.build();
    this.bind();
  }

  function byId(id) {
    return id ? document.getElementById(id) : null;
  }

  PlaceSearch.prototype.build = function () {
    var input = this.input;
    var listId = input.id + "-places";
    this.list = document.createElement("ul");
    this.list.id = listId;
    this.list.className = "autocomplete-list";
    this.list.setAttribute("role", "listbox");
    this.list.setAttribute("aria-label", input.labels && input.labels[0] ? input.labels[0].textContent.trim() : "");
    this.list.hidden = true;
    input.insertAdjacentElement("afterend", this.list);

    this.status = document.createElement("div");
    this.status.className = "visually-hidden";
    this.status.setAttribute("role", "status");
    this.status.setAttribute("aria-live", "polite");
    this.status.id = input.id + "-places-status";
    this.list.insertAdjacentElement("afterend", this.status);

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("autocomplete", "off");

    // With the script, the hint explains the list instead of typing by hand.
    var hint = document.getElementById(input.id + "-hint");
    var jsHint = input.getAttribute("data-js-hint");
    if (hint && jsHint) {
      hint.textContent = jsHint;
    }
  };

  PlaceSearch.prototype.bind = function () {
    var self = this;
    this.input.addEventListener("input", function () {
      if (self.targets.id) {
        self.targets.id.value = ""; // the typed name no longer is the chosen place
      }
      self.schedule();
    });
    this.input.addEventListener("keydown", function (event) {
      self.onKey(event);
    });
    this.input.addEventListener("blur", function () {
      // Let a click on an option land before the list goes away.
      window.setTimeout(function () { self.close(); }, 150);
    });
    this.list.addEventListener("mousedown", function (event) {
      event.preventDefault(); // keep the focus in the input
    });
    this.list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        self.choose(Number(option.getAttribute("data-index")));
      }
    });
  };

  PlaceSearch.prototype.onKey = function (event) {
    var open = !this.list.hidden;
    switch (event.key) {
      case "ArrowDown":
      case "Down":
        event.preventDefault();
        if (!open) {
          if (this.results.length) {
            this.open();
            this.move(0);
          } else {
            this.fetch();
          }
        } else {
          this.move(this.active + 1 >= this.results.length ? 0 : this.active + 1);
        }
        break;
      case "ArrowUp":
      case "Up":
        if (open) {
          event.preventDefault();
          this.move(this.active <= 0 ? this.results.length - 1 : this.active - 1);
        }
        break;
      case "Enter":
        if (open && this.active >= 0) {
          event.preventDefault(); // choose the place, do not send the form
          this.choose(this.active);
        }
        break;
      case "Escape":
      case "Esc":
        if (open) {
          event.preventDefault();
          this.close();
        }
        break;
      case "Tab":
        this.close();
        break;
    }
  };

  PlaceSearch.prototype.schedule = function () {
    var self = this;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(function () { self.fetch(); }, DELAY_MS);
  };

  PlaceSearch.prototype.fetch = function () {
    var self = this;
    var query = this.input.value.trim();
    if (query.length < MIN_LENGTH) {
      this.results = [];
      this.close();
      return;
    }
    var params = new URLSearchParams({ q: query });
    var country = this.targets.country ? this.targets.country.value : "";
    if (country) {
      params.set("country", country);
    }
    if (this.request) {
      this.request.abort();
    }
    this.request = new AbortController();
    fetch(this.url + "?" + params.toString(), {
      headers: { Accept: "application/json" },
      signal: this.request.signal,
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        if (self.input.value.trim() !== query) {
          return; // the officer typed on meanwhile; a newer search follows
        }
        self.show(data.results || []);
      })
      .catch(function (error) {
        if (error.name !== "AbortError") {
          self.show([]);
        }
      });
  };

  PlaceSearch.prototype.show = function (results) {
    this.results = results;
    this.active = -1;
    this.list.textContent = "";
    this.input.removeAttribute("aria-activedescendant");
    var self = this;
    results.forEach(function (place, index) {
      var option = document.createElement("li");
      option.id = self.list.id + "-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.setAttribute("data-index", String(index));
      var name = document.createElement("strong");
      name.textContent = place.name;
      option.appendChild(name);
      var details = [place.region_label || place.region, place.country_name].filter(Boolean).join(", ");
      var extra = document.createElement("span");
      extra.className = "option-details";
      extra.textContent = " " + details;
      if (place.population) {
        extra.textContent += " · " + self.number(place.population);
      }
      if (place.geonames_name && place.geonames_name !== place.name) {
        extra.textContent += " (" + place.geonames_name + ")";
      }
      option.appendChild(extra);
      self.list.appendChild(option);
    });
    if (results.length) {
      this.open();
    } else {
      this.close();
    }
    this.announce(results.length);
  };

  PlaceSearch.prototype.number = function (value) {
    try {
      return Number(value).toLocaleString(document.documentElement.lang || undefined);
    } catch (e) {
      return String(value);
    }
  };

  PlaceSearch.prototype.announce = function (count) {
    var messages = {
      none: this.input.getAttribute("data-msg-none") || "No known place found. Type the details by hand.",
      one: this.input.getAttribute("data-msg-one") || "1 place found. Use the up and down arrow keys to choose it.",
      many: this.input.getAttribute("data-msg-many") || "{count} places found. Use the up and down arrow keys to choose one."
    };
    var text = count === 0 ? messages.none : count === 1 ? messages.one : messages.many.replace("{count}", count);
    this.status.textContent = text;
  };

  PlaceSearch.prototype.open = function () {
    this.list.hidden = false;
    this.input.setAttribute("aria-expanded", "true");
  };

  PlaceSearch.prototype.close = function () {
    this.list.hidden = true;
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  };

  PlaceSearch.prototype.move = function (index) {
    var options = this.list.querySelectorAll("[role=option]");
    if (!options.length) {
      return;
    }
    if (this.active >= 0 && options[this.active]) {
      options[this.active].setAttribute("aria-selected", "false");
    }
    this.active = index;
    var option = options[index];
    option.setAttribute("aria-selected", "true");
    this.input.setAttribute("aria-activedescendant", option.id);
    option.scrollIntoView({ block: "nearest" });
  };

  PlaceSearch.prototype.choose = function (index) {
    var place = this.results[index];
    if (!place) {
      return;
    }
    this.input.value = place.name;
    var t = this.targets;
    if (t.country) { t.country.value = place.country; }
    if (t.region) { t.region.value = place.region || ""; }
    if (t.population) { t.population.value = place.population == null ? "" : place.population; }
    if (t.latitude) { t.latitude.value = place.latitude; }
    if (t.longitude) { t.longitude.value = place.longitude; }
    if (t.id) { t.id.value = place.geonames_id; }
    this.close();
    var filled = this.input.getAttribute("data-msg-filled") || "Filled in: {place}. Check the details below.";
    this.status.textContent = filled.replace("{place}", [place.name, place.region, place.country_name].filter(Boolean).join(", "));
  };

  document.querySelectorAll("input[data-place-search]").forEach(function (input) {
    new PlaceSearch(input);
  });
})();
