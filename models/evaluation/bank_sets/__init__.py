"""Evaluation sets of bank statements, written apart from the training data's templates."""
