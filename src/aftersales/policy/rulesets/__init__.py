"""Rule sets as data: one TOML file per version, named by its effective date (see docs/policy.md)."""
