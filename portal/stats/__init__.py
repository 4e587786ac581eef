"""Statistics of the covenant: members per country, joins over time, actions and funding."""
