"""Modal screens of the journey designer: confirmations, prompts, pickers and help."""
