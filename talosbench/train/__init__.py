"""Training: negative sampling, scoring, the epoch loop, early stopping and timing."""
