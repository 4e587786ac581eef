"""The member map: every public member as a point, clustered, filtered like the directory."""
