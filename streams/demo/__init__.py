"""The demo and its sample data: generated accounts and transactions (brands from the
merchant catalogue's data file), and `txenrich demo`'s run on the embedded local stack. Not
the product's logic: the benches and tests use the samples; the workers never do."""
