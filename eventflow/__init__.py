"""EventFlow: fair-trade, self-hostable ticketing for independent organizers."""
