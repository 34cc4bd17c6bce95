"""Business rules in plain Python: money and fees, events and tiers, reservations, orders.

Nothing in this package imports a web framework or an SDK; adapters implement the ports
declared in `eventflow.domain.ports` and are wired together in `eventflow.app.wiring`.
"""
