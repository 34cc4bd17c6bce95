"""One module per outside system: Stripe, demo payments, mail, OIDC, tokens, cover images, live fan-out."""
