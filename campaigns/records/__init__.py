"""The record pages, one module per page."""
