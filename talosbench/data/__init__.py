"""Datasets: catalog, download, raw readers, preprocessing, shift scenarios, the synthetic generator."""
