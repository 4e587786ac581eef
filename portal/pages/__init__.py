"""Public pages that belong to no feature: home, about, privacy, accessibility, language."""
