"""Card payments: settling, refunds and the ledger, reconciliation, payment records and the gateway port."""
