"""Actions members pledge, their progress, the covenant's deadlines and good practice."""
