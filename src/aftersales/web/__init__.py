"""The HTTP kernel every domain's router shares: dependencies (runtime, session, caller) and identity routes."""
