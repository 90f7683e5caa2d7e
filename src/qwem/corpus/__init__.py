"""Corpus acquisition and preparation: download, extract, tokenise."""
