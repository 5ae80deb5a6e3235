"""Pure domain: rules and state, standard library only."""
