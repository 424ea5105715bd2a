"""Engines: one package per AWS service, each reproducing that service's semantics."""
