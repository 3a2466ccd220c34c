"""Root pytest configuration: headless matplotlib for every test and subprocess."""
import os

os.environ["MPLBACKEND"] = "Agg"
